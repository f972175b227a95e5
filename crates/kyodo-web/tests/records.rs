//! Records through pages and the API: create, validate, edit, conflict,
//! archive — and bad input loses nothing and writes nothing.

mod common;

use common::{TestApp, count};

#[tokio::test]
async fn a_bad_form_comes_back_with_the_input_and_a_message_beside_the_field() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let before = count(&app, muni, "staff").await;
    let b = app.login("arao-coordinator").await;
    let res = b
        .post(
            "/staff",
            &[
                ("employee_number", "９９９９９"),
                ("name", "新人 太郎"),
                ("name_kana", "Shinjin"),
                ("grade", "staff"),
                ("hire_date", "2026-02-30"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("value=\"新人 太郎\""), "the name typed is kept");
    assert!(page.contains("フリガナはカタカナまたはひらがなで入力してください"));
    assert!(page.contains("存在しない日付です"));
    assert!(page.contains("id=\"f-name_kana-error\""), "message beside its field");
    assert_eq!(count(&app, muni, "staff").await, before, "nothing written");

    // Corrected, it saves; 全角 digits and ひらがな are normalised.
    let res = b
        .post(
            "/staff",
            &[
                ("employee_number", "９９９９９"),
                ("name", "新人 太郎"),
                ("name_kana", "しんじん たろう"),
                ("grade", "staff"),
                ("hire_date", "令和8年4月1日"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let page = b.get(&location).await.text().await.unwrap();
    assert!(page.contains("99999") && page.contains("シンジン タロウ") && page.contains("令和8年4月1日"));
}

#[tokio::test]
async fn a_concurrent_edit_is_refused_not_overwritten() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let id = app.id_of(muni, "areas", "A02").await;
    let first = app.login("arao-coordinator").await;
    let second = app.login("arao-admin").await;
    let version = kyodo_store::areas::get(&app.db, muni, id)
        .await
        .unwrap()
        .area
        .version
        .to_string();
    let res = first
        .post(
            &format!("/areas/{id}"),
            &[("version", &version), ("code", "A02"), ("name", "万田地区")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = second
        .post(
            &format!("/areas/{id}"),
            &[("version", &version), ("code", "A02"), ("name", "まんだ")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("ほかの人が先にこの記録を更新しました"));
    assert!(
        page.contains("value=\"まんだ\""),
        "the second editor's text is not lost"
    );
    assert_eq!(
        kyodo_store::areas::get(&app.db, muni, id).await.unwrap().area.name,
        "万田地区"
    );

    // The API says the same with a stale version.
    let token = app.token("arao-coordinator").await;
    let res = app
        .anonymous()
        .patch(app.url(&format!("/api/v1/areas/{id}")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "古い版", "version": version.parse::<i64>().unwrap()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "conflict");
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let before = count(&app, muni, "areas").await;
    let b = app.login("arao-coordinator").await;
    let res = b
        .client
        .post(b.url("/areas"))
        .form(&[("code", "Z9"), ("name", "偽装")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("フォームの有効期限が切れました"));
    let res = b
        .client
        .post(b.url("/areas"))
        .form(&[("_csrf", "wrong"), ("code", "Z9"), ("name", "偽装")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A browser session writing through the API needs the token in a header.
    let res = b
        .client
        .post(b.url("/api/v1/areas"))
        .json(&serde_json::json!({"code": "Z9", "name": "偽装"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(count(&app, muni, "areas").await, before);
}

#[tokio::test]
async fn archive_keeps_the_record_and_refuses_while_children_are_active() {
    let app = TestApp::spawn(&["niimi"]).await;
    let muni = app.municipality("332101").await.id;
    let parent = app.id_of(muni, "areas", "A01").await;
    let child = app.id_of(muni, "areas", "A0101").await;
    let b = app.login("niimi-coordinator").await;
    let res = b.post(&format!("/areas/{parent}/archive"), &[]).await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("下位の地区があるためアーカイブできません")
    );
    assert_eq!(b.post(&format!("/areas/{child}/archive"), &[]).await.status(), 303);
    let list = b.get("/areas?q=唐松").await.text().await.unwrap();
    assert!(
        !list.contains(&format!("/areas/{child}\"")),
        "archived areas leave the list"
    );
    let list = b.get("/areas?q=唐松&archived=true").await.text().await.unwrap();
    assert!(list.contains(&format!("/areas/{child}\"")), "but can be shown");
    assert_eq!(b.post(&format!("/areas/{child}/restore"), &[]).await.status(), 303);
}

#[tokio::test]
async fn api_creates_validates_and_lists_with_paging_and_search() {
    let app = TestApp::spawn(&["arao"]).await;
    let token = app.token("arao-coordinator").await;
    let client = app.anonymous();
    let res = client
        .post(app.url("/api/v1/departments"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"code": "", "name": "", "phone": "内線"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "validation_failed");
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, vec!["code", "name", "phone"], "every field named: {body}");

    let res = client
        .post(app.url("/api/v1/departments"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"code": "D99", "name": "デジタル推進課", "name_kana": "でじたるすいしんか"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let found: serde_json::Value = client
        .get(app.url("/api/v1/departments?q=ﾃﾞｼﾞﾀﾙ"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1, "search ignores 半角/全角 and kana kind");
    assert_eq!(found["items"][0]["name_kana"], "デジタルスイシンカ");
    let id = found["items"][0]["id"].as_i64().unwrap();
    let cleared: serde_json::Value = client
        .patch(app.url(&format!("/api/v1/departments/{id}")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name_kana": null, "phone": "0968-11-2222"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["name_kana"], serde_json::Value::Null, "null clears a field");
    assert_eq!(cleared["phone"], "0968-11-2222");
    assert_eq!(cleared["name"], "デジタル推進課", "fields not sent are kept");

    let page: serde_json::Value = client
        .get(app.url("/api/v1/staff?per_page=10&page=2&sort=-hire_date"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    assert_eq!(page["page"], 2);
    let dates: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["hire_date"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "sorted newest first");

    let res = client
        .get(app.url("/api/v1/staff?page=abc"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "page", "the parameter is named: {body}");
}

#[tokio::test]
async fn openapi_document_lists_the_api() {
    let app = TestApp::spawn(&[]).await;
    let doc: serde_json::Value = app
        .anonymous()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/areas",
        "/areas/{id}",
        "/organisations",
        "/departments/{id}",
        "/staff",
        "/import/{kind}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    let health: serde_json::Value = app
        .anonymous()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
}

#[tokio::test]
async fn kumamoto_centres_show_their_tree_and_staffing_by_school_districts() {
    let app = TestApp::spawn(&["kumamoto"]).await;
    let muni = app.municipality("431001").await.id;
    let centre = app.id_of(muni, "areas", "A0101").await;
    let b = app.login("kumamoto-coordinator").await;
    let page = b.get(&format!("/areas/{centre}")).await.text().await.unwrap();
    assert!(page.contains("専任職員の配置数"), "{page}");
    assert!(page.contains("2人（小学校区2か所"));
    let page = b.get("/areas/tree").await.text().await.unwrap();
    let tree = &page[page.find("<ul class=\"tree\">").expect("a tree")..];
    assert_eq!(
        tree.matches("<ul>").count(),
        5 + 19,
        "one nested list per ward and per centre"
    );
    assert_eq!(
        tree.matches("<ul>").count(),
        tree.matches("</ul>").count() - 1,
        "balanced"
    );
    assert!(tree.contains("白川第一小学校区"));
}

#[tokio::test]
async fn key_people_are_edited_by_those_who_reach_them_and_the_reads_are_logged() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let own = app.id_of(muni, "organisations", "O001").await;
    let other = app.id_of(muni, "organisations", "O011").await;
    let community = app.login("arao-community").await;
    let coordinator_actor = kyodo_store::audit::Actor::command_line(muni);
    let person = kyodo_store::organisations::key_people(&app.db, &coordinator_actor, own)
        .await
        .unwrap()[0]
        .id;
    let other_person = kyodo_store::organisations::key_people(&app.db, &coordinator_actor, other)
        .await
        .unwrap()[0]
        .id;

    let form = community
        .get(&format!("/organisations/{own}/key-people/{person}/edit"))
        .await;
    assert_eq!(form.status(), 200);
    let res = community
        .post(
            &format!("/organisations/{own}/key-people/{person}"),
            &[
                ("name", "荒尾 一郎"),
                ("phone", "０９０－１１１１－２２２２"),
                ("email", "ichiro@"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("value=\"０９０－１１１１－２２２２\""),
        "input kept as typed"
    );
    assert!(page.contains("メールアドレスの形式が正しくありません"));
    let res = community
        .post(
            &format!("/organisations/{own}/key-people/{person}"),
            &[("name", "荒尾 一郎"), ("phone", "０９０－１１１１－２２２２")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let saved = kyodo_store::organisations::key_person(&app.db, &coordinator_actor, own, person)
        .await
        .unwrap();
    assert_eq!(saved.phone.as_deref(), Some("090-1111-2222"));

    let res = community
        .post(
            &format!("/organisations/{other}/key-people/{other_person}"),
            &[("name", "書き換え")],
        )
        .await;
    assert_eq!(res.status(), 403, "another organisation's key person is out of reach");
    let reads = kyodo_store::audit::list(
        &app.db,
        muni,
        &kyodo_store::audit::AuditFilter {
            action: Some("read_personal".into()),
            login: Some("arao-community".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(reads.total, 1, "opening the edit form is a logged read");
}

#[tokio::test]
async fn a_malformed_id_is_a_japanese_not_found() {
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-coordinator").await;
    let res = b.get("/areas/abc").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("お探しの記録は見つかりませんでした"));
    let token = app.token("arao-coordinator").await;
    let res = app
        .anonymous()
        .get(app.url("/api/v1/staff/1e9"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn an_officer_s_term_is_edited_and_a_backwards_term_refused() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let org = app.id_of(muni, "organisations", "O001").await;
    let officer = kyodo_store::organisations::officers(&app.db, muni, org).await.unwrap()[0].clone();
    let b = app.login("arao-liaison").await;
    assert_eq!(
        b.get(&format!("/organisations/{org}/officers/{}/edit", officer.id))
            .await
            .status(),
        200
    );
    let path = format!("/organisations/{org}/officers/{}", officer.id);
    let res = b
        .post(
            &path,
            &[
                ("role", &officer.role),
                ("name", &officer.name),
                ("term_start", "R9.4.1"),
                ("term_end", "R8.3.31"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("任期終了日は任期開始日以降の日付にしてください")
    );
    let res = b
        .post(
            &path,
            &[
                ("role", &officer.role),
                ("name", &officer.name),
                ("term_start", "R9.4.1"),
                ("term_end", "R11.3.31"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let saved = kyodo_store::organisations::officer(&app.db, muni, org, officer.id)
        .await
        .unwrap();
    assert_eq!(saved.term_end, chrono::NaiveDate::from_ymd_opt(2029, 3, 31));
    let log = kyodo_store::audit::list(
        &app.db,
        muni,
        &kyodo_store::audit::AuditFilter {
            entity: Some("officers".into()),
            action: Some("update".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(log.total, 1);
    assert!(log.items[0].detail.as_deref().unwrap().contains("term_end"));
}

#[tokio::test]
async fn a_filter_left_at_its_empty_choice_means_no_filter() {
    // A list's filter form sends `area_id=` for （選択なし）; that was a 400.
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-coordinator").await;
    let res = b.get("/organisations?q=&kind=&area_id=").await;
    assert_eq!(res.status(), 200);
    // The API is held to its document: an empty number is no number, and it says which.
    let token = app.token("arao-coordinator").await;
    let res = app
        .anonymous()
        .get(app.url("/api/v1/staff?department_id=&q="))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "department_id", "{body}");
}

#[tokio::test]
async fn a_note_keeps_its_line_breaks() {
    // Notes went through the one-line normaliser, which joined the lines.
    let app = TestApp::spawn(&["arao"]).await;
    let token = app.token("arao-coordinator").await;
    let res = app
        .anonymous()
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"code": "X1", "name": "見守りの会", "kind": "NPO", "note": "一行目\r\n二行目"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["note"], "一行目\n二行目");
}

/// The staff list followed by key (`after`) holds the same rows in the same
/// order as by page number, in both directions and with ties on the sort
/// column (many staff share a 入庁日), and the page links to its sequel.
#[tokio::test]
async fn staff_pages_by_key_match_the_pages_by_number() {
    let app = TestApp::spawn(&["arao", "niimi"]).await;
    let token = app.token("arao-coordinator").await;
    let client = app.anonymous();
    let get = |path: String| {
        let req = client.get(app.url(&path)).bearer_auth(&token);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let ids = |page: &serde_json::Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect()
    };
    for sort in ["name", "-hire_date", "grade"] {
        let all = get(format!("/api/v1/staff?per_page=500&sort={sort}")).await;
        let expected = ids(&all);
        assert!(expected.len() > 14, "the demo has staff enough to page");
        let mut walked = Vec::new();
        let mut path = format!("/api/v1/staff?per_page=7&sort={sort}");
        loop {
            let page = get(path.clone()).await;
            walked.extend(ids(&page));
            match page["next_after"].as_i64() {
                Some(after) => path = format!("/api/v1/staff?per_page=7&sort={sort}&after={after}"),
                None => break,
            }
            assert!(walked.len() <= expected.len(), "the walk ends");
        }
        assert_eq!(walked, expected, "sorted by {sort}");
    }
    // Another city's record is no place to continue from: the page is empty.
    let niimi = app.municipality("332101").await;
    let theirs = kyodo_store::staff::export_rows(&app.db, niimi.id).await.unwrap()[0]
        .staff
        .id;
    let page = get(format!("/api/v1/staff?after={theirs}")).await;
    assert_eq!(ids(&page), Vec::<i64>::new());
    let browser = app.login("arao-coordinator").await;
    let page = browser.get("/staff?per_page=7").await.text().await.unwrap();
    assert!(page.contains("次の7件"), "the page links to its sequel");
}
