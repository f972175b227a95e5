//! The issue workflow over HTTP, as the demo's people use it: a liaison
//! takes an issue in and the team decides, the department answers, the
//! liaison reports back, the community reads the answer — with the refusals
//! and the views of each role.

mod common;

use common::{Api, demo, intake};
use serde_json::{Value, json};

#[tokio::test]
async fn from_intake_to_the_community_reading_the_answer() {
    let d = demo().await;
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let department = Api::new(&d.app, "arao-department").await;
    let community = Api::new(&d.app, "arao-community").await;

    let (status, created) = liaison
        .send("POST", "/issues", Some(intake(d.area, d.org, "街灯が切れている")))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["status"], "received");

    // Sorting: city work, routed to two departments.
    let (status, sorted) = liaison
        .act(
            id,
            json!({"action": "sort", "responsibility": "city", "departments": [d.doboku, d.fukushi], "version": 1}),
        )
        .await;
    assert_eq!(status, 200, "{sorted}");
    assert_eq!(sorted["status"], "sorted");
    // Departments see nothing until the team has decided.
    let (status, _) = department.send("GET", &format!("/issues/{id}"), None).await;
    assert_eq!(status, 403);

    for (action, next) in [
        ("draft", "drafted"),
        ("review", "reviewed"),
        ("decide", "awaiting_answer"),
    ] {
        let (status, body) = liaison
            .act(id, json!({"action": action, "text": "土木課と福祉課に照会する"}))
            .await;
        assert_eq!(status, 200, "{action}: {body}");
        assert_eq!(body["status"], next);
    }
    // Reporting back before every department has answered is refused, in Japanese.
    let (status, body) = liaison
        .act(id, json!({"action": "report_back", "method": "oral"}))
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["message"], "部署の回答がそろってから地域へ報告してください");

    // Routed now: the department finds it by searching, as its own.
    let (_, found) = department.send("GET", "/issues?q=%E8%A1%97%E7%81%AF", None).await;
    assert!(
        found["items"].as_array().unwrap().iter().any(|i| i["id"] == id),
        "{found}"
    );
    // The department's inbox has it; it answers for itself only.
    let (_, inbox) = department
        .send("GET", &format!("/issues?department_id={}&pending=true", d.doboku), None)
        .await;
    assert!(
        inbox["items"].as_array().unwrap().iter().any(|i| i["id"] == id),
        "{inbox}"
    );
    let (status, body) = department
        .act(
            id,
            // Naming another department changes nothing: staff answer for their own.
            json!({"action": "answer", "department_id": d.fukushi, "stance": "will_act", "answer_text": "12月中にLED灯へ交換します",
                   "expected_on": "2026-12-25", "internal_note": "予算は修繕費から"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "awaiting_answer", "福祉課 has not answered yet");
    // 福祉課 moves it on to 土木課's neighbour: a reroute records who, why and when.
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let (status, body) = coordinator
        .act(
            id,
            json!({"action": "reroute", "from_department_id": d.fukushi, "to_department_id": d.doboku, "reason": "所管違い"}),
        )
        .await;
    assert_eq!(status, 409, "土木課 already has it: {body}");
    let (status, body) = coordinator
        .act(
            id,
            json!({"action": "answer", "department_id": d.fukushi, "stance": "considering", "answer_text": "見守り活動と連携して検討します"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "to_report");

    let (status, body) = liaison
        .act(
            id,
            json!({"action": "report_back", "method": "officer_meeting", "reported_on": "2026-11-20", "text": "役員会で回答を伝えた"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "reported");

    // The community reads the public answer, never the internal note or the team's plan.
    let (status, public) = community.send("GET", &format!("/issues/{id}"), None).await;
    assert_eq!(status, 200);
    let text = public.to_string();
    assert!(text.contains("12月中にLED灯へ交換します"), "{text}");
    assert!(!text.contains("予算は修繕費から"), "internal note leaked: {text}");
    assert!(
        !text.contains("plan_text") && !text.contains("土木課と福祉課に照会する"),
        "{text}"
    );
    assert_eq!(public["status"], "報告済み");
    let (_, history) = community.send("GET", &format!("/issues/{id}/history"), None).await;
    let labels: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["label"].as_str().unwrap())
        .collect();
    assert!(!labels.contains(&"方針案の作成"), "team steps are internal: {labels:?}");
    assert!(labels.contains(&"地域への報告"));

    // Staff see the whole history, with who did what.
    let (_, history) = liaison.send("GET", &format!("/issues/{id}/history"), None).await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "intake",
            "sort",
            "draft",
            "review",
            "decide",
            "answer",
            "answer",
            "report_back"
        ]
    );
    let (status, closed) = liaison.act(id, json!({"action": "close"})).await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("closed")));
}

