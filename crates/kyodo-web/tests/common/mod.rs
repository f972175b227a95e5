//! The test app: a real server on a random port over a fresh database
//! (SQLite, or PostgreSQL with KYODO_TEST_DATABASE=postgres), holding the
//! demo municipality of a preset.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use kyodo_store::Db;
use kyodo_store::testing::{TestDatabase, fresh_database};
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub const PASSWORD: &str = kyodo_store::demo::DEMO_PASSWORD;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).expect("valid date")
}

pub struct TestApp {
    pub base: String,
    pub db: Db,
    /// Shared by every server on the database; the last one removes it.
    guard: Arc<TestDatabase>,
}

/// One signed-in browser: cookies kept, redirects not followed.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

impl TestApp {
    /// A server with the demo municipalities of `presets` loaded.
    pub async fn spawn(presets: &[&str]) -> TestApp {
        Self::spawn_with(presets, kyodo_web::Config::default()).await
    }

    /// The same, with the server's settings (`today` is always the tests' day).
    pub async fn spawn_with(presets: &[&str], config: kyodo_web::Config) -> TestApp {
        let (db, guard) = fresh_database().await.expect("fresh database");
        let hash = kyodo_web::auth::hash_password(PASSWORD.to_owned()).await.expect("hash");
        for p in presets {
            kyodo_store::demo::load(&db, p, today(), &hash)
                .await
                .expect("demo loads");
        }
        Self::serve(db, Arc::new(guard), config).await
    }

    /// Another server on this one's database, with a connection pool of its
    /// own, as a second kyodo process behind the same proxy would be.
    pub async fn another_server(&self, config: kyodo_web::Config) -> TestApp {
        let db = Db::connect(&self.guard.url).await.expect("second connection pool");
        Self::serve(db, self.guard.clone(), config).await
    }

    async fn serve(db: Db, guard: Arc<TestDatabase>, mut config: kyodo_web::Config) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        config.today = Some(today());
        let state = kyodo_web::AppState::new(db.clone(), config);
        tokio::spawn(kyodo_web::serve(listener, state));
        TestApp { base, db, guard }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client with no session.
    pub fn anonymous(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .expect("client")
    }

    /// Signs in through the login form and reads the CSRF token off a page.
    pub async fn login(&self, login: &str) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client");
        let res = client
            .post(self.url("/login"))
            .form(&[("login", login), ("password", PASSWORD), ("next", "/")])
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), 303, "login of {login} failed");
        let page = client
            .get(self.url("/account"))
            .send()
            .await
            .expect("account")
            .text()
            .await
            .expect("text");
        Browser {
            client,
            base: self.base.clone(),
            csrf: csrf_of(&page).expect("csrf token on the page"),
        }
    }

    /// A bearer token for `login`, made as `kyodo token create` makes it.
    pub async fn token(&self, login: &str) -> String {
        let user = kyodo_store::accounts::by_login(&self.db, login)
            .await
            .expect("query")
            .expect("user exists");
        let state = kyodo_web::AppState::new(self.db.clone(), kyodo_web::Config::default());
        kyodo_web::accounts::issue_token(
            &state,
            &kyodo_store::audit::Actor::command_line(user.municipality_id),
            user.id,
            "test",
        )
        .await
        .expect("token")
    }

    pub async fn municipality(&self, code: &str) -> kyodo_core::municipalities::Municipality {
        kyodo_store::municipalities::by_code(&self.db, code)
            .await
            .expect("query")
            .expect("municipality")
    }

    /// The id of a record of `table` by its code, in a municipality.
    pub async fn id_of(&self, muni: i64, kind: &str, code: &str) -> i64 {
        match kind {
            "areas" => {
                kyodo_store::areas::all(&self.db, muni, true)
                    .await
                    .expect("areas")
                    .into_iter()
                    .find(|a| a.code == code)
                    .expect("area")
                    .id
            }
            "organisations" => {
                kyodo_store::organisations::all(&self.db, muni)
                    .await
                    .expect("orgs")
                    .into_iter()
                    .find(|o| o.code == code)
                    .expect("org")
                    .id
            }
            "departments" => {
                kyodo_store::departments::all(&self.db, muni)
                    .await
                    .expect("depts")
                    .into_iter()
                    .find(|d| d.code == code)
                    .expect("dept")
                    .id
            }
            _ => {
                kyodo_store::staff::export_rows(&self.db, muni)
                    .await
                    .expect("staff")
                    .into_iter()
                    .find(|s| s.staff.employee_number == code)
                    .expect("staff")
                    .staff
                    .id
            }
        }
    }
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    /// Posts every field, as a browser posts a form as it was filled in.
    pub async fn submit(&self, path: &str, fields: &[(String, String)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("request")
    }

    /// Posts a form with the session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .expect("request")
    }
}

