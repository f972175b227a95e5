//! The team's steps on a response plan are taken by more than one person:
//! the reviewer is not the drafter and the decider is neither, unless the
//! team has nobody else who could — then the step goes on, marked in the
//! timeline and counted on the dashboard.

mod common;

use common::{Api, demo, intake, liaison_account, today};
use serde_json::json;

/// Accounts for the other members of the demo liaison's team (A01), by position.
async fn team_accounts(d: &common::Demo) -> Vec<(String, String)> {
    let muni = d.app.municipality("432041").await.id;
    let lead = kyodo_store::accounts::by_login(&d.app.db, "arao-liaison")
        .await
        .unwrap()
        .unwrap()
        .staff_id
        .unwrap();
    let mut logins = Vec::new();
    for holder in kyodo_store::appointments::for_area(&d.app.db, muni, d.area, today())
        .await
        .unwrap()
    {
        if holder.staff_id == lead {
            logins.push((holder.position_key, "arao-liaison".to_owned()));
            continue;
        }
        let login = format!("team-{}", holder.position_key);
        liaison_account(&d.app, muni, &login, holder.staff_id).await;
        logins.push((holder.position_key, login));
    }
    logins
}

fn login_of<'a>(team: &'a [(String, String)], position: &str) -> &'a str {
    &team
        .iter()
        .find(|(p, _)| p == position)
        .expect("the position is held")
        .1
}

async fn sorted_issue(api: &Api<'_>, d: &common::Demo, title: &str) -> i64 {
    let (status, created) = api.send("POST", "/issues", Some(intake(d.area, d.org, title))).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, body) = api
        .act(
            id,
            json!({"action": "sort", "responsibility": "city", "departments": [d.doboku]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    id
}

async fn same_hands_on_dashboard(api: &Api<'_>, d: &common::Demo) -> i64 {
    let (status, dash) = api.send("GET", "/issues/dashboard?fiscal_year=2026", None).await;
    assert_eq!(status, 200, "{dash}");
    dash["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["area_id"] == d.area)
        .map_or(0, |a| a["same_hands"].as_i64().unwrap())
}

#[tokio::test]
async fn the_manager_who_drafted_may_not_review_while_a_chief_could() {
    let d = demo().await;
    let team = team_accounts(&d).await;
    let manager = Api::new(&d.app, login_of(&team, "manager")).await;
    let chief = Api::new(&d.app, login_of(&team, "chief")).await;
    let staff = Api::new(&d.app, login_of(&team, "staff")).await;
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let before = same_hands_on_dashboard(&coordinator, &d).await;

    let id = sorted_issue(&manager, &d, "街灯の球切れ").await;
    let plan = |action: &str| json!({"action": action, "text": "土木課に修繕を依頼する"});
    assert_eq!(manager.act(id, plan("draft")).await.0, 200);
    let (status, body) = manager.act(id, plan("review")).await;
    assert_eq!(status, 409, "the drafter reviews alone: {body}");
    assert!(body["message"].as_str().unwrap().contains("方針案の作成"), "{body}");
    assert_eq!(chief.act(id, plan("review")).await.0, 200);
    // Deciding is the manager's alone (Arao: 課長級) and the team has no
    // other: the drafter decides, and it shows.
    let (status, body) = manager.act(id, plan("decide")).await;
    assert_eq!(status, 200, "{body}");
    let (_, history) = manager.send("GET", &format!("/issues/{id}/history"), None).await;
    let decided = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "decide")
        .unwrap();
    assert!(
        decided["note"].as_str().unwrap().contains("前の段階と同じ職員"),
        "{decided}"
    );
    assert_eq!(same_hands_on_dashboard(&coordinator, &d).await, before + 1);

    // Three people, three steps: nothing to mark.
    let id = sorted_issue(&staff, &d, "側溝の蓋のがたつき").await;
    assert_eq!(staff.act(id, plan("draft")).await.0, 200);
    assert_eq!(chief.act(id, plan("review")).await.0, 200);
    let (status, body) = chief.act(id, plan("decide")).await;
    assert_eq!(status, 409, "deciding is the manager's: {body}");
    assert_eq!(manager.act(id, plan("decide")).await.0, 200);
    assert_eq!(same_hands_on_dashboard(&coordinator, &d).await, before + 1);
}

#[tokio::test]
async fn a_team_of_one_goes_through_every_step_marked() {
    let d = demo().await;
    let alone = Api::new(&d.app, "arao-liaison").await;
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let before = same_hands_on_dashboard(&coordinator, &d).await;
    let id = sorted_issue(&alone, &d, "公園の遊具の破損").await;
    for action in ["draft", "review", "decide"] {
        let (status, body) = alone.act(id, json!({"action": action, "text": "修繕する"})).await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    // Review and decision each came from the drafter.
    assert_eq!(same_hands_on_dashboard(&coordinator, &d).await, before + 1);
    let page = d
        .app
        .login("arao-liaison")
        .await
        .get(&format!("/issues/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("前の段階と同じ職員"), "the timeline says so");
}
