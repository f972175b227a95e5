//! The scheme settings page (制度設定) as a coordinator uses it: Japanese
//! labels and choices, rows added and removed, keys never typed.

mod common;

use common::{TestApp, form_fields};

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.to_owned(), value.to_owned()));
}

#[tokio::test]
async fn a_coordinator_adds_a_grade_and_a_deadline_without_typing_a_key() {
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-coordinator").await;
    let page = b.get("/settings/scheme").await.text().await.unwrap();
    // Keys are carried, never asked for: no visible field is labelled キー.
    assert!(!page.contains(">キー<"), "no field asks for a key");
    assert!(page.contains("課長補佐・係長級"), "positions are named in Japanese");
    assert!(page.contains("優先度「高」（日）"));
    assert!(
        page.contains("部署の回答期限 <span class=\"tag\">仮の値</span>"),
        "Arao's deadlines are kyodo's assumption, and say so"
    );

    // 「職位を追加」 shows one more row and saves nothing.
    let mut fields = form_fields(&page, "/settings/scheme");
    fields.push(("_add".into(), "grade".into()));
    let more = b.submit("/settings/scheme", &fields).await;
    assert_eq!(more.status(), 200);
    let more = more.text().await.unwrap();
    assert!(more.contains("name=\"grade4_name\""), "a fifth grade row");
    assert_eq!(
        app.municipality("432041").await.scheme.grades.len(),
        4,
        "nothing saved yet"
    );

    let mut fields = form_fields(&more, "/settings/scheme");
    set(&mut fields, "grade4_name", "会計年度任用職員");
    set(&mut fields, "deadline_normal", "２１");
    // Only the review step's 課長級 stays: the 係長級's box is unchecked.
    fields.retain(|(k, v)| !(k == "step_review_positions" && v == "chief"));
    let saved = b.submit("/settings/scheme", &fields).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap_or_default());
    let scheme = app.municipality("432041").await.scheme;
    let added = scheme.grades.last().unwrap();
    assert_eq!(
        (added.key.as_str(), added.name.as_str()),
        ("grade1", "会計年度任用職員")
    );
    assert_eq!(scheme.answer_deadlines.days, [14, 21, 60]);
    let review = scheme.issue_steps.iter().find(|s| s.step.key() == "review").unwrap();
    assert_eq!(review.positions, ["manager"]);
    // The city has set its own deadlines: no longer marked as assumed.
    let page = b.get("/settings/scheme").await.text().await.unwrap();
    assert!(page.contains("部署の回答期限</legend>"));
}

#[tokio::test]
async fn a_deadline_that_is_not_a_number_is_refused_beside_its_fields_and_kept() {
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-coordinator").await;
    let page = b.get("/settings/scheme").await.text().await.unwrap();
    let mut fields = form_fields(&page, "/settings/scheme");
    set(&mut fields, "deadline_high", "一週間");
    let refused = b.submit("/settings/scheme", &fields).await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("高・中・低それぞれの日数を数字で入力してください"));
    assert!(refused.contains("value=\"一週間\""), "the input comes back as typed");
    assert_eq!(
        app.municipality("432041").await.scheme.answer_deadlines.days,
        [14, 30, 60]
    );
}