#[tokio::test]
async fn refused_transitions_say_why_and_change_nothing() {
    let d = demo().await;
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let (_, created) = liaison
        .send("POST", "/issues", Some(intake(d.area, d.org, "ごみ集積所")))
        .await;
    let id = created["id"].as_i64().unwrap();
    let cases = [
        (
            json!({"action": "decide", "text": "決定"}),
            409,
            "「受付（整理待ち）」の課題では「対応方針の決定」はできません",
        ),
        (
            json!({"action": "answer", "stance": "considering", "answer_text": "x"}),
            403,
            "",
        ),
        (json!({"action": "close"}), 409, "理由"),
        (json!({"action": "reopen", "reason": "再開"}), 409, "完了した課題だけ"),
        (json!({"action": "sort", "responsibility": "city"}), 409, "担当部署"),
        (json!({"action": "fly"}), 422, "次のいずれか"),
        (json!({"action": "draft"}), 422, "必須"),
    ];
    for (body, want, says) in cases {
        let (status, res) = liaison.act(id, body.clone()).await;
        assert_eq!(status, want, "{body} → {res}");
        assert!(res.to_string().contains(says), "{body} → {res}");
    }
    let (_, now) = liaison.send("GET", &format!("/issues/{id}"), None).await;
    assert_eq!(
        (now["status"].as_str(), now["version"].as_i64()),
        (Some("received"), Some(1))
    );
    // Two people at once: the second gets a conflict, not a silent overwrite.
    let sort = json!({"action": "sort", "responsibility": "community", "version": 1});
    assert_eq!(liaison.act(id, sort.clone()).await.0, 200);
    let (status, res) = liaison.act(id, sort).await;
    assert_eq!(status, 409);
    assert_eq!(res["code"], "conflict");
}

#[tokio::test]
async fn each_role_sees_only_its_issues() {
    let d = demo().await;
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let (_, mine) = coordinator
        .send("POST", "/issues", Some(intake(d.area, d.org, "防災倉庫の点検")))
        .await;
    let (status, other) = coordinator
        .send(
            "POST",
            "/issues",
            Some(json!({"kind": "issue", "title": "防災訓練の参加者", "body": "少ない", "category": "防災", "area_id": d.other_area})),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    let (mine, other) = (mine["id"].as_i64().unwrap(), other["id"].as_i64().unwrap());
    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    };
    for (login, sees_mine, sees_other) in [
        ("arao-coordinator", true, true),
        ("arao-liaison", true, false),
        ("arao-community", true, false),
        ("arao-department", false, false),
    ] {
        let api = Api::new(&d.app, login).await;
        let (status, list) = api.send("GET", "/issues?q=%E9%98%B2%E7%81%BD&per_page=500", None).await;
        assert_eq!(status, 200, "{login}");
        let found = ids(&list);
        assert_eq!(found.contains(&mine), sees_mine, "{login}: {found:?}");
        assert_eq!(found.contains(&other), sees_other, "{login}: {found:?}");
        let (status, _) = api.send("GET", &format!("/issues/{other}"), None).await;
        assert_eq!(status == 200, sees_other, "{login} GET other: {status}");
    }
    // The system admin runs accounts, not districts.
    let admin = Api::new(&d.app, "arao-admin").await;
    assert_eq!(admin.send("GET", "/issues", None).await.0, 403);
    // A community account's issue is always its own organisation's, whatever it sends.
    let community = Api::new(&d.app, "arao-community").await;
    let (status, sent) = community
        .send("POST", "/issues", Some(intake(d.other_area, 999_999, "公園の遊具")))
        .await;
    assert_eq!(status, 201, "{sent}");
    assert!(
        sent.get("area_id").is_none() && sent.get("plan_text").is_none(),
        "the community gets the public view: {sent}"
    );
    let (_, full) = coordinator.send("GET", &format!("/issues/{}", sent["id"]), None).await;
    assert_eq!(full["organisation_id"], d.org);
    assert_eq!(full["area_id"], d.area);
    assert_eq!(full["source"], "community_form");
    // Liaison staff take issues in for their own districts only.
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let (status, body) = liaison
        .send("POST", "/issues", Some(intake(d.other_area, d.org, "よその地区")))
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["errors"][0]["field"], "area_id");
}

