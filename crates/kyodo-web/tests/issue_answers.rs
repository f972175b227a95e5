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
    assert_eq!(titles, vec!["街灯のLED化"]);
    let res = d
        .app
        .anonymous()
        .delete(d.app.url(&format!("/api/v1/answer-templates/{}", theirs["id"])))
        .bearer_auth(&department.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (_, all) = coordinator.send("GET", "/answer-templates", None).await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    // The answer form on a routed issue offers the template's text.
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let id = routed_issue(&liaison, &d, "街灯が暗い", d.doboku).await;
    let page = browser.get(&format!("/issues/{id}")).await.text().await.unwrap();
    assert!(page.contains("data-fill=\"f-answer_text\""), "{page}");
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
