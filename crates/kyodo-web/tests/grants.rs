//! The block grant's schemes (交付金の算定): the demo's formulas, the
//! simulation that saves nothing, the formula's faults named field by field,
//! the figures read on the reference date, and who may see and change it.

mod common;

use common::{Api, TestApp, messages};
use serde_json::{Value, json};

const ARAO: &str = "432041";

async fn scheme_of(api: &Api<'_>, fiscal_year: i64) -> Value {
    let (status, schemes) = api.send("GET", "/grant-schemes", None).await;
    assert_eq!(status, 200, "{schemes}");
    schemes
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["fiscal_year"] == fiscal_year)
        .cloned()
        .unwrap_or_else(|| panic!("a scheme for {fiscal_year}: {schemes}"))
}

fn this_year() -> i64 {
    i64::from(kyodo_core::wareki::fiscal_year(common::today()))
}

#[tokio::test]
async fn niimi_grants_its_recognised_bodies_by_its_formula_against_last_year() {
    let app = TestApp::spawn(&["niimi"]).await;
    let coordinator = Api::new(&app, "niimi-coordinator").await;
    let scheme = scheme_of(&coordinator, this_year()).await;
    assert_eq!(scheme["name"], "小規模多機能自治一括交付金");
    let id = scheme["id"].as_i64().unwrap();
    let (status, calc) = coordinator
        .send("POST", &format!("/grant-schemes/{id}/simulate"), Some(json!({})))
        .await;
    assert_eq!(status, 200, "{calc}");
    let names: Vec<&str> = calc["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"唐松まちづくり協議会"), "{names:?}");
    assert!(
        !names.contains(&"哲西まちづくり協議会"),
        "an application still waiting gets nothing: {names:?}"
    );
    for a in calc["allocations"].as_array().unwrap() {
        let lines: i64 = a["parts"]
            .as_array()
            .unwrap()
            .iter()
            .chain(a["adjustments"].as_array().unwrap())
            .map(|l| l["yen"].as_i64().unwrap())
            .sum();
        assert_eq!(Some(lines), a["amount"].as_i64(), "the lines add up: {a}");
        assert_eq!(a["amount"].as_i64().unwrap() % 1000, 0, "rounded to 1,000円");
        assert!(a["last_year"].is_i64(), "last year's amount beside it: {a}");
        assert!(a["figures"]["population"].as_i64().unwrap() > 0, "{a}");
    }
    let staffed = &calc["allocations"][0]["parts"];
    assert!(
        staffed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["label"] == "事務局人件費加算" && p["yen"] == 1_200_000),
        "the first body employs staff: {staffed}"
    );

    // The page shows the same, with the merged subsidies by name.
    let b = app.login("niimi-coordinator").await;
    let page = b.get(&format!("/grants/schemes/{id}")).await.text().await.unwrap();
    for text in ["防犯灯電気料補助", "地区運動会補助", "敬老会補助", "前年度", "予算額"] {
        assert!(page.contains(text), "{text}");
    }
    let xlsx = b.get(&format!("/grants/schemes/{id}/calculation.xlsx")).await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    // The body's page shows its own amount, line by line, to the city's staff.
    let first = &calc["allocations"][0];
    let body_page = format!("/organisations/{}", first["organisation_id"]);
    let amount = kyodo_core::text::grouped(first["amount"].as_i64().unwrap());
    let page = b.get(&body_page).await.text().await.unwrap();
    assert!(
        page.contains("令和8年度 小規模多機能自治一括交付金（算定）"),
        "the section"
    );
    assert!(page.contains(&format!("{amount}円")) && page.contains("事務局人件費加算"));
    let community = app.login("niimi-community").await;
    let res = community.get(&body_page).await;
    assert_eq!(res.status(), 200, "the community account's own body");
    assert!(
        !res.text().await.unwrap().contains("（算定）"),
        "the community reads no draft amounts"
    );
}