#[tokio::test]
async fn search_finds_two_character_words_in_any_width_or_kana() {
    let d = demo().await;
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let (_, a) = coordinator
        .send(
            "POST",
            "/issues",
            Some(json!({"kind": "request", "title": "ｶｰﾌﾞﾐﾗｰの設置", "body": "側溝の脇", "category": "交通", "area_id": d.area})),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    for q in ["カーブミラー", "かーぶみらー", "側溝"] {
        let (_, list) = coordinator
            .send("GET", &format!("/issues?q={}", urlencode(q)), None)
            .await;
        let found: Vec<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert!(found.contains(&id), "{q}: {found:?}");
    }
    let (_, similar) = coordinator
        .send(
            "GET",
            &format!("/issues/similar?text={}", urlencode("カーブミラーがほしい")),
            None,
        )
        .await;
    assert_eq!(similar[0]["id"], id, "{similar}");
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn a_page_form_with_a_mistake_comes_back_with_the_input_and_the_message() {
    let d = demo().await;
    let liaison = d.app.login("arao-liaison").await;
    let res = liaison
        .post(
            "/issues",
            &[
                ("kind", "要望"),
                ("title", "バス停のベンチ"),
                ("body", "立って待つのがつらい"),
                ("category", "交通"),
                ("area_id", &d.area.to_string()),
                ("received_on", "令和9年1月1日"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("受付日に未来の日付は指定できません"),
        "message beside the field"
    );
    assert!(page.contains("立って待つのがつらい"), "the typed text is kept");

    let res = liaison
        .post(
            "/issues",
            &[
                ("kind", "要望"),
                ("title", "バス停のベンチ"),
                ("body", "立って待つのがつらい"),
                ("category", "交通"),
                ("area_id", &d.area.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let href = res.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = href
        .trim_start_matches("/issues/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let page = liaison.get(&format!("/issues/{id}")).await.text().await.unwrap();
    assert!(page.contains("整理する（役割分担）"), "the next step is offered");
    // A sort for the city without a department: the form comes back open with the message.
    let res = liaison
        .post(
            &format!("/issues/{id}/transitions"),
            &[
                ("action", "sort"),
                ("responsibility", "city"),
                ("comment", "急ぎ"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("担当部署を1つ以上選んでください"));
    assert!(page.contains("急ぎ"));
    // Chosen departments come as repeated form fields.
    let d1 = d.doboku.to_string();
    let d2 = d.fukushi.to_string();
    let res = liaison
        .post(
            &format!("/issues/{id}/transitions"),
            &[
                ("action", "sort"),
                ("responsibility", "joint"),
                ("departments", &d1),
                ("departments", &d2),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = liaison.get(&format!("/issues/{id}")).await.text().await.unwrap();
    assert!(
        page.contains("土木課") && page.contains("福祉課") && page.contains("回付予定"),
        "both planned"
    );
}

#[tokio::test]
async fn the_team_steps_follow_the_positions_in_the_scheme() {
    let d = demo().await;
    let muni = d.app.municipality("432041").await.id;
    // The 一般職員 of the demo liaison's district: may draft, may not review.
    let appointments = kyodo_store::appointments::for_area(&d.app.db, muni, d.area, common::today())
        .await
        .unwrap();
    let staff_member = appointments
        .iter()
        .find(|a| a.position_key == "staff")
        .expect("a 一般職員")
        .staff_id;
    common::liaison_account(&d.app, muni, "arao-junior", staff_member).await;
    let junior = Api::new(&d.app, "arao-junior").await;
    let (_, created) = junior
        .send("POST", "/issues", Some(intake(d.area, d.org, "水路の泥上げ")))
        .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        junior
            .act(id, json!({"action": "sort", "responsibility": "community"}))
            .await
            .0,
        200
    );
    assert_eq!(
        junior
            .act(id, json!({"action": "draft", "text": "地区の共同作業で"}))
            .await
            .0,
        200
    );
    let (status, body) = junior
        .act(id, json!({"action": "review", "text": "地区の共同作業で"}))
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["message"], "「方針案の確認」は課長補佐・係長級・課長級の担当です");
    // The 課長級 (the demo liaison) reviews, sends it back with a comment, and it returns to the drafter.
    let manager = Api::new(&d.app, "arao-liaison").await;
    let (status, body) = manager
        .act(id, json!({"action": "send_back", "comment": "日程を入れて"}))
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("sorted")), "{body}");
}

#[tokio::test]
async fn the_home_page_is_an_inbox_of_what_waits_for_each_role() {
    let d = demo().await;
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let (_, created) = liaison
        .send("POST", "/issues", Some(intake(d.area, d.org, "市道の陥没")))
        .await;
    let id = created["id"].as_i64().unwrap();
    let department = d.app.login("arao-department").await;
    let before = department.get("/").await.text().await.unwrap();
    assert!(before.contains("回答待ちの課題"), "{before}");
    let pending = |page: &str| -> i64 {
        let at = page.find("回答待ちの課題").unwrap();
        let tail = &page[at..];
        let start = tail.find("\">").unwrap() + 2;
        let n: String = tail[start..].chars().take_while(|c| c.is_ascii_digit()).collect();
        n.parse().unwrap()
    };
    let n = pending(&before);
    liaison
        .act(
            id,
            json!({"action": "sort", "responsibility": "city", "departments": [d.doboku]}),
        )
        .await;
    for action in ["draft", "review", "decide"] {
        assert_eq!(liaison.act(id, json!({"action": action, "text": "補修"})).await.0, 200);
    }
    let after = department.get("/").await.text().await.unwrap();
    assert_eq!(pending(&after), n + 1, "the decision lands in the department's inbox");
    let list = department.get("/issues?pending=true").await.text().await.unwrap();
    assert!(list.contains(&format!("/issues/{id}\"")), "the inbox link lists it");
    // The liaison's home shows the team's own queue.
    let home = d.app.login("arao-liaison").await.get("/").await.text().await.unwrap();
    assert!(home.contains("整理待ちの課題") && home.contains("地域への報告待ち"));
}

#[tokio::test]
async fn the_filtered_list_exports_to_csv_for_excel() {
    let d = demo().await;
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let (_, created) = coordinator
        .send("POST", "/issues", Some(intake(d.area, d.org, "防犯灯〜通学路")))
        .await;
    let id = created["id"].as_i64().unwrap();
    let res = coordinator
        .request(
            reqwest::Method::GET,
            "/issues/export?category=%E9%98%B2%E7%8A%AF&encoding=cp932",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("shift_jis"));
    let bytes = res.bytes().await.unwrap();
    let (text, enc) = kyodo_core::encoding::decode_csv(&bytes).unwrap();
    assert_eq!(enc, kyodo_core::encoding::TextEncoding::Cp932);
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("受付番号,受付日,年度,種別,件名"));
    let ours = text
        .lines()
        .find(|l| l.starts_with(&format!("{id},")))
        .expect("the new issue is in the file");
    assert!(ours.contains("防犯灯～通学路"), "WAVE DASH written as ～: {ours}");
    // One record per issue the same filter lists (a record starts with its number and date).
    let records = text
        .lines()
        .filter(|l| {
            let mut f = l.split(',');
            f.next().is_some_and(|n| n.parse::<i64>().is_ok())
                && f.next().is_some_and(|d| d.len() == 10 && d.starts_with("20"))
        })
        .count();
    let (_, list) = coordinator
        .send("GET", "/issues?category=%E9%98%B2%E7%8A%AF&per_page=500", None)
        .await;
    assert_eq!(records as i64, list["total"].as_i64().unwrap());
    // The page's link carries the list's filters.
    let page = d
        .app
        .login("arao-coordinator")
        .await
        .get("/issues?category=%E9%98%B2%E7%8A%AF")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("/issues/export.csv?category=%E9%98%B2%E7%8A%AF"),
        "export link with the filter"
    );
}

#[tokio::test]
async fn a_map_link_pasted_at_intake_becomes_the_issue_point() {
    let d = demo().await;
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let mut body = intake(d.area, d.org, "倒木が道をふさいでいる");
    body["map_point"] = json!("https://maps.gsi.go.jp/#16/32.987000/130.433000/");
    let (status, created) = liaison.send("POST", "/issues", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["latitude"], 32.987);
    assert_eq!(created["longitude"], 130.433);
    let page = d
        .app
        .login("arao-liaison")
        .await
        .get(&format!("/issues/{}", created["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("https://maps.gsi.go.jp/#17/32.987000/130.433000/"),
        "{page}"
    );

    let mut body = intake(d.area, d.org, "倒木");
    body["map_point"] = json!("市役所の裏");
    let (status, refused) = liaison.send("POST", "/issues", Some(body)).await;
    assert_eq!(status, 409);
    assert!(
        refused.to_string().contains("地図の位置を読み取れませんでした"),
        "{refused}"
    );
}

/// A community account's title that Excel would run as a formula through a
/// leading `-` reaches the coordinator's CSV as text, not as a formula.
#[tokio::test]
async fn a_formula_behind_a_leading_minus_is_defused_in_the_export() {
    let d = demo().await;
    let community = Api::new(&d.app, "arao-community").await;
    let mut body = intake(d.area, d.org, "-1+1+cmd|' /C calc'!A0");
    body.as_object_mut()
        .unwrap()
        .retain(|k, _| ["kind", "title", "body", "category"].contains(&k.as_str()));
    let (status, created) = community.send("POST", "/issues", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let res = coordinator
        .request(reqwest::Method::GET, "/issues/export")
        .send()
        .await
        .unwrap();
    let text = res.text().await.unwrap();
    let ours = text
        .lines()
        .find(|l| l.starts_with(&format!("{id},")))
        .expect("the issue is in the file");
    assert!(ours.contains(",'-1+1+cmd|"), "prefixed with a quote: {ours}");
}

#[tokio::test]
async fn search_finds_variant_kanji_either_way_in_issues_and_staff() {
    let d = common::demo().await;
    let liaison = common::Api::new(&d.app, "arao-liaison").await;
    let (status, issue) = liaison
        .send(
            "POST",
            "/issues",
            Some(common::intake(d.area, d.org, "髙橋さん宅前の街灯が切れている")),
        )
        .await;
    assert_eq!(status, 201, "{issue}");
    for q in ["高橋", "髙橋"] {
        let (_, found) = liaison.send("GET", &format!("/issues?q={}", urlencode(q)), None).await;
        assert!(
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == issue["id"]),
            "{q} finds 髙橋: {found}"
        );
    }
    let coordinator = common::Api::new(&d.app, "arao-coordinator").await;
    let count = |q: &'static str| {
        let api = &coordinator;
        async move {
            api.send("GET", &format!("/staff?per_page=500&q={}", urlencode(q)), None)
                .await
                .1["total"]
                .as_u64()
                .unwrap()
        }
    };
    let (usual, variant) = (count("山崎").await, count("山﨑").await);
    assert!(usual > 0, "the demo's 山﨑 are found by 山崎");
    assert_eq!(usual, variant, "either spelling finds the same people");
}

/// Staff and organisations are searched through their bigram index: one
/// character finds a name that holds it anywhere, a reading finds in
/// hiragana what is stored in katakana, a 職員番号 is found by its digits,
/// and a name changed is found by its new name only.
#[tokio::test]
async fn staff_and_organisations_are_found_by_any_part_of_their_names() {
    let d = common::demo().await;
    let coordinator = common::Api::new(&d.app, "arao-coordinator").await;
    let names = |path: String| {
        let api = &coordinator;
        async move {
            let (status, page) = api.send("GET", &path, None).await;
            assert_eq!(status, 200, "{page}");
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["name"].as_str().unwrap().to_owned(),
                        i["name_kana"].as_str().unwrap_or("").to_owned(),
                        i["employee_number"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let (_, all) = coordinator.send("GET", "/staff?per_page=1", None).await;
    let first = &all["items"][0];
    let (name, kana, number) = (
        first["name"].as_str().unwrap().to_owned(),
        first["name_kana"].as_str().unwrap().to_owned(),
        first["employee_number"].as_str().unwrap().to_owned(),
    );
    // The last character of the family name, alone: found anywhere in a name.
    let family_last: String = name.split(' ').next().unwrap().chars().last().unwrap().to_string();
    let found = names(format!("/staff?per_page=500&q={}", urlencode(&family_last))).await;
    assert!(
        found.iter().any(|(n, _, _)| *n == name),
        "「{family_last}」 finds {name}"
    );
    let hiragana: String = kana
        .chars()
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            other => other,
        })
        .filter(|c| *c != ' ')
        .collect();
    let found = names(format!("/staff?per_page=500&q={}", urlencode(&hiragana))).await;
    assert!(found.iter().any(|(n, _, _)| *n == name), "{hiragana} finds {name}");
    let found = names(format!("/staff?per_page=500&q={}", urlencode(&number))).await;
    assert_eq!(found.iter().filter(|(_, _, e)| *e == number).count(), 1, "{number}");

    // An organisation renamed is found by its new name, not its old one.
    let (_, org) = coordinator
        .send("GET", &format!("/organisations/{}", d.org), None)
        .await;
    let (status, body) = coordinator
        .send(
            "PATCH",
            &format!("/organisations/{}", d.org),
            Some(serde_json::json!({"name": "みどり台まちづくり協議会", "version": org["version"]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, hit) = coordinator
        .send("GET", &format!("/organisations?q={}", urlencode("みどり台")), None)
        .await;
    assert!(
        hit["items"].as_array().unwrap().iter().any(|o| o["id"] == d.org),
        "{hit}"
    );
    let old = org["name"].as_str().unwrap();
    let (_, miss) = coordinator
        .send("GET", &format!("/organisations?q={}", urlencode(old)), None)
        .await;
    assert!(
        !miss["items"].as_array().unwrap().iter().any(|o| o["id"] == d.org),
        "{old}: {miss}"
    );
}
