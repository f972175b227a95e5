//! Photos and files on an issue: kinds and sizes checked by their bytes,
//! internal files kept from the community, the page keeping the user informed.

mod common;

use common::{Api, demo, intake};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\n1 0 obj";

async fn upload(api: &Api<'_>, id: i64, name: &str, bytes: &[u8], internal: bool) -> (u16, Value) {
    let mut form = Form::new().part("file", Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
    if internal {
        form = form.text("internal", "true");
    }
    let res = api
        .request(reqwest::Method::POST, &format!("/issues/{id}/files"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn photos_and_files_reach_whoever_reads_the_issue_but_internal_ones_only_staff() {
    let d = demo().await;
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let community = Api::new(&d.app, "arao-community").await;
    let department = Api::new(&d.app, "arao-department").await;
    let (_, created) = liaison
        .send(
            "POST",
            "/issues",
            Some(intake(d.area, d.org, "カーブミラーが曲がっている")),
        )
        .await;
    let id = created["id"].as_i64().unwrap();

    let (status, photo) = upload(&liaison, id, "現場写真.jpg", JPEG, false).await;
    assert_eq!(status, 201, "{photo}");
    assert_eq!(photo["content_type"], "image/jpeg");
    assert_eq!(photo["filename"], "現場写真.jpg");
    let (status, memo) = upload(&liaison, id, "C:\\内部\\協議メモ.pdf", PDF, true).await;
    assert_eq!(status, 201, "{memo}");
    assert_eq!(memo["filename"], "協議メモ.pdf");
    assert_eq!(memo["internal"], true);

    // The community sees the photo, not the internal memo, and cannot fetch it by id.
    let (_, files) = community.send("GET", &format!("/issues/{id}/files"), None).await;
    let names: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["現場写真.jpg"]);
    let memo_path = format!("/issues/{id}/files/{}", memo["id"]);
    let res = community
        .request(reqwest::Method::GET, &memo_path)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = liaison.request(reqwest::Method::GET, &memo_path).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("UTF-8''")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // The community adds a photo to its own issue; an internal flag from it is ignored.
    let (status, theirs) = upload(&community, id, "photo.jpg", JPEG, true).await;
    assert_eq!(status, 201, "{theirs}");
    assert_eq!(theirs["internal"], false);
    // A department the issue was never routed to may not add or read.
    let (status, _) = upload(&department, id, "a.jpg", JPEG, false).await;
    assert_eq!(status, 403);

    // Refused kinds and sizes say why, and store nothing.
    let (status, body) = upload(&liaison, id, "photo.jpg", b"MZ\x90\0program", false).await;
    assert_eq!(status, 409);
    assert!(
        body.to_string().contains("この種類のファイルは添付できません"),
        "{body}"
    );
    let mut big = JPEG.to_vec();
    big.resize(10 * 1024 * 1024 + 1, 0);
    let (status, body) = upload(&liaison, id, "big.jpg", &big, false).await;
    assert_eq!(status, 409);
    assert!(body.to_string().contains("1件10MBまで"), "{body}");
    let (_, files) = liaison.send("GET", &format!("/issues/{id}/files"), None).await;
    assert_eq!(files.as_array().unwrap().len(), 3);

    // The timeline records each file; the community reads only the public ones.
    let (_, history) = community.send("GET", &format!("/issues/{id}/history"), None).await;
    let text = history.to_string();
    assert!(text.contains("添付: 現場写真.jpg"), "{text}");
    assert!(!text.contains("協議メモ"), "{text}");
}

#[tokio::test]
async fn the_issue_page_uploads_shows_and_removes_files() {
    let d = demo().await;
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let (_, created) = liaison
        .send("POST", "/issues", Some(intake(d.area, d.org, "公園の遊具が壊れている")))
        .await;
    let id = created["id"].as_i64().unwrap();
    let browser = d.app.login("arao-liaison").await;
    let send = |name: &'static str, bytes: &'static [u8]| {
        let form = Form::new()
            .text("_csrf", browser.csrf.clone())
            .part("file", Part::bytes(bytes).file_name(name));
        browser
            .client
            .post(browser.url(&format!("/issues/{id}/files")))
            .multipart(form)
            .send()
    };
    let res = send("遊具.jpg", JPEG).await.unwrap();
    assert_eq!(res.status(), 303);
    let page = browser.get(&format!("/issues/{id}")).await.text().await.unwrap();
    assert!(
        page.contains("遊具.jpg") && page.contains("<img class=\"attachment-photo\""),
        "{page}"
    );

    let res = send("notes.txt", b"plain text").await.unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("この種類のファイルは添付できません"), "{page}");

    let (_, files) = liaison.send("GET", &format!("/issues/{id}/files"), None).await;
    let file_id = files[0]["id"].as_i64().unwrap();
    let res = browser.post(&format!("/issues/{id}/files/{file_id}/delete"), &[]).await;
    assert_eq!(res.status(), 303);
    let (_, files) = liaison.send("GET", &format!("/issues/{id}/files"), None).await;
    assert_eq!(files, Value::Array(vec![]));
}
