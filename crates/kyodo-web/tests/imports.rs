//! CSV import and export: UTF-8 and CP932, every bad line reported with
//! its line and column, nothing written on refusal, dry runs change nothing.

mod common;

use common::{TestApp, count};

fn cp932(text: &str) -> Vec<u8> {
    kyodo_core::encoding::encode_csv(text, kyodo_core::encoding::TextEncoding::Cp932).unwrap()
}

#[tokio::test]
async fn a_bad_csv_is_refused_whole_with_every_bad_line() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let before = count(&app, muni, "staff").await;
    let token = app.token("arao-coordinator").await;
    let csv = "職員番号,氏名,フリガナ,所属部署コード,職位,採用日\n\
               90001,新規 一郎,シンキ イチロウ,D0101,一般職員,2020-04-01\n\
               90002,,シンキ ジロウ,D0101,一般職員,2020-04-01\n\
               90003,新規 三郎,Saburo,NOPE,係長,R2.4.31\n\
               90001,重複 一郎,チョウフク イチロウ,D0101,一般職員,2020-04-01\n";
    let res = app
        .anonymous()
        .post(app.url("/api/v1/import/staff"))
        .bearer_auth(&token)
        .body(cp932(csv))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        409,
        "the file fits the document (CSV) but its lines are refused"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    let errors: Vec<(u64, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["column"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(errors.contains(&(3, "氏名".into())), "{errors:?}");
    assert!(errors.contains(&(4, "所属部署コード".into())));
    assert!(errors.contains(&(4, "フリガナ".into())));
    assert!(errors.contains(&(4, "職位".into())));
    assert!(errors.contains(&(4, "採用日".into())));
    assert!(errors.contains(&(5, "職員番号".into())), "duplicate in the file");
    assert!(body["message"].as_str().unwrap().contains("何も登録されていません"));
    assert_eq!(
        count(&app, muni, "staff").await,
        before,
        "the good line was not written either"
    );
}

#[tokio::test]
async fn cp932_and_utf8_import_dry_run_then_for_real_and_export_round_trips() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let token = app.token("arao-coordinator").await;
    let client = app.anonymous();
    let csv = "地区コード,地区名,ふりがな\r\nＢ０１,髙﨑～台,たかさきだい\r\nA01,荒尾（中央）,\r\n";
    let res = client
        .post(app.url("/api/v1/import/areas?dry_run=true"))
        .bearer_auth(&token)
        .body(cp932(csv))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let report: serde_json::Value = res.json().await.unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["created"], serde_json::json!(["B01"]));
    assert_eq!(report["updated"][0]["key"], "A01");
    assert_eq!(
        report["updated"][0]["changes"]["name"],
        serde_json::json!(["荒尾", "荒尾（中央）"])
    );
    assert!(
        kyodo_store::areas::all(&app.db, muni, true)
            .await
            .unwrap()
            .iter()
            .all(|a| a.code != "B01"),
        "dry run wrote nothing"
    );

    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend_from_slice(csv.as_bytes());
    let res = client
        .post(app.url("/api/v1/import/areas"))
        .bearer_auth(&token)
        .body(utf8_bom)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let b01 = app.id_of(muni, "areas", "B01").await;
    let row = kyodo_store::areas::get(&app.db, muni, b01).await.unwrap();
    assert_eq!(row.area.name, "髙﨑～台");
    assert_eq!(row.area.name_kana.as_deref(), Some("タカサキダイ"));

    let res = client
        .get(app.url("/api/v1/export/areas?encoding=cp932"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("shift_jis"));
    let bytes = res.bytes().await.unwrap();
    let (text, enc) = kyodo_core::encoding::decode_csv(&bytes).unwrap();
    assert_eq!(enc, kyodo_core::encoding::TextEncoding::Cp932);
    assert!(text.starts_with("地区コード,地区名,ふりがな,上位地区コード,階層,備考\r\n"));
    assert!(text.contains("B01,髙﨑～台,タカサキダイ"));
    // The export imports again unchanged.
    let res = client
        .post(app.url("/api/v1/import/areas?dry_run=true"))
        .bearer_auth(&token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let report: serde_json::Value = res.json().await.unwrap();
    assert_eq!(report["created"].as_array().unwrap().len(), 0);
    assert_eq!(report["updated"].as_array().unwrap().len(), 0, "{report}");
}

#[tokio::test]
async fn import_page_shows_every_error_and_writes_nothing() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let before = count(&app, muni, "organisations").await;
    let b = app.login("arao-coordinator").await;
    let csv = "団体コード,団体名,種別,地区コード\nN1,新しい会,町内会,A01\nN2,もう一つの会,NPO,ZZ\n";
    let form = reqwest::multipart::Form::new().text("_csrf", b.csrf.clone()).part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("orgs.csv"),
    );
    let res = b
        .client
        .post(b.url("/data/import/organisations"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let run = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(run.starts_with("/data/imports/"), "{run}");
    let res = b.client.get(b.url(&run)).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("2行目「種別」"), "{page}");
    assert!(page.contains("3行目「地区コード」"));
    assert!(page.contains("何も登録していません"));
    assert_eq!(count(&app, muni, "organisations").await, before);
}

