//! The public site (`/p/{code}`), its feeds and its API: nothing personal
//! reaches them, by value or by pattern; pages stay small and cacheable;
//! the iCal feeds read back with a parser that is not ours.

mod common;

use common::{Api, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Every public address of a municipality: the pages, a year of calendar
/// months, each event, each district's and body's page and feed, and the API.
async fn public_addresses(app: &TestApp, code: &str) -> Vec<String> {
    let web = app.anonymous();
    let get = |path: String| {
        let web = web.clone();
        let url = app.url(&path);
        async move { web.get(url).send().await.unwrap().json::<Vec<Value>>().await.unwrap() }
    };
    let mut paths = vec![
        format!("/p/{code}"),
        format!("/p/{code}?q=地区"),
        format!("/p/{code}/calendar.ics"),
        format!("/api/v1/public/{code}/areas"),
        format!("/api/v1/public/{code}/organisations"),
        format!("/api/v1/public/{code}/events?from=2026-04-01&limit=2000"),
        format!("/api/v1/public/{code}/reports?limit=500"),
        format!("/api/v1/public/{code}/roster"),
        format!("/api/v1/public/{code}/case-studies?limit=500"),
        format!("/p/{code}/case-studies"),
        format!("/p/{code}/feed.atom"),
        format!("/p/{code}/sitemap.xml"),
        format!("/p/{code}/case-studies?q=地区"),
    ];
    for month in [
        "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12", "2027-01",
        "2027-02", "2027-03",
    ] {
        paths.push(format!("/p/{code}/calendar?month={month}"));
    }
    for a in get(format!("/api/v1/public/{code}/areas")).await {
        paths.push(format!("/p/{code}/areas/{}", a["id"]));
        paths.push(format!("/p/{code}/areas/{}/calendar.ics", a["id"]));
    }
    for o in get(format!("/api/v1/public/{code}/organisations")).await {
        paths.push(format!("/p/{code}/organisations/{}", o["id"]));
        paths.push(format!("/p/{code}/organisations/{}/calendar.ics", o["id"]));
    }
    let muni = app.municipality(code).await.id;
    let issued = kyodo_store::events::annual::published(&app.db, muni).await.unwrap();
    assert!(!issued.is_empty(), "the demo issues a 年間行事カレンダー");
    for c in issued {
        paths.push(format!("/p/{code}/annual/{}", c.id));
        paths.push(format!("/p/{code}/annual/{}?size=a3", c.id));
    }
    let cases = get(format!("/api/v1/public/{code}/case-studies?limit=500")).await;
    assert!(!cases.is_empty(), "the demo publishes case studies");
    for c in cases {
        paths.push(format!("/p/{code}/case-studies/{}", c["id"]));
    }
    for e in get(format!("/api/v1/public/{code}/events?from=2026-04-01&limit=2000")).await {
        paths.push(format!("/p/{code}/events/{}", e["id"]));
    }
    paths
}

/// A phone number (0968-63-1111, 090-1234-5678) anywhere in the text.
fn phone_numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let mut groups = vec![0usize];
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '-') {
            if chars[i] == '-' {
                groups.push(0);
            } else {
                *groups.last_mut().unwrap() += 1;
            }
            i += 1;
        }
        let digits: usize = groups.iter().sum();
        if chars.get(start) == Some(&'0')
            && groups.len() == 3
            && groups.iter().all(|g| *g > 0)
            && (10..=11).contains(&digits)
        {
            found.push(chars[start..i].iter().collect());
        }
        i = i.max(start + 1);
    }
    found
}

/// An e-mail address: letters before and a dotted domain after an `@`. The
/// feeds' UIDs (`event-1@432041.kyodo`) name no one and are let through.
fn email_addresses(text: &str) -> Vec<String> {
    let word = |c: char| c.is_ascii_alphanumeric() || "._+-".contains(c);
    let mut found = Vec::new();
    for (at, _) in text.match_indices('@') {
        let local: String = text[..at].chars().rev().take_while(|c| word(*c)).collect();
        let domain: String = text[at + 1..].chars().take_while(|c| word(*c)).collect();
        if !local.is_empty() && domain.contains('.') && !domain.ends_with(".kyodo") {
            found.push(format!("{}@{domain}", local.chars().rev().collect::<String>()));
        }
    }
    found
}

