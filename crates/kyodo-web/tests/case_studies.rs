//! Case studies (事例集): a coordinator writes one from a closed issue,
//! publishes it on the public site where residents search it; a case never
//! names a key person without consent; sharing reaches the deployment's
//! other municipalities until it is withdrawn.

mod common;

use common::{Api, TestApp, form_fields};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A closed issue with a report, in the municipality of `code`: one the
/// demo wrote a case study from.
async fn closed_issue(app: &TestApp, code: &str) -> kyodo_core::issues::Issue {
    let muni = app.municipality(code).await.id;
    let filter = kyodo_store::case_studies::CaseFilter {
        limit: 1,
        ..Default::default()
    };
    let demo = &kyodo_store::case_studies::list(&app.db, muni, &filter).await.unwrap()[0];
    let issue = kyodo_store::issues::get(&app.db, muni, demo.source_id.unwrap())
        .await
        .unwrap()
        .issue;
    assert!(!issue.status.is_open() && issue.report_text.is_some());
    issue
}

/// A key person's full name in the municipality (personal data).
async fn key_person(app: &TestApp, code: &str) -> String {
    let muni = app.municipality(code).await.id;
    kyodo_store::testing::personal_values(&app.db, muni)
        .await
        .unwrap()
        .into_iter()
        .find(|(column, v)| column == "key_people.name" && v.chars().filter(|c| !c.is_whitespace()).count() >= 3)
        .expect("a demo key person")
        .1
}

fn case(area_id: i64, title: &str) -> Value {
    json!({
        "area_id": area_id,
        "title": title,
        "theme": "防災",
        "problem": "避難所までの道が暗く、高齢者が夜の避難をためらっていた。",
        "community_action": "自主防災会が夜間の避難訓練を企画した。",
        "city_action": "防災担当課が避難路に街路灯を設置した。",
        "result": "夜間訓練の参加者が倍になった。",
        "roles": "自主防災会長、民生委員、地域担当職員",
    })
}