#[tokio::test]
async fn a_simulation_saves_nothing_and_a_save_needs_the_version_it_read() {
    let app = TestApp::spawn(&["arao"]).await;
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let scheme = scheme_of(&coordinator, this_year()).await;
    let id = scheme["id"].as_i64().unwrap();
    let path = format!("/grant-schemes/{id}");

    let mut formula = scheme["formula"].clone();
    formula["pool_yen"] = json!(40_000_000);
    let (status, calc) = coordinator
        .send("POST", &format!("{path}/simulate"), Some(json!({"formula": formula})))
        .await;
    assert_eq!(status, 200, "{calc}");
    let total = calc["total"].as_i64().unwrap();
    assert!(
        total > 39_000_000 && total <= 40_000_000,
        "the pool is split, never exceeded: {total}"
    );
    let (_, unchanged) = coordinator.send("GET", &path, None).await;
    assert_eq!(unchanged["formula"]["pool_yen"], 20_000_000, "nothing saved");

    // Shares that do not add to 100% are refused beside the pool.
    let mut faulty = formula.clone();
    faulty["components"][0]["price"]["basis_points"] = json!(2_000);
    let (status, res) = coordinator
        .send("POST", &format!("{path}/simulate"), Some(json!({"formula": faulty})))
        .await;
    assert_eq!(status, 409, "{res}");
    assert!(messages(&res).iter().any(|m| m.contains("100%")), "{res}");
    let (status, res) = coordinator
        .send(
            "POST",
            &format!("{path}/simulate"),
            Some(json!({"formula": {"components": [{"type": "lump"}]}})),
        )
        .await;
    assert_eq!(status, 422, "not the document's shape: {res}");

    let body = |version: i64, formula: &Value| {
        json!({
            "version": version,
            "fiscal_year": scheme["fiscal_year"],
            "name": scheme["name"],
            "reference_date": scheme["reference_date"],
            "formula": formula,
            "staffed": [],
        })
    };
    let version = scheme["version"].as_i64().unwrap();
    let (status, saved) = coordinator.send("PATCH", &path, Some(body(version, &formula))).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["formula"]["pool_yen"], 40_000_000);
    let (status, _) = coordinator.send("PATCH", &path, Some(body(version, &formula))).await;
    assert_eq!(status, 409, "a save from a stale read");
    let mut foreign = body(version + 1, &formula);
    foreign["staffed"] = json!([999_999]);
    let (status, res) = coordinator.send("PATCH", &path, Some(foreign)).await;
    assert_eq!(status, 409, "{res}");
    assert_eq!(res["errors"][0]["field"], "staffed", "{res}");

    // One scheme of a name per 年度.
    let (status, res) = coordinator
        .send(
            "POST",
            "/grant-schemes",
            Some(json!({
                "fiscal_year": scheme["fiscal_year"],
                "name": scheme["name"],
                "reference_date": scheme["reference_date"],
                "formula": formula,
            })),
        )
        .await;
    assert_eq!(status, 409, "{res}");
    assert!(res["errors"][0]["field"] == "name", "{res}");
}

#[tokio::test]
async fn the_page_keeps_a_faulty_formula_beside_its_messages_and_saves_a_good_one() {
    let app = TestApp::spawn(&["arao"]).await;
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let scheme = scheme_of(&coordinator, this_year()).await;
    let path = format!("/grants/schemes/{}", scheme["id"]);
    let b = app.login("arao-coordinator").await;
    let page = b.get(&path).await.text().await.unwrap();
    let mut fields = common::form_fields(&page, &path);
    let set = |fields: &mut Vec<(String, String)>, k: &str, v: &str| {
        fields.retain(|(name, _)| name != k);
        fields.push((k.to_owned(), v.to_owned()));
    };
    set(&mut fields, "c1_price", "６０%");
    set(&mut fields, "c2_type", "merged_org");
    set(&mut fields, "c2_name", "防犯灯電気料補助");
    set(&mut fields, "c2_amounts", "O011 48,000\nZZZ 1000");

    let res = b.submit(&format!("{path}/simulate"), &fields).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("2行目: 団体「ZZZ」が見つかりません"));
    assert!(html.contains("O011 48,000\nZZZ 1000"), "the typed lines are kept");

    set(&mut fields, "c2_amounts", "O011 48,000");
    let res = b.submit(&format!("{path}/simulate"), &fields).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("配分の割合の合計が100%になっていません（今は90%）"),
        "30% + 60%"
    );
    assert!(html.contains(r#"value="６０%""#), "the share as typed");

    set(&mut fields, "c1_price", "70%");
    let res = b.submit(&format!("{path}/simulate"), &fields).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("試算の結果です"));
    assert!(html.contains("防犯灯電気料補助"));

    let res = b.submit(&path, &fields).await;
    assert_eq!(res.status(), 303);
    let (_, saved) = coordinator
        .send("GET", &format!("/grant-schemes/{}", scheme["id"]), None)
        .await;
    assert_eq!(saved["formula"]["components"][2]["name"], "防犯灯電気料補助");
    assert_eq!(saved["formula"]["components"][2]["rule"]["amounts"][0]["yen"], 48_000);
}