#[test]
fn the_patterns_find_what_they_should() {
    assert_eq!(phone_numbers("電話 0968-63-1111 まで"), vec!["0968-63-1111"]);
    assert_eq!(phone_numbers("090-1234-5678"), vec!["090-1234-5678"]);
    assert!(phone_numbers("2026-11-21 と 令和8-1-1").is_empty());
    assert_eq!(email_addresses("mail: taro.y@example.jp。"), vec!["taro.y@example.jp"]);
    assert!(email_addresses("UID:event-3@432041.kyodo").is_empty());
}

#[tokio::test]
async fn public_pages_feeds_and_api_show_nothing_personal() {
    // The crawl is one client reading everything at once: no rate limit.
    let config = kyodo_web::Config {
        public_rate_limit: Some(0),
        // The sitemap needs the site's address.
        public_url: Some("https://kyodo.example.jp".into()),
        ..Default::default()
    };
    let app = TestApp::spawn_with(&["arao", "niimi"], config).await;
    let web = app.anonymous();
    for code in ["432041", "332101"] {
        let muni = app.municipality(code).await;
        let personal = kyodo_store::testing::personal_values(&app.db, muni.id).await.unwrap();
        // Short values (a one-letter note, 「有」) would match anything.
        // A 区長 who shares a name with a city employee on the (public) roster
        // cannot be told apart by value; the typed allow-list covers that case.
        let roster: Vec<Value> = web
            .get(app.url(&format!("/api/v1/public/{code}/roster")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let public_names: Vec<&str> = roster.iter().filter_map(|l| l["name"].as_str()).collect();
        let personal: Vec<(String, String)> = personal
            .into_iter()
            // Bare numbers (職員番号) turn up inside any timestamp; phones are caught by pattern.
            .filter(|(_, v)| v.chars().count() >= 4 && !v.chars().all(|c| c.is_ascii_digit()))
            .filter(|(_, v)| !public_names.contains(&v.as_str()))
            .collect();
        assert!(
            personal.iter().any(|(c, _)| c == "key_people.phone"),
            "the demo has key people to hide"
        );
        let paths = public_addresses(&app, code).await;
        assert!(paths.len() > 40, "{code}: {} public addresses", paths.len());
        for path in &paths {
            let res = web.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let html = res.headers()["content-type"].to_str().unwrap().starts_with("text/html");
            let body = res.text().await.unwrap();
            if html {
                assert!(body.len() < 50_000, "{path} is {} bytes", body.len());
                assert!(!body.contains("<script"), "{path} needs no script");
            }
            for (column, value) in &personal {
                assert!(!body.contains(value.as_str()), "{path} shows {column}: {value}");
            }
            assert_eq!(phone_numbers(&body), Vec::<String>::new(), "{path}");
            assert_eq!(email_addresses(&body), Vec::<String>::new(), "{path}");
        }
    }
}

#[tokio::test]
async fn an_unchanged_page_is_a_304_and_a_change_is_not() {
    let app = TestApp::spawn(&["arao"]).await;
    let web = app.anonymous();
    let url = app.url("/p/432041/calendar?month=2027-01");
    let first = web.get(&url).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(
        first.headers()["cache-control"],
        "public, no-cache",
        "kept, but asked again before reuse"
    );
    let again = web.get(&url).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.text().await.unwrap().is_empty());

    let coordinator = Api::new(&app, "arao-coordinator").await;
    let area = app.id_of(app.municipality("432041").await.id, "areas", "A01").await;
    let (status, _) = coordinator
        .send(
            "POST",
            "/events",
            Some(json!({"area_id": area, "kind": "festival", "title": "どんど焼き", "starts_on": "2027-01-10"})),
        )
        .await;
    assert_eq!(status, 201);
    let changed = web.get(&url).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert!(changed.text().await.unwrap().contains("どんど焼き"));
}

/// RFC 5545 §3.3.11: the writer escapes `\`, `;`, `,` and newlines.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn property<'a>(
    event: &'a ical::parser::ical::component::IcalEvent,
    name: &str,
) -> Option<&'a ical::property::Property> {
    event.properties.iter().find(|p| p.name == name)
}

