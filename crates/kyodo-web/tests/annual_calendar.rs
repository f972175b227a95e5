//! The printed 年間行事カレンダー: the lead opens a district's calendar for
//! next 年度 with an entry deadline and contact points, a body enters its
//! events, the lead adds the advertisement boxes and issues it; the sheet
//! has twelve months, every public event of the 年度 in its month, the
//! contacts and the adverts, and residents find it on the public site,
//! where a late addition still shows.

mod common;

use common::{Api, TestApp, form_fields};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_district_calendar_is_collected_issued_and_printed() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let area = app.id_of(muni, "areas", "A01").await;
    let liaison = app.login("arao-liaison").await;

    // The liaison opens the district's calendar for next 年度 (令和9年度).
    let form = liaison.get("/events/annual/new").await.text().await.unwrap();
    let mut fields = form_fields(&form, "/events/annual");
    let set = |fields: &mut Vec<(String, String)>, name: &str, value: &str| {
        fields.retain(|(k, _)| k != name);
        fields.push((name.into(), value.into()));
    };
    set(&mut fields, "area_id", &area.to_string());
    set(&mut fields, "organisation_id", "");
    set(&mut fields, "entry_deadline", "令和9年2月28日");
    set(
        &mut fields,
        "contact_points",
        "荒尾地区協議会事務局（荒尾公民館内）\n市 くらしいき課",
    );
    let res = liaison.submit("/events/annual", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let at = res.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = liaison.get(&at).await.text().await.unwrap();
    assert!(
        page.contains("令和9年度 年間行事カレンダー") && page.contains("受付中（令和9年2月28日まで）"),
        "{page}"
    );
    // A second calendar of the same district and 年度 is refused, the typed input kept.
    let again = liaison.submit("/events/annual", &fields).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("この年度のカレンダーはすでにあります")
    );

    // The body enters its summer festival for next year.
    let community = Api::new(&app, "arao-community").await;
    let (status, body) = community
        .send(
            "POST",
            "/events",
            Some(json!({"area_id": area, "kind": "festival", "title": "令和9年 夏祭り",
                "starts_on": "2027-08-14", "place": "荒尾公民館"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // An advertisement box: a fee written 全角 is read, a box without its sponsor is refused.
    let bad = liaison
        .post(&format!("{at}/adverts"), &[("sponsor", ""), ("fee", "3000")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("広告主"));
    let ok = liaison
        .post(
            &format!("{at}/adverts"),
            &[("sponsor", "荒尾商店"), ("text", "地域の台所"), ("fee", "５，０００")],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let page = liaison.get(&at).await.text().await.unwrap();
    assert!(
        page.contains("荒尾商店") && page.contains("5,000円"),
        "the income is accounted for"
    );

    // Before it is issued the sheet says so; the public site does not have it yet.
    let id = at.rsplit('/').next().unwrap();
    let sheet = liaison.get(&format!("{at}/print")).await.text().await.unwrap();
    assert!(sheet.contains("案（受付中）"));
    let web = app.anonymous();
    let public = app.url(&format!("/p/432041/annual/{id}"));
    assert_eq!(web.get(&public).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Issued: the sheet has its twelve months, the festival in August, the contacts and the advert.
    let issued = liaison.post(&format!("{at}/publish"), &[]).await;
    assert_eq!(issued.status(), StatusCode::SEE_OTHER);
    let sheet = liaison.get(&format!("{at}/print?size=a3")).await.text().await.unwrap();
    assert!(sheet.contains("annual--a3") && sheet.contains("発行"));
    assert_eq!(sheet.matches("class=\"annual__month\"").count(), 12);
    let august = sheet
        .split("id=\"month-8\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        august.contains("令和9年 夏祭り") && august.contains("14日(土)"),
        "{august}"
    );
    assert!(sheet.contains("荒尾地区協議会事務局（荒尾公民館内）") && sheet.contains("荒尾商店"));

    // Residents read it, without a script; a late addition shows there too.
    let (status, _) = community
        .send(
            "POST",
            "/events",
            Some(json!({"area_id": area, "kind": "cleanup", "title": "追加の清掃活動",
                "starts_on": "2027-10-03"})),
        )
        .await;
    assert_eq!(status, 201);
    let res = web.get(&public).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(text.contains("令和9年 夏祭り") && text.contains("追加の清掃活動"));
    assert!(!text.contains("<script"));
}

#[tokio::test]
async fn a_body_keeps_its_own_calendar_and_no_other() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let own = app.id_of(muni, "organisations", "O001").await;
    let community = app.login("arao-community").await;
    let form = community.get("/events/annual/new").await.text().await.unwrap();
    assert!(!form.contains("name=\"area_id\""), "a body's calendar is its own");
    let mut fields = form_fields(&form, "/events/annual");
    // Whatever it sends, the calendar is the body's own.
    fields.push(("organisation_id".into(), "999999".into()));
    let res = community.submit("/events/annual", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let at = res.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = community.get(&at).await.text().await.unwrap();
    let name = kyodo_store::organisations::get(&app.db, muni, own)
        .await
        .unwrap()
        .organisation
        .name;
    assert!(page.contains(&name));
    // Department staff read calendars but keep none.
    let department = app.login("arao-department").await;
    assert_eq!(department.get("/events/annual").await.status(), StatusCode::OK);
    assert_eq!(
        department.get("/events/annual/new").await.status(),
        StatusCode::FORBIDDEN
    );
}
