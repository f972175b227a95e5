//! Answering issues well: a department's answer templates, and the progress
//! answers (進捗回答) continuing issues get on the municipality's schedule.

mod common;

use common::{Api, demo, routed_issue};
use serde_json::json;

#[tokio::test]
async fn a_department_keeps_its_answer_templates_and_the_answer_form_offers_them() {
    let d = demo().await;
    let browser = d.app.login("arao-department").await;
    // A mistake comes back with the input and the reason beside the field.
    let res = browser
        .post("/settings/answer-templates", &[("title", "街灯のLED化"), ("body", "")])
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("回答文を入力してください") && page.contains("value=\"街灯のLED化\""),
        "{page}"
    );
    let res = browser
        .post(
            "/settings/answer-templates",
            &[
                ("title", "街灯のLED化"),
                ("body", "順次LED灯へ交換します。\n時期は追ってお知らせします。"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);

    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let (status, theirs) = coordinator
        .send(
            "POST",
            "/answer-templates",
            Some(json!({"department_id": d.fukushi, "title": "見守り", "body": "民生委員と連携して見守ります。"})),
        )
        .await;
    assert_eq!(status, 201, "{theirs}");
    assert_eq!(theirs["department_name"], "福祉課");

    // Department staff see and remove their own department's only.
    let department = Api::new(&d.app, "arao-department").await;
    let (_, own) = department.send("GET", "/answer-templates", None).await;
    let titles: Vec<&str> = own
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    // The demo's two stock answers of 土木課, then the new one; not 福祉課's.
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles.contains(&"街灯のLED化") && !titles.contains(&"見守り"));
    let res = department
        .request(reqwest::Method::DELETE, &format!("/answer-templates/{}", theirs["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (_, all) = coordinator.send("GET", "/answer-templates", None).await;
    assert_eq!(all.as_array().unwrap().len(), 4);

    // The answer form on a routed issue offers the template's text.
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let id = routed_issue(&liaison, &d, "街灯が暗い", d.doboku).await;
    let page = browser.get(&format!("/issues/{id}")).await.text().await.unwrap();
    // Each action's form has its own ids; the template fills the answer form's text.
    assert!(page.contains("data-fill=\"f-answer-answer_text\""), "{page}");
    assert!(page.contains("<textarea id=\"f-answer-answer_text\""), "{page}");
    assert!(page.contains("順次LED灯へ交換します。"), "{page}");
    // Liaison staff do not keep department templates.
    let res = d
        .app
        .login("arao-liaison")
        .await
        .get("/settings/answer-templates")
        .await;
    assert_eq!(res.status(), 403);
}

/// Moves the progress schedule so that the round begins on 1 November: the
/// demo's continuing issues were last answered before it.
async fn progress_round_in_november(d: &common::Demo) {
    let muni = d.app.municipality("432041").await;
    let mut scheme = muni.scheme.clone();
    scheme.progress_months = vec![11, 5];
    kyodo_store::municipalities::update_scheme(&d.app.db, &kyodo_store::audit::Actor::command_line(muni.id), &scheme)
        .await
        .unwrap();
}

#[tokio::test]
async fn continuing_issues_get_progress_answers_on_the_schedule_and_a_printable_sheet() {
    let d = demo().await;
    progress_round_in_november(&d).await;
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let (status, owed) = coordinator.send("GET", "/issues?progress_due=true", None).await;
    assert_eq!(status, 200);
    let owed: Vec<&serde_json::Value> = owed["items"].as_array().unwrap().iter().collect();
    assert!(
        !owed.is_empty(),
        "the demo has continuing issues answered before the round"
    );
    assert!(
        owed.iter()
            .all(|i| i["continuing"] == true && i["status"] == "reported")
    );

    // A department answers again: a progress answer, and the issue leaves its list.
    let id = owed[0]["id"].as_i64().unwrap();
    let (_, issue) = coordinator.send("GET", &format!("/issues/{id}"), None).await;
    let routes = issue["routes"].as_array().unwrap();
    let department = routes[0]["department_id"].as_i64().unwrap();
    let (status, body) = coordinator
        .act(
            id,
            json!({"action": "answer", "department_id": department, "stance": "will_act",
                   "answer_text": "来年度予算に計上しました。", "expected_on": "2027-06-30"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["status"], "reported",
        "a progress answer keeps the issue where it is"
    );
    let (_, still) = coordinator
        .send(
            "GET",
            &format!("/issues?progress_due=true&department_id={department}"),
            None,
        )
        .await;
    assert!(
        still["items"].as_array().unwrap().iter().all(|i| i["id"] != id),
        "{still}"
    );

    // The district's sheet shows the new answer as this round's.
    let area = issue["area_id"].as_i64().unwrap();
    let browser = d.app.login("arao-coordinator").await;
    let sheet = browser
        .get(&format!("/issues/progress-report?area_id={area}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(sheet.contains("継続案件 進捗回答書"), "{sheet}");
    assert!(sheet.contains("令和8年11月の進捗回答"), "{sheet}");
    assert!(sheet.contains("来年度予算に計上しました。"), "{sheet}");
    // The home page counts what is still owed.
    let home = browser.get("/").await.text().await.unwrap();
    assert!(home.contains("進捗回答待ちの継続案件"), "{home}");
    // Community accounts have no sheet; it is printed for them by the city.
    let res = d.app.login("arao-community").await.get("/issues/progress-report").await;
    assert_eq!(res.status(), 403);
}

/// A department's list and inbox follow its routes as they are sent,
/// answered and rerouted, and a corrected 受付日 moves the issue in them.
#[tokio::test]
async fn a_departments_list_and_inbox_follow_the_routes() {
    let d = demo().await;
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let department = Api::new(&d.app, "arao-department").await;
    let ids = |v: &serde_json::Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    };
    let inbox = || async {
        let (_, v) = department.send("GET", "/issues?pending=true&per_page=500", None).await;
        ids(&v)
    };
    let list = |dept: i64| {
        let coordinator = &coordinator;
        async move {
            let (_, v) = coordinator
                .send("GET", &format!("/issues?department_id={dept}&per_page=500"), None)
                .await;
            ids(&v)
        }
    };
    let id = routed_issue(&liaison, &d, "側溝のふたが割れている", d.doboku).await;
    assert!(inbox().await.contains(&id), "routed: in 土木課's inbox");
    assert!(list(d.doboku).await.contains(&id));
    assert!(!list(d.fukushi).await.contains(&id));

    let (status, body) = coordinator
        .act(
            id,
            json!({"action": "reroute", "from_department_id": d.doboku, "to_department_id": d.fukushi, "reason": "所管違い"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(!inbox().await.contains(&id), "rerouted away: out of 土木課's inbox");
    assert!(list(d.doboku).await.contains(&id), "still among 土木課's issues");
    assert!(list(d.fukushi).await.contains(&id), "now 福祉課's too");

    let (status, body) = coordinator
        .act(
            id,
            json!({"action": "answer", "department_id": d.fukushi, "stance": "considering", "answer_text": "確認します"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, pending) = coordinator
        .send(
            "GET",
            &format!("/issues?department_id={}&pending=true", d.fukushi),
            None,
        )
        .await;
    assert!(!ids(&pending).contains(&id), "answered: nothing owed");

    // The department's list is newest 受付日 first, the kept list included.
    let (_, all) = department.send("GET", "/issues?per_page=500", None).await;
    let received: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["received_on"].as_str().unwrap())
        .collect();
    let mut sorted = received.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(received, sorted);
}