/// Unfolds (RFC 5545 §3.1: a line break followed by one space or tab is
/// removed) before the parser reads it: `ical` trims each physical line's
/// end, which loses a space the writer rightly left before a fold.
fn parse_feed(text: &str) -> ical::parser::ical::component::IcalCalendar {
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
    let mut reader = ical::IcalParser::new(std::io::BufReader::new(unfolded.as_bytes()));
    let calendar = reader.next().expect("one calendar").expect("parses");
    assert!(reader.next().is_none());
    calendar
}

#[tokio::test]
async fn feeds_read_back_with_another_parser_changes_and_cancellations_included() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let area = app.id_of(muni, "areas", "A01").await;
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let long = "雨天の場合は翌週に延期します。持ち物: 軍手, ごみ袋; 飲み物\n集合は公民館前、解散は各自です。".repeat(4);
    let (status, created) = coordinator
        .send(
            "POST",
            "/events",
            Some(json!({
                "area_id": area, "kind": "cleanup", "title": "河川敷の清掃（春）", "starts_on": "2026-12-13",
                "start_time": "08:00", "end_time": "10:30", "place": "荒尾川河川敷", "description": long,
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (_, festival) = coordinator
        .send(
            "POST",
            "/events",
            Some(json!({"area_id": area, "kind": "festival", "title": "冬まつり", "starts_on": "2026-12-19", "ends_on": "2026-12-20"})),
        )
        .await;
    let (status, cancelled) = coordinator
        .send("PATCH", &format!("/events/{id}"), Some(json!({"status": "cancelled"})))
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["sequence"], 1);

    let text = app
        .anonymous()
        .get(app.url(&format!("/p/432041/areas/{area}/calendar.ics")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.lines().all(|l| l.len() <= 75), "lines are folded at 75 octets");
    assert!(text.contains("\r\n "), "the long description was folded");
    let calendar = parse_feed(&text);
    let zone = calendar.timezones.first().expect("a VTIMEZONE");
    assert!(zone.properties.iter().any(|p| p.value.as_deref() == Some("Asia/Tokyo")));
    let find = |uid: String| {
        calendar
            .events
            .iter()
            .find(|e| property(e, "UID").and_then(|p| p.value.clone()) == Some(uid.clone()))
            .unwrap_or_else(|| panic!("{uid} in the feed"))
    };
    let cleanup = find(format!("event-{id}@432041.kyodo"));
    let value = |e, name| unescape(property(e, name).and_then(|p| p.value.as_deref()).unwrap_or(""));
    assert_eq!(value(cleanup, "SUMMARY"), "河川敷の清掃（春）");
    let description = value(cleanup, "DESCRIPTION");
    assert!(
        description.contains(&long),
        "Japanese text, commas, semicolons and newlines survive: {description:?}"
    );
    assert_eq!(value(cleanup, "STATUS"), "CANCELLED");
    assert_eq!(value(cleanup, "SEQUENCE"), "1");
    let start = property(cleanup, "DTSTART").unwrap();
    assert_eq!(start.value.as_deref(), Some("20261213T080000"));
    let tzid = start
        .params
        .as_ref()
        .and_then(|ps| ps.iter().find(|(k, _)| k == "TZID"))
        .map(|(_, v)| v[0].clone());
    assert_eq!(tzid.as_deref(), Some("Asia/Tokyo"));

    let two_days = find(format!("event-{}@432041.kyodo", festival["id"]));
    assert_eq!(value(two_days, "DTSTART"), "20261219");
    assert_eq!(
        value(two_days, "DTEND"),
        "20261221",
        "an all-day end is the day after the last"
    );
}

#[tokio::test]
async fn a_body_enters_its_own_events_and_a_liaison_those_of_its_districts() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let own = app.id_of(muni, "organisations", "O001").await;
    let other = app.id_of(muni, "organisations", "O002").await;
    let area = app.id_of(muni, "areas", "A01").await;
    let far = app.id_of(muni, "areas", "A09").await;
    let community = Api::new(&app, "arao-community").await;
    let (status, e) = community
        .send(
            "POST",
            "/events",
            Some(json!({"area_id": area, "organisation_id": other, "kind": "salon", "title": "健康体操", "starts_on": "2026-12-01"})),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    assert_eq!(e["organisation_id"], own, "a community account speaks for its own body");
    let (status, list) = community.send("GET", "/events?fiscal_year=2026", None).await;
    assert_eq!(status, 200);
    assert!(list.as_array().unwrap().iter().all(|e| e["organisation_id"] == own));

    let liaison = Api::new(&app, "arao-liaison").await;
    let (status, refused) = liaison
        .send(
            "POST",
            "/events",
            Some(json!({"area_id": far, "kind": "cleanup", "title": "清掃", "starts_on": "2026-12-01"})),
        )
        .await;
    assert!(status == 409 || status == 422, "{status} {refused}");
    assert!(refused.to_string().contains("担当している地区"), "{refused}");

    // Members-only stays off the public calendar unless the body lists it; 傍聴可 is always on it.
    let (_, members) = community
        .send(
            "POST",
            "/events",
            Some(json!({"area_id": area, "kind": "meeting", "title": "役員だけの打合せ", "starts_on": "2026-12-02", "admission": "members"})),
        )
        .await;
    assert_eq!(members["public"], false);
    let (_, observed) = community
        .send(
            "POST",
            "/events",
            Some(json!({"area_id": area, "kind": "meeting", "title": "総会", "starts_on": "2026-12-03", "admission": "observers", "public": false})),
        )
        .await;
    assert_eq!(observed["public"], true, "傍聴可 implies listed publicly");
    let page = app
        .anonymous()
        .get(app.url("/p/432041/calendar?month=2026-12"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("総会") && !page.contains("役員だけの打合せ"));
}

#[tokio::test]
async fn a_meeting_open_to_observers_is_on_the_calendar_and_leaves_it_when_closed() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let area = app.id_of(muni, "areas", "A01").await;
    let liaison = Api::new(&app, "arao-liaison").await;
    let (status, m) = liaison
        .send(
            "POST",
            "/meetings",
            Some(json!({"area_id": area, "kind": "board", "title": "臨時役員会", "held_on": "2026-12-10", "observers_allowed": true, "minutes": "山田さんの件"})),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["public"], true, "傍聴可 implies 公開");
    let calendar = |app: &TestApp| {
        let url = app.url("/p/432041/calendar?month=2026-12");
        let web = app.anonymous();
        async move { web.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let page = calendar(&app).await;
    assert!(page.contains("臨時役員会") && page.contains("傍聴可"));
    assert!(!page.contains("山田さん"), "minutes never travel");
    let (status, _) = liaison
        .send(
            "PATCH",
            &format!("/meetings/{}", m["id"]),
            Some(json!({"observers_allowed": false, "public": false})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(!calendar(&app).await.contains("臨時役員会"));
}

#[tokio::test]
async fn the_team_publishes_a_report_and_can_withdraw_it() {
    let app = TestApp::spawn(&["arao"]).await;
    let web = app.anonymous();
    let (_, reports) = (
        200,
        web.get(app.url("/api/v1/public/432041/reports"))
            .send()
            .await
            .unwrap()
            .json::<Vec<Value>>()
            .await
            .unwrap(),
    );
    let shown = &reports[0];
    let id = shown["id"].as_i64().unwrap();
    for forbidden in ["body", "source_note", "plan_text", "internal_note"] {
        assert!(shown.get(forbidden).is_none(), "{forbidden} is not public");
    }
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let (status, _) = coordinator
        .send(
            "POST",
            &format!("/issues/{id}/publication"),
            Some(json!({"public": false})),
        )
        .await;
    assert_eq!(status, 200);
    let after: Vec<Value> = web
        .get(app.url("/api/v1/public/432041/reports"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(after.iter().all(|r| r["id"] != id));

    // An issue not yet reported cannot be published.
    let (_, open) = coordinator.send("GET", "/issues?status=received", None).await;
    let unreported = open["items"][0]["id"].as_i64().expect("an issue just received");
    let (status, refused) = coordinator
        .send(
            "POST",
            &format!("/issues/{unreported}/publication"),
            Some(json!({"public": true})),
        )
        .await;
    assert!(status == 409 || status == 422, "{status} {refused}");
    assert!(refused.to_string().contains("報告をしてから"), "{refused}");
    let department = Api::new(&app, "arao-department").await;
    let (status, _) = department
        .send(
            "POST",
            &format!("/issues/{id}/publication"),
            Some(json!({"public": true})),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn one_client_cannot_exhaust_the_public_site() {
    let config = kyodo_web::Config {
        public_rate_limit: Some(1),
        ..Default::default()
    };
    let app = TestApp::spawn_with(&["arao"], config).await;
    let web = app.anonymous();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(web.get(app.url("/api/v1/public/432041/areas")).send().await.unwrap());
    }
    let limited = statuses
        .iter()
        .position(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .expect("a 429");
    assert!(limited >= 4, "a burst is served first ({limited})");
    let refused = statuses.remove(limited);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "too_many_requests");
    // Staff pages are not counted against residents' reading.
    assert_eq!(
        web.get(app.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let page = web.get(app.url("/p/432041")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.text().await.unwrap().contains("アクセスが集中"));
}

#[tokio::test]
async fn a_community_account_enters_an_event_on_the_form() {
    let app = TestApp::spawn(&["arao"]).await;
    let community = app.login("arao-community").await;
    let page = community.get("/events/new").await.text().await.unwrap();
    let mut fields = common::form_fields(&page, "/events");
    let area = fields.iter().find(|(k, _)| k == "area_id").map(|(_, v)| v.clone());
    assert!(area.is_some_and(|a| !a.is_empty()), "the body's own district is chosen");
    for (name, value) in [
        ("kind", "cleanup"),
        ("title", "花壇植え"),
        ("starts_on", "令和8年12月12日"),
        ("start_time", "９：００"),
        ("end_time", "11:00"),
    ] {
        fields.retain(|(k, _)| k != name);
        fields.push((name.into(), value.into()));
    }
    let res = community.submit("/events", &fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    let shown = community.get(&to).await;
    assert_eq!(shown.status(), 200, "{to}");
    assert!(shown.text().await.unwrap().contains("公開ページに載っています"));
    let list = community.get("/events?fiscal_year=2026").await.text().await.unwrap();
    assert!(list.contains("花壇植え") && list.contains("09:00〜11:00"));
}

#[tokio::test]
async fn the_staff_calendar_filters_by_district_and_kind_or_shows_all() {
    let app = TestApp::spawn(&["arao"]).await;
    let coordinator = app.login("arao-coordinator").await;
    let all = coordinator.get("/events?area_id=&kind=&fiscal_year=2026").await;
    assert_eq!(all.status(), 200, "「（すべて）」 sends empty values");
    let all = all.text().await.unwrap();
    assert!(all.contains("いきいきサロン") && all.contains("地区一斉清掃"));
    let salons = coordinator
        .get("/events?kind=salon&fiscal_year=2026")
        .await
        .text()
        .await
        .unwrap();
    assert!(salons.contains("いきいきサロン") && !salons.contains("地区一斉清掃"));
}

#[tokio::test]
async fn a_busy_month_comes_in_pages_and_every_server_sees_a_change_at_once() {
    let config = kyodo_web::Config {
        public_rate_limit: Some(0),
        ..Default::default()
    };
    let app = TestApp::spawn_with(&["arao"], config.clone()).await;
    let other = app.another_server(config).await;
    let muni = app.municipality("432041").await.id;
    let area = app.id_of(muni, "areas", "A02").await;
    let path = "/p/432041/calendar?month=2027-01";
    // The second server has the month in its cache before anything changes.
    let before = other
        .anonymous()
        .get(other.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!before.contains("新春の集い"));
    let coordinator = Api::new(&app, "arao-coordinator").await;
    for i in 0..150 {
        let (status, e) = coordinator
            .send(
                "POST",
                "/events",
                Some(json!({"area_id": area, "kind": "salon", "title": format!("新春の集い{i:03}"), "starts_on": format!("2027-01-{:02}", 1 + i % 28)})),
            )
            .await;
        assert_eq!(status, 201, "{e}");
    }
    let first = other
        .anonymous()
        .get(other.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        first.contains("新春の集い"),
        "the other server's cached page went stale with the change"
    );
    assert!(first.len() < 50_000, "{} bytes", first.len());
    assert!(
        first.contains("1〜100件目") || first.contains("101〜"),
        "the month is split"
    );
    let second = other
        .anonymous()
        .get(other.url(&format!("{path}&page=2")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(second.len() < 50_000);
    let shown = |page: &str| (0..150).filter(|i| page.contains(&format!("新春の集い{i:03}"))).count();
    assert_eq!(
        shown(&first) + shown(&second),
        150,
        "every event is on one of the pages"
    );
}

/// The Atom feed carries what was published, newest first, and reads back
/// as Atom; the sitemap names every district with the site's address, and
/// is not served when kyodo was not told its address.
#[tokio::test]
async fn the_feed_and_the_sitemap_follow_what_is_published() {
    let config = kyodo_web::Config {
        public_url: Some("https://kyodo.example.jp/".into()),
        ..Default::default()
    };
    let app = TestApp::spawn_with(&["arao"], config).await;
    let web = app.anonymous();
    let muni = app.municipality("432041").await.id;
    let area = app.id_of(muni, "areas", "A01").await;
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let (status, made) = coordinator
        .send(
            "POST",
            "/case-studies",
            Some(
                json!({"area_id": area, "title": "空き家を地域の集会所に", "theme": "空き家",
                "problem": "空き家が増え、集まる場所がなかった。", "published": true}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let res = web.get(app.url("/p/432041/feed.atom")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let feed: atom_syndication::Feed = res.text().await.unwrap().parse().expect("Atom");
    let newest = &feed.entries()[0];
    assert_eq!(newest.title().as_str(), "空き家を地域の集会所に");
    assert_eq!(
        newest.links()[0].href(),
        format!("https://kyodo.example.jp/p/432041/case-studies/{}", made["id"])
    );
    assert!(
        feed.entries()
            .iter()
            .any(|e| e.categories()[0].term() == "地域への報告")
    );

    let sitemap = web
        .get(app.url("/p/432041/sitemap.xml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let areas: Vec<Value> = web
        .get(app.url("/api/v1/public/432041/areas"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for a in &areas {
        let loc = format!("<loc>https://kyodo.example.jp/p/432041/areas/{}</loc>", a["id"]);
        assert!(sitemap.contains(&loc), "{loc}");
    }
    assert!(sitemap.contains(&format!("/p/432041/case-studies/{}</loc>", made["id"])));

    let unaddressed = TestApp::spawn(&["arao"]).await;
    let res = unaddressed
        .anonymous()
        .get(unaddressed.url("/p/432041/sitemap.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// An organisation's contact point reaches its public page only once the
/// organisation marks one public; clearing it takes it off again.
#[tokio::test]
async fn an_organisation_shows_a_contact_point_only_when_it_publishes_one() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let org = app.id_of(muni, "organisations", "O001").await;
    let web = app.anonymous();
    let page =
        |web: reqwest::Client, url: String| async move { web.get(url).send().await.unwrap().text().await.unwrap() };
    let url = app.url(&format!("/p/432041/organisations/{org}"));
    assert!(!page(web.clone(), url.clone()).await.contains("<dt>問い合わせ</dt>"));
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let contact = "荒尾地区協議会事務局（荒尾公民館内）";
    let (status, body) = coordinator
        .send(
            "PATCH",
            &format!("/organisations/{org}"),
            Some(json!({"public_contact": contact})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(page(web.clone(), url.clone()).await.contains(contact));
    let listed: Vec<Value> = web
        .get(app.url("/api/v1/public/432041/organisations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed.iter().any(|o| o["contact"] == contact));
    let (status, _) = coordinator
        .send(
            "PATCH",
            &format!("/organisations/{org}"),
            Some(json!({"public_contact": null})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(!page(web, url).await.contains(contact));
}

/// A body publishes its adopted plan with its projects' progress and 部会
/// on its public page, and can take it off; a draft cannot be published.
#[tokio::test]
async fn a_body_publishes_its_adopted_plan_and_progress_not_a_draft() {
    let app = TestApp::spawn(&["niimi"]).await;
    let muni = app.municipality("332101").await.id;
    let web = app.anonymous();
    let reach = kyodo_store::plans::PlanReach::Bodies(kyodo_store::organisations::Visible::All);
    let plans = kyodo_store::plans::list(&app.db, muni, &reach, &Default::default(), 100)
        .await
        .unwrap();
    let adopted = plans
        .iter()
        .find(|p| p.plan.adopted() && p.plan.public && p.plan.kind == kyodo_core::plans::PlanKind::Annual)
        .expect("the demo publishes its adopted plans");
    let org = adopted.plan.organisation_id;
    let projects = kyodo_store::plans::projects(&app.db, muni, adopted.plan.id)
        .await
        .unwrap();
    let project = projects
        .iter()
        .find(|p| p.responsible.is_some())
        .expect("a project run by a 部会");
    let url = app.url(&format!("/p/332101/organisations/{org}"));
    let page = web.get(&url).send().await.unwrap().text().await.unwrap();
    let heading = format!("{}（{}）", adopted.plan.title, adopted.plan.period());
    assert!(page.contains(&heading) && page.contains(&project.name));
    assert!(page.contains("<dt>部会</dt>") && page.contains(project.responsible.as_deref().unwrap()));
    // A 将来計画 shows its summary: the text of its sections as adopted.
    let future = plans
        .iter()
        .find(|p| p.plan.organisation_id == org && p.plan.kind == kyodo_core::plans::PlanKind::Future && p.plan.public)
        .expect("the body's published 将来計画");
    let vision = future.plan.text.section("vision");
    assert!(!vision.is_empty());
    let shown = vision.lines().next().unwrap().trim();
    assert!(page.contains("<dt>目指す姿</dt>") && page.contains(shown), "{shown}");

    let coordinator = Api::new(&app, "niimi-coordinator").await;
    let path = format!("/plans/{}/publication", adopted.plan.id);
    let (status, body) = coordinator.send("POST", &path, Some(json!({"public": false}))).await;
    assert_eq!(status, 200, "{body}");
    let page = web.get(&url).send().await.unwrap().text().await.unwrap();
    // Last year's plan, still published, may share project names: this plan's heading is gone.
    assert!(!page.contains(&heading), "taken off at once");

    // A draft is the body's own business until its 総会 adopts it.
    let draft = kyodo_store::plans::create(
        &app.db,
        &kyodo_store::audit::Actor::command_line(muni),
        &kyodo_core::plans::PlanInput {
            organisation_id: org,
            kind: kyodo_core::plans::PlanKind::Annual,
            title: "来年度の事業計画（案）".into(),
            first_year: 2027,
            last_year: 2027,
            text: Default::default(),
            adopted_on: None,
            adopted_by: None,
            change_reason: None,
        },
    )
    .await
    .unwrap();
    let (status, refused) = coordinator
        .send(
            "POST",
            &format!("/plans/{}/publication", draft.plan.id),
            Some(json!({"public": true})),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("議決"));
}