#[tokio::test]
async fn a_coordinator_writes_a_case_from_a_closed_issue_and_residents_find_it() {
    let app = TestApp::spawn(&["arao"]).await;
    let issue = closed_issue(&app, "432041").await;
    let coordinator = app.login("arao-coordinator").await;

    // The closed issue offers 「事例にする」; the form starts from the issue
    // without copying the resident's own words (the body).
    let page = coordinator
        .get(&format!("/issues/{}", issue.id))
        .await
        .text()
        .await
        .unwrap();
    // (askama writes the `&` of the link as `&#38;`.)
    let link = format!("source=issue&#38;source_id={}\"", issue.id);
    assert!(page.contains(&link), "no 事例にする link");
    let new = format!("/case-studies/new?source=issue&source_id={}", issue.id);
    let form = coordinator.get(&new).await.text().await.unwrap();
    assert!(form.contains(&issue.title));
    assert!(!form.contains(issue.body.trim()), "the resident's words are copied");
    let mut fields = form_fields(&form, "/case-studies");
    let set = |fields: &mut Vec<(String, String)>, name: &str, value: &str| {
        fields.retain(|(k, _)| k != name);
        fields.push((name.into(), value.into()));
    };
    // The problem is the coordinator's to write: a case without one comes back, typed text kept.
    set(&mut fields, "result", "街路灯の設置で夜道が明るくなった。");
    let res = coordinator.submit("/case-studies", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = res.text().await.unwrap();
    assert!(again.contains("課題") && again.contains("街路灯の設置で夜道が明るくなった。"));
    set(
        &mut fields,
        "problem",
        "夜道が暗く、子どもの下校が心配だという声が続いていた。",
    );
    set(&mut fields, "published", "true");
    let res = coordinator.submit("/case-studies", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "saved, then shown");
    let muni = app.municipality("432041").await.id;
    let made = kyodo_store::case_studies::list(
        &app.db,
        muni,
        &kyodo_store::case_studies::CaseFilter {
            q: Some("子どもの下校".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(made.len(), 1, "found by its words");
    let id = made[0].id;
    assert_eq!(made[0].source_id, Some(issue.id));
    assert!(made[0].published && made[0].published_on.is_some());

    // Residents read it and find it by a word of it, with no login.
    let web = app.anonymous();
    let public = web
        .get(app.url(&format!("/p/432041/case-studies/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), StatusCode::OK);
    let text = public.text().await.unwrap();
    assert!(text.contains("子どもの下校が心配"));
    let found = web
        .get(app.url("/p/432041/case-studies?q=下校"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(found.contains(&format!("/p/432041/case-studies/{id}")));
    let api: Vec<Value> = web
        .get(app.url("/api/v1/public/432041/case-studies?q=下校"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api.len(), 1);
    assert!(
        api[0].get("source_id").is_none() && api[0].get("shared").is_none(),
        "{}",
        api[0]
    );

    // Taken off the public site, it is gone from it at once (the caches follow).
    let api = Api::new(&app, "arao-coordinator").await;
    let (status, body) = api
        .send(
            "PATCH",
            &format!("/case-studies/{id}"),
            Some(json!({"published": false})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let gone = web
        .get(app.url(&format!("/p/432041/case-studies/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_case_others_read_names_no_key_person_without_consent() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let area = app.id_of(muni, "areas", "A01").await;
    let name = key_person(&app, "432041").await;
    let api = Api::new(&app, "arao-coordinator").await;
    let mut body = case(area, "夜間の避難訓練");
    body["roles"] = json!(format!("自主防災会長の{name}さん"));
    body["published"] = json!(true);
    let (status, refused) = api.send("POST", "/case-studies", Some(body.clone())).await;
    assert_eq!(status, 409, "{refused}");
    let said = common::messages(&refused).join(" ");
    assert!(said.contains(&name) && said.contains("同意"), "{refused}");

    // A draft, read by staff only, may carry the name while it is written…
    body["published"] = json!(false);
    let (status, draft) = api.send("POST", "/case-studies", Some(body.clone())).await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    // …but is shared with other municipalities only without it.
    let (status, refused) = api
        .send(
            "POST",
            &format!("/case-studies/{id}/share"),
            Some(json!({"shared": true})),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    let (status, _) = api
        .send(
            "PATCH",
            &format!("/case-studies/{id}"),
            Some(json!({"names_consented": true, "published": true})),
        )
        .await;
    assert_eq!(status, 200, "with consent it is published");
    let (status, shared) = api
        .send(
            "POST",
            &format!("/case-studies/{id}/share"),
            Some(json!({"shared": true})),
        )
        .await;
    assert_eq!((status, shared["shared"].as_bool()), (200, Some(true)), "{shared}");
}

#[tokio::test]
async fn a_shared_case_reaches_the_other_municipality_until_it_is_withdrawn() {
    let app = TestApp::spawn(&["arao", "niimi"]).await;
    let arao = app.municipality("432041").await.id;
    let area = app.id_of(arao, "areas", "A01").await;
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let (status, made) = coordinator
        .send(
            "POST",
            "/case-studies",
            Some(case(area, "街路灯で夜間の避難路を明るく")),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_i64().unwrap();
    let niimi = Api::new(&app, "niimi-liaison").await;
    let search = "/case-studies?library=shared&q=避難路";
    let (_, none) = niimi.send("GET", search, None).await;
    assert_eq!(none.as_array().map(Vec::len), Some(0), "not shared yet: {none}");
    let (status, _) = niimi.send("GET", &format!("/case-studies/{id}"), None).await;
    assert_eq!(status, 404);

    let (status, shared) = coordinator
        .send(
            "POST",
            &format!("/case-studies/{id}/share"),
            Some(json!({"shared": true})),
        )
        .await;
    assert_eq!(status, 200, "{shared}");
    let (_, found) = niimi.send("GET", search, None).await;
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["municipality_name"], "荒尾市（デモ）");
    // Niimi's own library and its public site do not hold it.
    let (_, own) = niimi.send("GET", "/case-studies?q=避難路", None).await;
    assert_eq!(own.as_array().map(Vec::len), Some(0));
    // A Niimi issue like it shows it beside the issue (他の自治体の事例), naming Arao.
    let niimi_muni = app.municipality("332101").await.id;
    let niimi_area = kyodo_store::areas::all(&app.db, niimi_muni, false).await.unwrap()[1].id;
    let liaison = app.login("niimi-coordinator").await;
    // The shared list's search stays in the shared library.
    let list = liaison.get("/case-studies?library=shared").await.text().await.unwrap();
    assert!(list.contains(r#"<input type="hidden" name="library" value="shared">"#));
    let issue = Api::new(&app, "niimi-coordinator").await;
    let (status, raised) = issue
        .send(
            "POST",
            "/issues",
            Some(
                json!({"kind": "request", "title": "夜間の避難路に街路灯を", "body": "暗い",
                "category": "防災", "area_id": niimi_area, "source": "other"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{raised}");
    let page = liaison
        .get(&format!("/issues/{}", raised["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("他の自治体の事例") && page.contains(&format!("/case-studies/{id}")));
    assert!(page.contains("荒尾市（デモ）"));
    // Reading is not writing: Niimi cannot change Arao's case.
    let (status, _) = niimi
        .send(
            "PATCH",
            &format!("/case-studies/{id}"),
            Some(json!({"title": "書き換え"})),
        )
        .await;
    assert!(status == 403 || status == 404, "{status}");

    // Withdrawn, it leaves Niimi's searches and pages at once.
    let (status, _) = coordinator
        .send(
            "POST",
            &format!("/case-studies/{id}/share"),
            Some(json!({"shared": false})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, gone) = niimi.send("GET", search, None).await;
    assert_eq!(gone.as_array().map(Vec::len), Some(0));
    let (status, _) = niimi.send("GET", &format!("/case-studies/{id}"), None).await;
    assert_eq!(status, 404);
    let page = liaison
        .get(&format!("/issues/{}", raised["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&format!("/case-studies/{id}\"")));
}

/// A photo as a phone writes it: EXIF with the place it was taken and the
/// device's serial, a comment naming the resident's home, then the picture.
fn phone_photo() -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let mut segment = |marker: u8, body: &[u8]| {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(body);
    };
    segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    segment(0xE1, b"Exif\0\0MM\0*\0\0\0\x08\0\0GPS 32.98N 130.43E serial K-1234");
    segment(0xFE, "荒尾市西原町の自宅前".as_bytes());
    segment(0xDB, &[0; 65]);
    out.extend_from_slice(&[0xFF, 0xDA, 0, 3, 0, 0x12, 0x34, 0x56, 0xFF, 0xD9]);
    out
}

async fn attach(api: &Api<'_>, issue: i64, name: &str, bytes: Vec<u8>, internal: bool) -> i64 {
    use reqwest::multipart::{Form, Part};
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    if internal {
        form = form.text("internal", "true");
    }
    let res = api
        .request(reqwest::Method::POST, &format!("/issues/{issue}/files"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_case_shows_photos_from_its_issue_without_where_they_were_taken() {
    let app = TestApp::spawn(&["arao"]).await;
    let issue = closed_issue(&app, "432041").await;
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let mut body = case(issue.area_id, "夜道の街路灯");
    body["source"] = json!("issue");
    body["source_id"] = json!(issue.id);
    body["published"] = json!(true);
    let (status, made) = coordinator.send("POST", "/case-studies", Some(body)).await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_i64().unwrap();

    let photo = attach(&coordinator, issue.id, "街路灯.jpg", phone_photo(), false).await;
    let internal = attach(&coordinator, issue.id, "現場写真（庁内）.jpg", phone_photo(), true).await;
    let pdf = attach(
        &coordinator,
        issue.id,
        "図面.pdf",
        b"%PDF-1.7\n%\xE2\xE3\n".to_vec(),
        false,
    )
    .await;
    let photos = format!("/case-studies/{id}/photos");
    // Only the issue's own files the community may see, and only pictures every browser shows.
    for (file, why) in [
        (internal, "庁内のみ"),
        (pdf, "JPEG と PNG"),
        (999_999, "添付ファイルではありません"),
    ] {
        let (status, refused) = coordinator
            .send("POST", &photos, Some(json!({"attachment_id": file})))
            .await;
        assert_eq!(status, 409, "{file}: {refused}");
        assert!(refused.to_string().contains(why), "{refused}");
    }
    let (status, added) = coordinator
        .send("POST", &photos, Some(json!({"attachment_id": photo})))
        .await;
    assert_eq!(status, 201, "{added}");
    let photo_id = added["id"].as_i64().unwrap();
    let (_, again) = coordinator
        .send("POST", &photos, Some(json!({"attachment_id": photo})))
        .await;
    assert!(again.to_string().contains("もう載せています"), "{again}");

    // The public page shows it; the copy it serves has lost the place, the device and the comment.
    let web = app.anonymous();
    let page = web
        .get(app.url(&format!("/p/432041/case-studies/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let src = format!("/p/432041/case-studies/{id}/photos/{photo_id}");
    assert!(
        page.contains(&src) && page.contains("「夜道の街路灯」の写真1"),
        "{page}"
    );
    let res = web.get(app.url(&src)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = res.bytes().await.unwrap();
    assert!(contains(&bytes, &[0x12, 0x34, 0x56]), "the picture");
    for secret in [b"GPS".as_slice(), b"K-1234", "西原町".as_bytes()] {
        assert!(!contains(&bytes, secret), "{}", String::from_utf8_lossy(secret));
    }
    let cached = web
        .get(app.url(&src))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // The coordinator's page shows it with 外す; the internal file is not offered.
    let browser = app.login("arao-coordinator").await;
    let staff = browser.get(&format!("/case-studies/{id}")).await.text().await.unwrap();
    assert!(staff.contains(&format!("/case-studies/{id}/photos/{photo_id}/delete")));
    assert!(!staff.contains(&format!("/photos/from/{internal}")) && !staff.contains(&format!("/photos/from/{pdf}")));

    // Taken off the public site, the photo is not served there either.
    let (status, _) = coordinator
        .send(
            "PATCH",
            &format!("/case-studies/{id}"),
            Some(json!({"published": false})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(web.get(app.url(&src)).send().await.unwrap().status(), 404);

    // Removed from the case, or its file removed from the issue: gone.
    let (status, _) = coordinator.send("DELETE", &format!("{photos}/{photo_id}"), None).await;
    assert_eq!(status, 204);
    coordinator
        .send("POST", &photos, Some(json!({"attachment_id": photo})))
        .await;
    let res = browser
        .post(&format!("/issues/{}/files/{photo}/delete", issue.id), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, left) = coordinator.send("GET", &photos, None).await;
    assert_eq!(left, json!([]));
}