#[tokio::test]
async fn garbage_bytes_are_reported_not_guessed() {
    let app = TestApp::spawn(&["arao"]).await;
    let token = app.token("arao-coordinator").await;
    let res = app
        .anonymous()
        .post(app.url("/api/v1/import/departments"))
        .bearer_auth(&token)
        .body(vec![b'a', b'\n', 0x82, 0xFF, 0xFE, b'\n'])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["errors"][0]["message"].as_str().unwrap().contains("文字コード"),
        "{body}"
    );
}

/// Posts `csv` to the /data import form as `b`; where it sent them.
async fn import_form(b: &common::Browser, kind: &str, csv: &[u8], dry_run: bool) -> String {
    let mut form = reqwest::multipart::Form::new().text("_csrf", b.csrf.clone()).part(
        "file",
        reqwest::multipart::Part::bytes(csv.to_vec()).file_name("file.csv"),
    );
    if dry_run {
        form = form.text("dry_run", "true");
    }
    let res = b
        .client
        .post(b.url(&format!("/data/import/{kind}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the import runs on and its page follows it");
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_import_from_the_page_has_its_own_page_only_its_starter_reads() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let before = count(&app, muni, "staff").await;
    let b = app.login("arao-coordinator").await;
    let csv = "職員番号,氏名,フリガナ,所属部署コード,職位,採用日,メールアドレス\n\
               90001,新規 一郎,シンキ イチロウ,D0101,一般職員,R2.4.1,ichiro@example.jp\n";
    let run = import_form(&b, "staff", &cp932(csv), true).await;
    let res = b.get(&run).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("確認の結果（まだ登録していません）"), "{page}");
    assert!(page.contains("新規 1件"));
    assert!(
        page.contains("新しく登録される職員（1件）"),
        "the dry run lists what it would create"
    );
    assert!(page.contains("90001"));
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "a finished import stops reloading"
    );
    assert_eq!(count(&app, muni, "staff").await, before, "a dry run writes nothing");

    let run = import_form(&b, "staff", &cp932(csv), false).await;
    let page = b.get(&run).await.text().await.unwrap();
    assert!(page.contains("取り込みました"), "{page}");
    assert_eq!(count(&app, muni, "staff").await, before + 1);

    // A changed line is listed field by field.
    let changed = csv.replace("新規 一郎", "新規 一朗");
    let run = import_form(&b, "staff", &cp932(&changed), true).await;
    let page = b.get(&run).await.text().await.unwrap();
    assert!(page.contains("氏名: 新規 一郎 → 新規 一朗"), "{page}");

    // The report names people and their e-mail: nobody else reads it.
    let other = app.login("arao-admin").await;
    assert_eq!(other.get(&run).await.status(), 404);
}

#[tokio::test]
async fn a_long_import_shows_how_far_it_has_got_and_a_stopped_one_says_so() {
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-coordinator").await;
    let user = kyodo_store::accounts::by_login(&app.db, "arao-coordinator")
        .await
        .unwrap()
        .unwrap();
    let actor = kyodo_store::audit::Actor::user(&user, None);
    let run = kyodo_store::data::runs::start(&app.db, &actor, kyodo_core::csv_import::DataKind::Staff, false)
        .await
        .unwrap();
    kyodo_store::data::runs::progress(&app.db, run, 120_000, 250_000)
        .await
        .unwrap();
    let page = b.get(&format!("/data/imports/{run}")).await.text().await.unwrap();
    assert!(page.contains("120000 / 250000 行を確かめました"), "{page}");
    assert!(page.contains("<meta http-equiv=\"refresh\" content=\"2\">"));
    assert!(page.contains("すべて終わるまで何も登録されません"));

    // Its server stopped: nothing more is heard from it.
    let five_minutes_ago = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    app.db
        .execute_raw(&format!(
            "UPDATE import_runs SET updated_at = '{five_minutes_ago}' WHERE id = {run}"
        ))
        .await
        .unwrap();
    let page = b.get(&format!("/data/imports/{run}")).await.text().await.unwrap();
    assert!(page.contains("取り込みが中断されました"), "{page}");
    assert!(!page.contains("http-equiv=\"refresh\""));
}

#[tokio::test]
async fn a_refused_file_from_the_page_lists_every_problem_on_its_page() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let before = count(&app, muni, "staff").await;
    let b = app.login("arao-coordinator").await;
    let csv = "職員番号,氏名,フリガナ,所属部署コード,職位,採用日\n\
               90001,新規 一郎,シンキ イチロウ,D0101,一般職員,2020-04-01\n\
               90002,新規 二郎,シンキ ジロウ,NOPE,一般職員,2020-04-01\n\
               90003,新規 三郎,シンキ サブロウ,D0101,一般職員,令和5年2月30日\n";
    let run = import_form(&b, "staff", csv.as_bytes(), false).await;
    let res = b.get(&run).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("3行目「所属部署コード」: 部署コード「NOPE」がありません"),
        "{page}"
    );
    assert!(
        page.contains("4行目「採用日」『令和5年2月30日』"),
        "the value read is shown: {page}"
    );
    assert_eq!(count(&app, muni, "staff").await, before);
}
