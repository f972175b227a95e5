//! The rotation planner in the browser and the API, on the arao demo: a
//! coordinator generates a proposal, reads it, pins and excludes people,
//! re-plans, and approves; the first year's appointments become real.

mod common;

use common::{Api, TestApp};
use serde_json::{Value, json};

fn location_id(res: &reqwest::Response, base: &str) -> i64 {
    res.headers()["location"].to_str().unwrap()[base.len()..]
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn appointments(plan: &Value) -> Vec<Value> {
    plan["outcome"]["plan"]["appointments"]
        .as_array()
        .expect("appointments")
        .clone()
}

async fn appointment_count(api: &Api<'_>) -> usize {
    let (s, all) = api.send("GET", "/appointments?period=all", None).await;
    assert_eq!(s, 200);
    all.as_array().expect("a list").len()
}

#[tokio::test]
async fn a_coordinator_generates_adjusts_and_approves_a_plan_in_the_browser() {
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-coordinator").await;
    let api = Api::new(&app, "arao-coordinator").await;

    let res = b.post("/rotation", &[("years", "６")]).await;
    assert_eq!(res.status(), 303, "全角 digits are read");
    let first = location_id(&res, "/rotation/");
    let page = b.get(&format!("/rotation/{first}")).await.text().await.unwrap();
    assert!(page.contains("配置計画案 No."), "the proposal");
    assert!(
        page.contains("令和9年度〜令和14年度"),
        "next April's 年度 onwards, six years"
    );
    assert!(
        page.contains("荒尾") && page.contains("課長級"),
        "districts and positions in the table"
    );
    assert!(
        page.contains("初めて地域担当を経験する職員です"),
        "why each choice was made"
    );

    let (s, plan) = api.send("GET", &format!("/rotation-plans/{first}"), None).await;
    assert_eq!(s, 200);
    let outcome = &plan["outcome"];
    assert!(outcome["lower_bound"].as_i64().unwrap() <= outcome["score"].as_i64().unwrap());
    assert_eq!(outcome["optimal"], json!(true), "the demo is small enough to prove");
    let planned = appointments(&plan);
    assert!(planned.iter().all(|a| a["start"].as_i64().unwrap() >= 2027));

    // Pin the first appointment; exclude the person of another.
    let pin = &planned[0];
    let banned = planned.iter().find(|a| a["staff"] != pin["staff"]).expect("two people")["staff"]
        .as_str()
        .unwrap()
        .to_owned();
    let pin_value = format!(
        "{}|{}|{}|{}",
        pin["position"].as_str().unwrap(),
        pin["staff"].as_str().unwrap(),
        pin["start"],
        pin["end"]
    );
    let res = b
        .post(
            &format!("/rotation/{first}/replan"),
            &[("pin", &pin_value), ("ban", &banned)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let second = location_id(&res, "/rotation/");
    assert_ne!(second, first);
    let (_, revised) = api.send("GET", &format!("/rotation-plans/{second}"), None).await;
    assert_eq!(revised["based_on_id"], json!(first));
    let revised_list = appointments(&revised);
    assert!(revised_list.contains(pin), "the pinned term is kept");
    assert!(
        revised_list.iter().all(|a| a["staff"] != json!(banned)),
        "the excluded person is not planned"
    );
    let page = b.get(&format!("/rotation/{second}")).await.text().await.unwrap();
    assert!(
        page.contains(&format!("value=\"{pin_value}\" aria-label=")),
        "the pin box is there"
    );
    assert!(
        page.contains(&format!("<option value=\"{banned}\" selected>")),
        "the exclusion is shown as chosen"
    );

    // A wrong 任命日: refused beside the field, nothing appointed.
    let before = appointment_count(&api).await;
    let res = b
        .post(
            &format!("/rotation/{second}/approve"),
            &[("appointed_on", "令和9年4月2日")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("任命日は任期の開始日（4月1日）以前にしてください")
    );
    assert_eq!(appointment_count(&api).await, before);

    // Approve: the first year's terms become appointments with the 任命日.
    let first_year: Vec<&Value> = revised_list.iter().filter(|a| a["start"] == json!(2027)).collect();
    assert!(!first_year.is_empty());
    let res = b
        .post(
            &format!("/rotation/{second}/approve"),
            &[("appointed_on", "令和9年3月15日")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let after = appointment_count(&api).await;
    assert_eq!(after, before + first_year.len());
    let (_, made) = api.send("GET", "/appointments?period=upcoming", None).await;
    let made: Vec<&Value> = made
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["start_on"] == json!("2027-04-01") && a["appointed_on"] == json!("2027-03-15"))
        .collect();
    assert_eq!(made.len(), first_year.len());
    for a in &first_year {
        let staff: i64 = a["staff"].as_str().unwrap().parse().unwrap();
        assert!(made.iter().any(|m| m["staff_id"] == json!(staff)), "{a}");
    }
    let page = b.get(&format!("/rotation/{second}")).await.text().await.unwrap();
    assert!(page.contains("承認済み"));
    // Approving twice is refused and changes nothing.
    let (s, body) = api
        .send(
            "POST",
            &format!("/rotation-plans/{second}/approve"),
            Some(json!({"appointed_on": "2027-03-15"})),
        )
        .await;
    assert_eq!(s, 409, "{body}");
    assert_eq!(appointment_count(&api).await, after);
}

#[tokio::test]
async fn bad_requests_get_a_reason_and_other_roles_get_nothing() {
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-coordinator").await;
    let res = b.post("/rotation", &[("years", "二十")]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("計画する年数は1〜10年にしてください"));
    assert!(page.contains("value=\"二十\""), "what was typed is kept");

    let api = Api::new(&app, "arao-coordinator").await;
    let (s, body) = api.send("POST", "/rotation-plans", Some(json!({"years": 0}))).await;
    assert_eq!(s, 422);
    assert_eq!(body["errors"][0]["field"], json!("years"));
    let (s, body) = api
        .send(
            "POST",
            "/rotation-plans",
            Some(json!({"years": 2, "ban": [1], "require": [1]})),
        )
        .await;
    assert_eq!(s, 409, "the same person banned and required: {body}");
    assert_eq!(body["errors"][0]["field"], json!("require"));
    let (s, body) = api
        .send(
            "POST",
            "/rotation-plans",
            Some(json!({"years": 2, "pin": ["nowhere|1|2027|2028"]})),
        )
        .await;
    assert_eq!(s, 409, "a pin the plan cannot honour: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("ポジション「nowhere」がありません")
    );
    let (s, created) = api.send("POST", "/rotation-plans", Some(json!({"years": 2}))).await;
    assert_eq!(s, 201);
    let id = created["id"].as_i64().unwrap();

    for login in ["arao-liaison", "arao-department", "arao-community"] {
        let other = Api::new(&app, login).await;
        let (s, _) = other.send("GET", &format!("/rotation-plans/{id}"), None).await;
        assert_eq!(s, 403, "{login}");
        let page = app.login(login).await.get("/rotation").await;
        assert_eq!(page.status(), 403, "{login}");
    }
}