#[tokio::test]
async fn figures_are_read_on_the_reference_date_and_an_import_is_all_or_nothing() {
    let app = TestApp::spawn(&["arao"]).await;
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let scheme = scheme_of(&coordinator, this_year()).await;
    let id = scheme["id"].as_i64().unwrap();
    let (_, before) = coordinator
        .send("POST", &format!("/grant-schemes/{id}/simulate"), Some(json!({})))
        .await;
    let first = &before["allocations"][0];
    let area = {
        let muni = app.municipality(ARAO).await.id;
        let org = kyodo_store::organisations::get(&app.db, muni, first["organisation_id"].as_i64().unwrap())
            .await
            .unwrap();
        kyodo_store::areas::get(&app.db, muni, org.organisation.area_id.unwrap())
            .await
            .unwrap()
            .area
    };
    let later = "2099-04-01";
    let send_csv = |csv: String| {
        coordinator
            .request(reqwest::Method::POST, "/import/area_figures")
            .header("content-type", "text/csv")
            .body(csv)
            .send()
    };
    let res = send_csv(format!(
        "地区コード,基準日,人口,世帯数,面積（km²）,65歳以上人口\n{},{later},99999,40000,1.5,100\nNOPE,{later},10,5,,\n{},{later},abc,1,1.234,\n",
        area.code, area.code
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 409, "bad lines refuse the whole file");
    let report: Value = res.json().await.unwrap();
    let said = report.to_string();
    assert!(said.contains("NOPE") && said.contains("4"), "{said}");
    let res = send_csv(format!(
        "地区コード,基準日,人口,世帯数,面積（km²）,65歳以上人口\n{},{later},99999,40000,1.5,100\n",
        area.code
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Figures dated after the reference date do not move this year's amounts.
    let (_, after) = coordinator
        .send("POST", &format!("/grant-schemes/{id}/simulate"), Some(json!({})))
        .await;
    assert_eq!(before["allocations"], after["allocations"]);
}

#[tokio::test]
async fn only_the_coordinator_changes_a_scheme_and_liaison_staff_read_it() {
    let app = TestApp::spawn(&["niimi"]).await;
    let coordinator = Api::new(&app, "niimi-coordinator").await;
    let id = scheme_of(&coordinator, this_year()).await["id"].as_i64().unwrap();
    for (login, reads) in [
        ("niimi-liaison", true),
        ("niimi-department", false),
        ("niimi-community", false),
        ("niimi-admin", false),
    ] {
        let api = Api::new(&app, login).await;
        let (status, _) = api.send("GET", &format!("/grant-schemes/{id}"), None).await;
        assert_eq!(status == 200, reads, "{login}: {status}");
        let b = app.login(login).await;
        assert_eq!(b.get("/grants").await.status() == 200, reads, "{login}");
    }
    let liaison = app.login("niimi-liaison").await;
    let page = liaison
        .get(&format!("/grants/schemes/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("算定式を変えられるのは制度所管課です"));
    let res = liaison.post(&format!("/grants/schemes/{id}/simulate"), &[]).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn an_areas_figures_are_entered_on_its_page_and_kept_per_date() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality(ARAO).await.id;
    let area = app.id_of(muni, "areas", "A01").await;
    let b = app.login("arao-coordinator").await;
    let path = format!("/areas/{area}/figures");
    let res = b
        .post(
            &path,
            &[
                ("as_of", "R9.4.1"),
                ("population", "１，２３４"),
                ("households", "abc"),
                ("area", "1.234"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("世帯数は0以上の整数で入力してください"));
    assert!(page.contains("小数第2位まで"));
    assert!(page.contains(r#"value="１，２３４""#), "what was typed is kept");
    let res = b
        .post(
            &path,
            &[
                ("as_of", "R9.4.1"),
                ("population", "１，２３４"),
                ("households", "520"),
                ("area", "12.5"),
                ("elderly", "480"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = b.get(&format!("/areas/{area}")).await.text().await.unwrap();
    assert!(
        page.contains("令和9年4月1日") && page.contains("1,234") && page.contains("12.50") && page.contains("38.8%")
    );

    let liaison = app.login("arao-liaison").await;
    let page = liaison.get(&format!("/areas/{area}")).await.text().await.unwrap();
    assert!(page.contains("令和9年4月1日"), "figures are no secret");
    assert!(!page.contains("人口・世帯数を登録する"));
    assert_eq!(liaison.post(&path, &[("as_of", "R9.4.1")]).await.status(), 403);
}