/// What a browser would send for the form posting to `action` on `page`:
/// every named input's value (checked boxes only), each select's chosen
/// options, every textarea; buttons left out. Enough for kyodo's own
/// markup (attributes in double quotes, HTML-escaped values).
pub fn form_fields(page: &str, action: &str) -> Vec<(String, String)> {
    let start = page
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("a form posting to {action}"));
    let form = &page[start..start + page[start..].find("</form>").expect("form ends")];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let marker = format!(" {name}=\"");
        let at = tag.find(&marker)? + marker.len();
        let raw = &tag[at..at + tag[at..].find('"')?];
        Some(unescape(raw))
    };
    let flag = |tag: &str, name: &str| tag.contains(&format!(" {name}>")) || tag.contains(&format!(" {name} "));
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(open) = rest.find('<') {
        rest = &rest[open..];
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..end];
        if tag.starts_with("<input") {
            let kind = attr(tag, "type").unwrap_or_default();
            if let Some(name) = attr(tag, "name")
                && (!matches!(kind.as_str(), "checkbox" | "radio") || flag(tag, "checked"))
                && kind != "submit"
            {
                fields.push((name, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<select") {
            let name = attr(tag, "name").unwrap_or_default();
            let close = rest.find("</select>").unwrap_or(rest.len());
            let options: Vec<&str> = rest[..close].split("<option").skip(1).collect();
            let chosen: Vec<&&str> = options
                .iter()
                .filter(|o| flag(&o[..o.find('>').unwrap_or(0) + 1], "selected"))
                .collect();
            // A single select without a chosen option sends its first.
            for o in if chosen.is_empty() {
                options.iter().take(1).collect()
            } else {
                chosen
            } {
                fields.push((name.clone(), attr(o, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<textarea") {
            let close = rest.find("</textarea>").unwrap_or(rest.len());
            fields.push((attr(tag, "name").unwrap_or_default(), unescape(&rest[end..close])));
        }
        rest = &rest[end.max(1)..];
    }
    fields
}

fn unescape(html: &str) -> String {
    [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&#x27;", "'"),
        ("&#39;", "'"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(html.to_owned(), |text, (entity, c)| text.replace(entity, c))
}

pub fn csrf_of(page: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_owned())
}

/// How many rows `table` has in a municipality, to prove nothing was written.
pub async fn count(app: &TestApp, muni: i64, kind: &str) -> u64 {
    let q = kyodo_core::listing::ListQuery {
        archived: Some(true),
        per_page: Some(1),
        ..Default::default()
    };
    match kind {
        "areas" => kyodo_store::areas::list(&app.db, muni, &q).await.expect("list").total,
        "departments" => {
            kyodo_store::departments::list(&app.db, muni, &q)
                .await
                .expect("list")
                .total
        }
        "organisations" => {
            kyodo_store::organisations::list(&app.db, muni, &kyodo_store::organisations::Visible::All, &q)
                .await
                .expect("list")
                .total
        }
        _ => kyodo_store::staff::list(&app.db, muni, &q).await.expect("list").total,
    }
}

/// Calls the API with one login's token.
pub struct Api<'a> {
    pub app: &'a TestApp,
    pub token: String,
}

impl<'a> Api<'a> {
    pub async fn new(app: &'a TestApp, login: &str) -> Api<'a> {
        Api {
            app,
            token: app.token(login).await,
        }
    }

    /// A request to `/api/v1{path}` with this login's token, for callers that
    /// want the raw response (files, downloads, DELETE).
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.app
            .anonymous()
            .request(method, self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = match method {
            "GET" => reqwest::Method::GET,
            "PATCH" => reqwest::Method::PATCH,
            "DELETE" => reqwest::Method::DELETE,
            _ => reqwest::Method::POST,
        };
        let req = self.request(method, path);
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn act(&self, id: i64, body: Value) -> (u16, Value) {
        self.send("POST", &format!("/issues/{id}/transitions"), Some(body))
            .await
    }
}

/// The arao demo with the ids the issue tests use.
pub struct Demo {
    pub app: TestApp,
    pub area: i64,
    pub other_area: i64,
    pub org: i64,
    pub doboku: i64,
    pub fukushi: i64,
}

pub async fn demo() -> Demo {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let dept = |name: &'static str| {
        let db = app.db.clone();
        async move {
            kyodo_store::departments::all(&db, muni)
                .await
                .unwrap()
                .into_iter()
                .find(|d| d.name == name)
                .unwrap()
                .id
        }
    };
    let (doboku, fukushi) = (dept("土木課").await, dept("福祉課").await);
    Demo {
        area: app.id_of(muni, "areas", "A01").await,
        other_area: app.id_of(muni, "areas", "A02").await,
        org: app.id_of(muni, "organisations", "O001").await,
        doboku,
        fukushi,
        app,
    }
}

/// An issue as a liaison takes it in.
pub fn intake(area: i64, org: i64, title: &str) -> Value {
    json!({
        "kind": "request",
        "title": title,
        "body": "通学路の交差点付近。\n夜は真っ暗になる。",
        "category": "防犯",
        "area_id": area,
        "organisation_id": org,
        "source": "meeting",
        "source_note": "11月役員会",
    })
}

/// Takes an issue in as the demo liaison and has the team route it to
/// `department`: it waits for that department's answer.
pub async fn routed_issue(liaison: &Api<'_>, d: &Demo, title: &str, department: i64) -> i64 {
    let (status, created) = liaison
        .send("POST", "/issues", Some(intake(d.area, d.org, title)))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let (status, body) = liaison
        .act(
            id,
            json!({"action": "sort", "responsibility": "city", "departments": [department]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for action in ["draft", "review", "decide"] {
        let (status, body) = liaison
            .act(id, json!({"action": action, "text": "担当部署に照会する"}))
            .await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    id
}

/// A liaison account for `staff_id`, signing in with the demo password.
pub async fn liaison_account(app: &TestApp, muni: i64, login: &str, staff_id: i64) {
    let hash = kyodo_web::auth::hash_password(PASSWORD.to_owned()).await.expect("hash");
    kyodo_store::accounts::create(
        &app.db,
        &kyodo_store::audit::Actor::command_line(muni),
        &kyodo_store::accounts::NewUser {
            login: login.into(),
            display_name: login.into(),
            role: kyodo_core::accounts::Role::Liaison,
            staff_id: Some(staff_id),
            department_id: None,
            organisation_id: None,
            password_hash: hash,
        },
    )
    .await
    .expect("account");
}

/// An SMTP server that accepts every message and keeps its text.
pub async fn fake_smtp() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.ok();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(message) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(data.take().unwrap_or_default());
                            write.write_all(b"250 queued\r\n").await.ok();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-test\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (port, received)
}

/// The messages of an API error body's `errors`, in order.
pub fn messages(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|x| x["message"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}
