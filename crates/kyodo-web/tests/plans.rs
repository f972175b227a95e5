//! Plans: a 将来計画 with its 分野, 年度計画 whose projects stand under them,
//! the 地区防災計画; the rules of periods and yen; revisions of an adopted
//! plan; advice; who writes and who reads.

mod common;

use common::{Api, TestApp, messages};
use serde_json::json;

const NIIMI: &str = "332101";

/// The demo community account's own body, 唐松まちづくり協議会, and its API.
async fn karamatsu(app: &TestApp) -> (i64, Api<'_>) {
    let muni = app.municipality(NIIMI).await.id;
    let org = app.id_of(muni, "organisations", "O001").await;
    (org, Api::new(app, "niimi-community").await)
}

/// The id of the body's plan of `kind` covering 令和8年度.
async fn plan_of(api: &Api<'_>, org: i64, kind: &str) -> i64 {
    let (_, plans) = api
        .send(
            "GET",
            &format!("/plans?organisation_id={org}&fiscal_year=2026&kind={kind}"),
            None,
        )
        .await;
    plans[0]["id"].as_i64().expect("the demo's plan of that kind")
}

#[tokio::test]
async fn an_annual_plan_lies_within_the_future_plan_and_its_projects_under_its_themes() {
    let app = TestApp::spawn(&["niimi"]).await;
    let (org, community) = karamatsu(&app).await;
    // The demo's future plan runs 2024〜2028; an annual plan for 2030 lies outside it.
    let (status, res) = community
        .send(
            "POST",
            "/plans",
            Some(json!({"organisation_id": org, "kind": "annual", "title": "令和12年度事業計画", "first_year": 2030})),
        )
        .await;
    assert_eq!(status, 409, "{res}");
    assert!(messages(&res).iter().any(|m| m.contains("将来計画の期間")), "{res}");
    // 2026 already has its annual plan in the demo: periods of a kind do not overlap.
    let (status, res) = community
        .send(
            "POST",
            "/plans",
            Some(json!({"organisation_id": org, "kind": "annual", "title": "二つ目", "first_year": 2026})),
        )
        .await;
    assert_eq!(status, 409, "{res}");
    assert!(messages(&res).iter().any(|m| m.contains("重なっています")), "{res}");

    let (status, plan) = community
        .send(
            "POST",
            "/plans",
            Some(
                json!({"organisation_id": org, "kind": "annual", "title": "令和9年度事業計画", "first_year": 2027,
                        "sections": [{"key": "policy", "text": "福祉を重点に"}]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    let id = plan["id"].as_i64().unwrap();
    // Amounts are whole yen; a total that does not add up is refused, nothing written.
    let (status, _) = community
        .send(
            "POST",
            &format!("/plans/{id}/projects"),
            Some(json!({"name": "夏まつり", "budget": [{"item": "消耗品費", "source": "grant", "amount": 1200.5}]})),
        )
        .await;
    assert_eq!(status, 422, "a fraction of a yen is not as documented");
    let (status, res) = community
        .send(
            "POST",
            &format!("/plans/{id}/projects"),
            Some(json!({"name": "夏まつり", "theme": "地域づくり", "months": [7, 8],
                        "budget": [{"item": "消耗品費", "source": "grant", "amount": 30000},
                                   {"item": "報償費", "source": "dues", "amount": 20000}],
                        "budget_total": 60000})),
        )
        .await;
    assert_eq!(status, 409, "{res}");
    assert!(messages(&res).iter().any(|m| m.contains("50000円")), "{res}");
    let (status, project) = community
        .send(
            "POST",
            &format!("/plans/{id}/projects"),
            Some(json!({"name": "夏まつり", "theme": "地域づくり", "months": [7, 8],
                        "budget": [{"item": "消耗品費", "source": "grant", "amount": 30000},
                                   {"item": "報償費", "source": "dues", "amount": 20000}],
                        "budget_total": 50000})),
        )
        .await;
    assert_eq!(status, 201, "{project}");
    let (status, _) = community
        .send(
            "POST",
            &format!("/plans/{id}/projects"),
            Some(json!({"name": "観光ツアー", "theme": "観光"})),
        )
        .await;
    assert_eq!(status, 201);
    let (_, view) = community.send("GET", &format!("/plans/{id}"), None).await;
    let flags: Vec<(String, serde_json::Value)> = view["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_owned(), p["flag"].clone()))
        .collect();
    assert_eq!(flags[0].1, serde_json::Value::Null, "夏まつり stands under 地域づくり");
    assert_eq!(flags[1].1, "将来計画にない分野です");
}

#[tokio::test]
async fn an_adopted_plan_changes_only_with_a_reason_and_keeps_its_revision_until_locked() {
    let app = TestApp::spawn(&["niimi"]).await;
    let (org, community) = karamatsu(&app).await;
    let (_, plans) = community
        .send(
            "GET",
            &format!("/plans?organisation_id={org}&kind=annual&fiscal_year=2026"),
            None,
        )
        .await;
    let plan = &plans.as_array().unwrap()[0];
    let id = plan["id"].as_i64().unwrap();
    assert!(plan["adopted_on"].is_string(), "the demo's plan is adopted");
    let version = plan["version"].as_i64().unwrap();

    let (status, res) = community
        .send(
            "PATCH",
            &format!("/plans/{id}"),
            Some(json!({"title": "改訂版", "version": version})),
        )
        .await;
    assert_eq!(status, 409, "{res}");
    assert!(messages(&res).iter().any(|m| m.contains("変更の理由")));
    let (status, _) = community
        .send(
            "PATCH",
            &format!("/plans/{id}"),
            Some(json!({"title": "改訂版", "version": version - 1, "change_reason": "臨時総会で名称変更"})),
        )
        .await;
    assert_eq!(status, 409, "an old version is a conflict");
    let (status, changed) = community
        .send(
            "PATCH",
            &format!("/plans/{id}"),
            Some(json!({"title": "改訂版", "version": version, "change_reason": "臨時総会で名称変更"})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    // Progress is reported without a reason: it is not a change of the plan.
    let (_, view) = community.send("GET", &format!("/plans/{id}"), None).await;
    let project = &view["projects"][0];
    let pid = project["id"].as_i64().unwrap();
    let mut body = json!({
        "name": project["name"], "theme": project["theme"], "responsible": project["responsible"],
        "months": project["months"],
        "budget": project["budget"], "status": "done", "outcome": "延べ250回", "participants": 250,
        "version": project["version"],
    });
    let (status, res) = community
        .send("PATCH", &format!("/projects/{pid}"), Some(body.clone()))
        .await;
    assert_eq!(status, 200, "{res}");
    body["version"] = res["version"].clone();
    body["name"] = json!("助け合い事業（拡充）");
    let (status, _) = community
        .send("PATCH", &format!("/projects/{pid}"), Some(body.clone()))
        .await;
    assert_eq!(status, 409, "renaming a project of an adopted plan needs its reason");
    body["change_reason"] = json!("送迎範囲を広げたため");
    assert_eq!(
        community.send("PATCH", &format!("/projects/{pid}"), Some(body)).await.0,
        200
    );

    let (_, view) = community.send("GET", &format!("/plans/{id}"), None).await;
    let reasons: Vec<&str> = view["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(reasons, ["送迎範囲を広げたため", "臨時総会で名称変更"]);

    // The coordinator locks it; then nobody changes it.
    let coordinator = app.login("niimi-coordinator").await;
    assert_eq!(coordinator.post(&format!("/plans/{id}/lock"), &[]).await.status(), 303);
    let (_, plan) = community.send("GET", &format!("/plans/{id}"), None).await;
    let (status, res) = community
        .send(
            "PATCH",
            &format!("/plans/{id}"),
            Some(json!({"title": "再改訂", "change_reason": "再度", "version": plan["version"]})),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(res["code"], "refused");
}

#[tokio::test]
async fn liaison_staff_read_and_advise_but_do_not_write_and_others_do_not_reach() {
    let app = TestApp::spawn(&["niimi"]).await;
    let (org, community) = karamatsu(&app).await;
    let (_, plans) = community
        .send("GET", &format!("/plans?organisation_id={org}"), None)
        .await;
    let id = plans[0]["id"].as_i64().unwrap();
    let liaison = app.login("niimi-liaison").await;
    let page = liaison.get(&format!("/plans/{id}")).await;
    assert_eq!(page.status(), 200);
    let res = liaison
        .post(
            &format!("/plans/{id}/comments"),
            &[("body", "送迎の利用料の考え方を総会資料に書いておくとよいです")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let text = community.send("GET", &format!("/plans/{id}"), None).await.1;
    assert_eq!(
        text["comments"].as_array().unwrap().len(),
        1,
        "the body reads the advice"
    );
    let liaison_api = Api::new(&app, "niimi-liaison").await;
    let (status, _) = liaison_api
        .send("PATCH", &format!("/plans/{id}"), Some(json!({"title": "x"})))
        .await;
    assert_eq!(status, 403, "liaison staff advise, the body writes");
    // A department reads only the plans with a project naming it (関係部署).
    let department = Api::new(&app, "niimi-department").await;
    let future = plan_of(&community, org, "future").await;
    assert_eq!(department.send("GET", &format!("/plans/{future}"), None).await.0, 403);
    // Another body's plan is out of the community account's reach.
    let muni = app.municipality(NIIMI).await.id;
    let other = app.id_of(muni, "organisations", "O011").await;
    let (status, _) = community
        .send(
            "POST",
            "/plans",
            Some(json!({"organisation_id": other, "kind": "annual", "title": "x", "first_year": 2026})),
        )
        .await;
    assert_eq!(status, 409, "not its organisation");
}

#[tokio::test]
async fn a_plan_form_with_mistakes_comes_back_with_the_input_and_the_messages() {
    let app = TestApp::spawn(&["niimi"]).await;
    let (org, _) = karamatsu(&app).await;
    let b = app.login("niimi-community").await;
    assert_eq!(b.get("/plans/new?kind=future").await.status(), 200);
    let org = org.to_string();
    let res = b
        .post(
            "/plans",
            &[
                ("organisation_id", org.as_str()),
                ("kind", "future"),
                ("title", "次期将来計画"),
                ("first_year", "令和11年度"),
                ("last_year", "令和9年度"),
                ("section_vision", "つながる地域"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("終了年度は開始年度以降にしてください"));
    assert!(page.contains("分野を1つ以上入力してください"));
    assert!(page.contains("つながる地域"), "the input comes back");
    let list = b.get("/plans?fiscal_year=2026").await.text().await.unwrap();
    assert!(list.contains("地域の将来計画") && list.contains("令和8年度事業計画"));
}

#[tokio::test]
async fn a_future_plan_written_in_kyodo_counts_for_the_stage_requirements() {
    let app = TestApp::spawn(&["niimi"]).await;
    let muni = app.municipality(NIIMI).await.id;
    // 新見中央まちづくり協議会 has recorded nothing yet.
    let body = app.id_of(muni, "organisations", "O051").await;
    let coordinator = Api::new(&app, "niimi-coordinator").await;
    let (status, _) = coordinator
        .send(
            "POST",
            "/plans",
            Some(
                json!({"organisation_id": body, "kind": "future", "title": "新見中央の将来計画（案）",
                        "first_year": 2027, "last_year": 2031, "themes": ["地域づくり", "防災"]}),
            ),
        )
        .await;
    assert_eq!(status, 201);
    let (_, way) = coordinator
        .send("GET", &format!("/organisations/{body}/establishment"), None)
        .await;
    let met = |key: &str| {
        way["stages"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["requirements"].as_array().unwrap().iter())
            .find(|r| r["requirement"] == key)
            .map(|r| r["met"] == true)
            .unwrap()
    };
    assert!(met("future_plan_draft"));
    assert!(!met("future_plan_adopted"), "a draft is not adopted");
}

#[tokio::test]
async fn saving_a_project_from_its_page_keeps_every_budget_line() {
    let app = TestApp::spawn(&["niimi"]).await;
    let (org, community) = karamatsu(&app).await;
    let (_, plan) = community
        .send(
            "POST",
            "/plans",
            Some(json!({"organisation_id": org, "kind": "annual", "title": "令和9年度事業計画", "first_year": 2027})),
        )
        .await;
    let id = plan["id"].as_i64().unwrap();
    let lines: Vec<serde_json::Value> = (1..=6)
        .map(|n| json!({"item": format!("費目{n}"), "source": "grant", "amount": n * 1000}))
        .collect();
    let (status, project) = community
        .send(
            "POST",
            &format!("/plans/{id}/projects"),
            Some(json!({"name": "防災訓練", "theme": "防災", "budget": lines})),
        )
        .await;
    assert_eq!(status, 201, "{project}");
    let pid = project["id"].as_i64().unwrap();
    let b = app.login("niimi-community").await;
    let path = format!("/plans/{id}/projects/{pid}");
    let page = b.get(&path).await.text().await.unwrap();
    let fields = common::form_fields(&page, &path);
    assert_eq!(b.submit(&path, &fields).await.status(), 303);
    let saved = kyodo_store::plans::project(&app.db, app.municipality(NIIMI).await.id, pid)
        .await
        .unwrap();
    assert_eq!(saved.budget.0.len(), 6, "no line is lost by the form");
    assert_eq!(saved.budget.total(), 21000);
}

#[tokio::test]
async fn the_coordinator_sums_up_a_year_across_bodies_and_a_body_prints_its_report() {
    let app = TestApp::spawn(&["niimi"]).await;
    let coordinator = Api::new(&app, "niimi-coordinator").await;
    let (status, lines) = coordinator.send("GET", "/plans/summary?fiscal_year=2026", None).await;
    assert_eq!(status, 200);
    let lines = lines.as_array().unwrap();
    let bodies: std::collections::BTreeSet<&str> =
        lines.iter().map(|l| l["organisation_name"].as_str().unwrap()).collect();
    assert_eq!(
        bodies.into_iter().collect::<Vec<_>>(),
        ["唐松まちづくり協議会", "熊野の将来を考える会"]
    );
    assert!(
        lines
            .iter()
            .all(|l| l["off_theme"] == 0 && l["projects"].as_i64().unwrap() > 0),
        "the demo's projects stand under their themes"
    );
    let grant: i64 = lines.iter().map(|l| l["grant_total"].as_i64().unwrap()).sum();
    assert_eq!(grant, 2 * 400_000);

    let b = app.login("niimi-coordinator").await;
    let csv = b.get("/plans/summary.csv?fiscal_year=2026&encoding=cp932").await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().contains("shift_jis"));
    let bytes = csv.bytes().await.unwrap();
    let (text, enc) = kyodo_core::encoding::decode_csv(&bytes).unwrap();
    assert_eq!(enc, kyodo_core::encoding::TextEncoding::Cp932);
    assert!(text.contains("唐松まちづくり協議会") && text.contains("うち交付金"));
    let xlsx = b.get("/plans/summary.xlsx?fiscal_year=2026").await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "an xlsx is a zip");

    let (org, community) = karamatsu(&app).await;
    let (annual, future) = (
        plan_of(&community, org, "annual").await,
        plan_of(&community, org, "future").await,
    );
    let b = app.login("niimi-community").await;
    let report = b.get(&format!("/plans/{annual}/report")).await.text().await.unwrap();
    assert!(report.contains("収支") && report.contains("540,000円") && report.contains("212人"));
    assert_eq!(b.get(&format!("/plans/{future}/report")).await.status(), 409);
    // The body sees its own projects only in the summary.
    let (_, own) = community.send("GET", "/plans/summary?fiscal_year=2026", None).await;
    assert!(own.as_array().unwrap().iter().all(|l| l["organisation_id"] == org));

    // A project under no 分野 is counted, and its 交付金 joins the kept sums.
    let before = own[0].clone();
    let line = json!([{"item": "委託料", "source": "grant", "amount": 30000}]);
    let (status, _) = community
        .send(
            "POST",
            &format!("/plans/{annual}/projects"),
            Some(json!({"name": "観光マップ", "theme": "観光", "budget": line, "change_reason": "年度途中の追加"})),
        )
        .await;
    assert_eq!(status, 201);
    let (_, own) = community.send("GET", "/plans/summary?fiscal_year=2026", None).await;
    let after = &own[0];
    assert_eq!(after["off_theme"], 1);
    assert_eq!(after["projects"].as_i64(), before["projects"].as_i64().map(|n| n + 1));
    assert_eq!(
        after["grant_total"].as_i64(),
        before["grant_total"].as_i64().map(|n| n + 30000)
    );
    let page = b.get("/plans/summary?fiscal_year=2026").await.text().await.unwrap();
    assert!(page.contains("分野外") && page.contains("唐松まちづくり協議会"));
}

#[tokio::test]
async fn bodies_past_their_deadlines_show_on_the_status_page_the_team_page_and_the_inbox() {
    let app = TestApp::spawn(&["niimi"]).await;
    let (org, community) = karamatsu(&app).await;
    // Last 年度's plan of 唐松 (the demo's, carried out) gains a project
    // without a result: its 事業報告 is owed after 5月末.
    let (_, plans) = community
        .send(
            "GET",
            &format!("/plans?organisation_id={org}&kind=annual&fiscal_year=2025"),
            None,
        )
        .await;
    let id = plans[0]["id"].as_i64().expect("last 年度's plan");
    let (status, _) = community
        .send(
            "POST",
            &format!("/plans/{id}/projects"),
            Some(json!({"name": "敬老会", "theme": "福祉", "status": "in_progress", "change_reason": "事業の追加"})),
        )
        .await;
    assert_eq!(status, 201);
    let b = app.login("niimi-coordinator").await;
    let page = b.get("/plans/status").await.text().await.unwrap();
    assert!(page.contains("未完了（1事業）"), "唐松's report lacks a result");
    // 哲西 has reached 設立・活動開始 without a 年度計画; 新見中央 is still forming and owes none.
    let row = |name: &str| {
        let at = page.find(name).unwrap_or_else(|| panic!("{name} listed"));
        page[at..at + page[at..].find("</tr>").unwrap()].to_owned()
    };
    assert!(row("哲西まちづくり協議会").contains("年度計画 未提出"));
    assert!(
        !row("新見中央まちづくり協議会").contains("未提出・") && !row("新見中央まちづくり協議会").contains("期限超過")
    );
    let home = b.get("/").await.text().await.unwrap();
    assert!(home.contains("年度計画が期限を過ぎても未提出の団体"));
    assert!(home.contains("事業報告が期限を過ぎても未完了の団体"));
    let muni = app.municipality(NIIMI).await.id;
    let district = app.id_of(muni, "areas", "A01").await;
    let team = b.get(&format!("/areas/{district}/team")).await.text().await.unwrap();
    assert!(team.contains("地域の代表組織と計画") && team.contains("唐松まちづくり協議会"));
    // The same team page shows a department no body's plans: its plans are those naming it.
    let department = app.login("niimi-department").await;
    let team = department
        .get(&format!("/areas/{district}/team"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !team.contains("未提出") && !team.contains("唐松まちづくり協議会"),
        "{team}"
    );
}

#[tokio::test]
async fn a_department_reads_the_plans_that_name_it_and_nothing_else() {
    let app = TestApp::spawn(&["niimi"]).await;
    let (org, community) = karamatsu(&app).await;
    let annual = plan_of(&community, org, "annual").await;
    let (_, projects) = community.send("GET", &format!("/plans/{annual}/projects"), None).await;
    let named: Vec<i64> = projects
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["department_id"].is_null())
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(!named.is_empty(), "the demo names departments");

    // 土木課 (the demo department) is named in one project of each 年度計画.
    let department = Api::new(&app, "niimi-department").await;
    let (status, list) = department.send("GET", "/plans?kind=annual", None).await;
    assert_eq!(status, 200);
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&annual), "{ids:?}");
    assert_eq!(department.send("GET", &format!("/plans/{annual}"), None).await.0, 200);
    let b = app.login("niimi-department").await;
    assert_eq!(b.get(&format!("/plans/{annual}")).await.status(), 200);
    // It reads, it does not write or advise.
    let (status, _) = department
        .send("PATCH", &format!("/plans/{annual}"), Some(json!({"title": "x"})))
        .await;
    assert_eq!(status, 403);

    // Name no department in any project: the plan leaves the department's reach.
    // What GET gives is what PATCH takes, less the fields the server keeps.
    let (_, projects) = community.send("GET", &format!("/plans/{annual}/projects"), None).await;
    for p in projects.as_array().unwrap() {
        let mut body = p.clone();
        let obj = body.as_object_mut().unwrap();
        for k in ["id", "plan_id", "flag", "updated_at", "department_id"] {
            obj.remove(k);
        }
        obj.insert("change_reason".into(), json!("関係部署の見直し"));
        let (status, res) = community
            .send("PATCH", &format!("/projects/{}", p["id"]), Some(body))
            .await;
        assert_eq!(status, 200, "{res}");
    }
    assert_eq!(department.send("GET", &format!("/plans/{annual}"), None).await.0, 403);
    let (_, list) = department.send("GET", "/plans?kind=annual", None).await;
    assert!(!list.as_array().unwrap().iter().any(|p| p["id"] == annual));

    // Another city's department is refused by name.
    let (status, res) = community
        .send(
            "POST",
            &format!("/plans/{annual}/projects"),
            Some(json!({"name": "x", "theme": "防災", "department_id": 999999, "change_reason": "追加"})),
        )
        .await;
    assert_eq!(status, 409, "a rule of the city's records, not of the document: {res}");
    assert!(common::messages(&res).iter().any(|m| m.contains("関係部署")));
}

#[tokio::test]
async fn goals_of_the_future_plan_are_moved_by_the_years_projects() {
    let app = TestApp::spawn(&["niimi"]).await;
    let (org, community) = karamatsu(&app).await;
    let (future, annual) = (
        plan_of(&community, org, "future").await,
        plan_of(&community, org, "annual").await,
    );
    let (_, plan) = community.send("GET", &format!("/plans/{future}"), None).await;
    let goals = plan["text"]["goals"].as_array().unwrap();
    assert_eq!(goals[1]["name"], "防災訓練の参加者数");
    assert_eq!(goals[1]["target"], 200.0);

    // The year's page sums what its projects reached against each goal.
    let b = app.login("niimi-community").await;
    let page = b.get(&format!("/plans/{annual}")).await.text().await.unwrap();
    assert!(
        page.contains("指標の実績") && page.contains("138人"),
        "防災訓練 reached 138"
    );

    // A goal added by the API: a bad number is refused beside its row.
    let mut goals = goals.clone();
    goals.push(json!({"name": "見守りの登録者数", "unit": "人", "baseline": 30, "target": 60.5}));
    let (status, res) = community
        .send(
            "PATCH",
            &format!("/plans/{future}"),
            Some(json!({"goals": goals, "change_reason": "指標の追加", "version": plan["version"]})),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    let page = b.get(&format!("/plans/{future}/edit")).await.text().await.unwrap();
    let mut fields = common::form_fields(&page, &format!("/plans/{future}"));
    fields.retain(|(k, _)| k != "goal3_target");
    fields.push(("goal3_target".into(), "60.555".into()));
    fields.retain(|(k, _)| k != "change_reason");
    fields.push(("change_reason".into(), "目標の見直し".into()));
    let res = b.submit(&format!("/plans/{future}"), &fields).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("小数点以下は2桁まで"));

    // The issues that led to the plan are linked by number; an unknown one is refused.
    let (_, plan) = community.send("GET", &format!("/plans/{future}"), None).await;
    let muni = app.municipality(NIIMI).await.id;
    let issue = kyodo_store::issues::list(
        &app.db,
        muni,
        &kyodo_store::issues::Reach::All,
        &Default::default(),
        common::today(),
    )
    .await
    .unwrap()
    .items[0]
        .issue
        .id;
    let (status, res) = community
        .send(
            "PATCH",
            &format!("/plans/{future}"),
            Some(json!({"issue_ids": [issue, 999999], "change_reason": "課題の追記", "version": plan["version"]})),
        )
        .await;
    assert_eq!(status, 409, "{res}");
    assert!(common::messages(&res).iter().any(|m| m.contains("No.999999")));
    let (status, res) = community
        .send(
            "PATCH",
            &format!("/plans/{future}"),
            Some(json!({"issue_ids": [issue], "change_reason": "課題の追記", "version": plan["version"]})),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    let page = b.get(&format!("/plans/{future}")).await.text().await.unwrap();
    assert!(page.contains(&format!("課題 No.{issue}")) && page.contains("目標と指標"));
}
