//! The audit log page as a system admin reads it: sentences naming who did
//! what to which record, filters that narrow it, and no personal data.

mod common;

use common::TestApp;

async fn audit_page(admin: &common::Browser, query: &str) -> (u16, String) {
    let res = admin.get(&format!("/audit{query}")).await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

#[tokio::test]
async fn a_coordinators_change_reads_as_a_sentence_and_the_filters_narrow_the_list() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let area = app.id_of(muni, "areas", "A02").await;
    let org = app.id_of(muni, "organisations", "O001").await;
    let coordinator = kyodo_store::accounts::by_login(&app.db, "arao-coordinator")
        .await
        .unwrap()
        .unwrap();
    let admin_account = kyodo_store::accounts::by_login(&app.db, "arao-admin")
        .await
        .unwrap()
        .unwrap();

    let b = app.login("arao-coordinator").await;
    let before = kyodo_store::areas::get(&app.db, muni, area).await.unwrap().area;
    let res = b
        .post(
            &format!("/areas/{area}"),
            &[
                ("version", &before.version.to_string()),
                ("code", "A02"),
                ("name", "万田ニュータウン"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A key person's name is personal data: the log names the record, never the person.
    let res = b
        .post(
            &format!("/organisations/{org}/key-people"),
            &[("name", "秘密 花子"), ("phone", "0968-00-0000")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = b.get(&format!("/organisations/{org}")).await;
    assert!(
        res.text().await.unwrap().contains("秘密 花子"),
        "the coordinator sees the key person"
    );

    let admin = app.login("arao-admin").await;
    let (status, page) = audit_page(&admin, "").await;
    assert_eq!(status, 200);
    let actor = format!("{}（arao-coordinator）", coordinator.display_name);
    let sentence = format!("{actor} が <a href=\"/areas/{area}\">地区「万田ニュータウン」</a> を更新");
    assert!(
        page.contains(&sentence),
        "the sentence names actor, type and target: {page}"
    );
    assert!(
        page.contains(&format!("名称: {} → 万田ニュータウン", before.name)),
        "the changed field by its Japanese label"
    );
    assert!(page.contains("キーパーソン #"), "the key person is named by number");
    assert!(!page.contains("秘密 花子"), "a key person's name never appears");
    assert!(!page.contains("0968-00-0000"));
    assert!(page.contains("令和"), "times in 和暦");
    assert!(
        page.contains("個人情報に届くアカウントの作成"),
        "the grants table stays on top"
    );

    // By person: the coordinator's entries only.
    let (_, mine) = audit_page(&admin, &format!("?user={}", coordinator.id)).await;
    assert!(mine.contains(&sentence));
    assert!(
        !mine.contains("（arao-admin） が"),
        "the admin's own login is filtered out"
    );
    let (_, theirs) = audit_page(&admin, &format!("?user={}", admin_account.id)).await;
    assert!(!theirs.contains(&sentence));
    assert!(theirs.contains("（arao-admin） が ログイン"));

    // By record type, chosen by its Japanese name.
    let (_, areas) = audit_page(&admin, "?entity=areas").await;
    assert!(areas.contains("<option value=\"areas\" selected>地区</option>"));
    assert!(areas.contains(&sentence));
    assert!(!areas.contains("キーパーソン #"));
    let (_, people) = audit_page(&admin, "?entity=key_people").await;
    assert!(!people.contains(&sentence) && people.contains("キーパーソン #"));

    // By period, typed in 和暦 or 西暦 (Japan time).
    let day = kyodo_core::wareki::jst_date(chrono::Utc::now());
    let wareki = kyodo_core::wareki::format_date_wareki(day);
    let (_, todays) = audit_page(&admin, &format!("?from={wareki}&to={wareki}")).await;
    assert!(todays.contains(&sentence), "today's change is within today");
    let tomorrow = day.succ_opt().unwrap().format("%Y-%m-%d");
    let yesterday = day.pred_opt().unwrap().format("%Y/%m/%d");
    let (_, later) = audit_page(&admin, &format!("?from={tomorrow}")).await;
    assert!(!later.contains(&sentence) && later.contains(">0件<"));
    let (_, earlier) = audit_page(&admin, &format!("?to={yesterday}")).await;
    assert!(!earlier.contains(&sentence));

    // The next page keeps the filters: the demo's history is longer than a page.
    let (_, first) = audit_page(&admin, "?from=R1.5.1&action=").await;
    let next = first
        .split("<p><a href=\"")
        .find(|s| s.contains("\">さらに古い記録"))
        .expect("a link to older entries");
    assert!(next.starts_with("/audit?") && next.contains("from=R1.5.1") && next.contains("after="));
    let (status, second) = audit_page(
        &admin,
        &next["/audit".len()..next.find('"').unwrap()].replace("&#38;", "&"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        second.contains("value=\"R1.5.1\""),
        "the filter is still set on the next page"
    );
    // Paged by key (the link), the next page holds what page 2 by number does.
    let (_, by_number) = audit_page(&admin, "?from=R1.5.1&action=&page=2").await;
    let log = |page: &str| {
        let start = page.find("<ol class=\"timeline audit-log\"").expect("the log");
        page[start..start + page[start..].find("</ol>").expect("its end")].to_owned()
    };
    assert!(log(&second).contains("<li>"), "the second page is not empty");
    assert_eq!(log(&second), log(&by_number));
}

#[tokio::test]
async fn a_bad_date_comes_back_with_a_japanese_message_beside_the_field() {
    let app = TestApp::spawn(&["arao"]).await;
    let admin = app.login("arao-admin").await;
    let (status, page) = audit_page(
        &admin,
        "?from=%E4%BB%A4%E5%92%8C8%E5%B9%B42%E6%9C%8830%E6%97%A5&entity=areas",
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"from-error\""), "the message is beside the field");
    assert!(page.contains("存在しない日付です"));
    assert!(page.contains("value=\"令和8年2月30日\""), "the date typed is kept");
    assert!(
        page.contains("<option value=\"areas\" selected>"),
        "the other filters are kept"
    );
}

#[tokio::test]
async fn an_issue_step_names_the_issue_and_the_step() {
    let d = common::demo().await;
    let liaison = common::Api::new(&d.app, "arao-liaison").await;
    let (status, issue) = liaison
        .send("POST", "/issues", Some(common::intake(d.area, d.org, "道路の穴")))
        .await;
    assert_eq!(status, 201, "{issue}");
    let id = issue["id"].as_i64().unwrap();
    let admin = d.app.login("arao-admin").await;
    let (_, page) = audit_page(&admin, "?entity=issues").await;
    // A system admin may not read issues: the issue is named, not linked.
    assert!(
        page.contains(&format!("（arao-liaison） が 課題 No.{id}「道路の穴」 の受付を記録")),
        "{page}"
    );
    assert!(!page.contains(&format!("href=\"/issues/{id}\"")));
    assert!(page.contains("状況: 受付（整理待ち）"));
}
