//! The documents of a recognition application (申請書類): attached by the
//! body or its liaison, kept with the application they were sent with, read
//! only by those who take part in the recognition, an 役員名簿's every read
//! logged, and the page keeping the user's choice when a file is refused.

mod common;

use common::{Api, TestApp};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const NIIMI: &str = "332101";
const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\n1 0 obj";

async fn upload(api: &Api<'_>, body: i64, kind: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let form = Form::new()
        .text("kind", kind.to_owned())
        .part("file", Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
    let res = api
        .request(
            reqwest::Method::POST,
            &format!("/organisations/{body}/recognition/files"),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_application_is_sent_with_its_documents_which_then_stay() {
    let app = TestApp::spawn(&["niimi"]).await;
    let muni = app.municipality(NIIMI).await.id;
    // 哲西まちづくり協議会: its application waits in the demo.
    let body = app.id_of(muni, "organisations", "O021").await;
    let coordinator = Api::new(&app, "niimi-coordinator").await;
    let department = Api::new(&app, "niimi-department").await;
    let community = Api::new(&app, "niimi-community").await;
    let files = format!("/organisations/{body}/recognition/files");
    let recognition = format!("/organisations/{body}/recognition");

    // The demo's application went with a sample 規約.
    let (_, demo) = coordinator.send("GET", &files, None).await;
    assert_eq!(demo[0]["filename"], "規約（見本）.pdf");
    assert!(demo[0]["applied_on"].is_string(), "{demo}");
    let (status, res) = upload(&coordinator, body, "bylaws", "規約.pdf", PDF).await;
    assert_eq!(status, 409, "an application under review is what was sent: {res}");
    assert!(res.to_string().contains("申請中は申請書類を変えられません"), "{res}");

    let returned = json!({"action": "return", "comment": "規約を添付してください"});
    assert_eq!(coordinator.send("POST", &recognition, Some(returned)).await.0, 200);
    let (status, bylaws) = upload(&coordinator, body, "bylaws", "規約.pdf", PDF).await;
    assert_eq!(status, 201, "{bylaws}");
    assert_eq!(bylaws["kind"], "bylaws");
    assert_eq!(bylaws["applied_on"], Value::Null);
    let (status, list) = upload(&coordinator, body, "officer_list", "役員名簿.pdf", PDF).await;
    assert_eq!(status, 201, "{list}");
    let (status, res) = upload(&coordinator, body, "minutes", "memo.exe", b"MZ\x90\0").await;
    assert_eq!(status, 409, "{res}");
    let (status, res) = upload(&coordinator, body, "resume", "a.pdf", PDF).await;
    assert_eq!(status, 422, "a kind not in the API's enum: {res}");

    // Another body's account and a department never see them.
    assert_eq!(department.send("GET", &files, None).await.0, 403);
    assert_eq!(community.send("GET", &files, None).await.0, 403);
    let bylaws_path = format!("{files}/{}", bylaws["id"]);
    let res = community
        .request(reqwest::Method::GET, &bylaws_path)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let (status, org) = coordinator
        .send(
            "POST",
            &recognition,
            Some(json!({"action": "apply", "on": "2026-12-03"})),
        )
        .await;
    assert_eq!(status, 200, "{org}");
    let (_, events) = coordinator.send("GET", &recognition, None).await;
    let last = events.as_array().unwrap().last().unwrap().clone();
    let sent: Vec<&str> = last["application"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filename"].as_str().unwrap())
        .collect();
    assert_eq!(sent, ["規約（見本）.pdf", "規約.pdf", "役員名簿.pdf"]);
    let (_, now) = coordinator.send("GET", &files, None).await;
    let days: Vec<&Value> = now.as_array().unwrap().iter().map(|f| &f["applied_on"]).collect();
    assert_eq!(days[1..], [&json!("2026-12-03"), &json!("2026-12-03")], "{now}");
    assert_ne!(
        days[0],
        &json!("2026-12-03"),
        "the first application's day stays: {now}"
    );

    // Sent with the application, the 規約 stays even after a return.
    let returned = json!({"action": "return", "comment": "区域図も添付してください"});
    assert_eq!(coordinator.send("POST", &recognition, Some(returned)).await.0, 200);
    let b = app.login("niimi-coordinator").await;
    let res = b
        .post(
            &format!("/organisations/{body}/recognition/files/{}/delete", bylaws["id"]),
            &[],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("記録として残すため削除できません"), "{page}");
    assert_eq!(
        coordinator.send("GET", &files, None).await.1.as_array().unwrap().len(),
        3
    );

    // Reading the 役員名簿 is logged; reading the 規約 is not personal.
    let res = coordinator
        .request(reqwest::Method::GET, &format!("{files}/{}", list["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let logged = kyodo_store::audit::list(
        &app.db,
        muni,
        &kyodo_store::audit::AuditFilter {
            action: Some("read_personal".into()),
            entity: Some("application_files".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .items;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].entity_id, list["id"].as_i64());
}

#[tokio::test]
async fn the_page_attaches_removes_and_keeps_the_choice_when_a_file_is_refused() {
    let app = TestApp::spawn(&["niimi"]).await;
    // 唐松まちづくり協議会, recognised: its own account keeps its documents current.
    let community = Api::new(&app, "niimi-community").await;
    let account = kyodo_store::accounts::by_login(&app.db, "niimi-community")
        .await
        .unwrap()
        .expect("the demo's community account");
    let body = account.organisation_id.expect("the community account's body");
    let b = app.login("niimi-community").await;
    let post = |kind: &str, name: &str, bytes: &[u8]| {
        let form = Form::new()
            .text("_csrf", b.csrf.clone())
            .text("kind", kind.to_owned())
            .part("file", Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
        b.client
            .post(b.url(&format!("/organisations/{body}/recognition/files")))
            .multipart(form)
            .send()
    };

    let res = post("area_map", "区域図.txt", b"not a map").await.unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("この種類のファイルは添付できません"), "{page}");
    assert!(
        page.contains(r#"<option value="area_map" selected>"#),
        "the chosen kind is kept"
    );
    let res = post("", "区域図.pdf", PDF).await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("書類の種類を選んでください"));

    let res = post("area_map", "区域図.pdf", PDF).await.unwrap();
    assert_eq!(res.status(), 303);
    let page = b.get(&format!("/organisations/{body}")).await.text().await.unwrap();
    assert!(page.contains("申請書類") && page.contains("区域図.pdf") && page.contains("区域の図面"));
    assert!(page.contains(r#"enctype="multipart/form-data""#));

    let (_, files) = community
        .send("GET", &format!("/organisations/{body}/recognition/files"), None)
        .await;
    let map = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == "区域図.pdf")
        .expect("the map, beside the demo's 規約");
    let id = map["id"].as_i64().unwrap();
    let res = b
        .post(&format!("/organisations/{body}/recognition/files/{id}/delete"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, files) = community
        .send("GET", &format!("/organisations/{body}/recognition/files"), None)
        .await;
    let names: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["規約（見本）.pdf"], "the map is gone; the applied 規約 stays");
}
