//! Signing in and out, one's own account (password, API tokens), the home
//! page, and account management for admins and coordinators.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::accounts::{Role, User};
use kyodo_core::listing::ListQuery;
use kyodo_core::permissions::Action;
use kyodo_core::validation::FieldErrors;
use kyodo_store::accounts::{ApiTokens, NewUser};

use crate::AppState;
use crate::api::{FormFields, PagePath, PageQuery};
use crate::auth::{self, ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Cell, FieldKind, FieldSpec, FormPage, FormState, Item, Layout};

/// Failures allowed per login in the throttle window; past them the account is locked.
const MAX_FAILURES_PER_LOGIN: i64 = 5;
/// Failures from one address in the window past which every login from it
/// is slowed down (never refused: behind a proxy, everyone shares it).
const MAX_FAILURES_PER_IP: i64 = 30;
const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// How long a login from a busy address waits before its password is checked.
const BUSY_ADDRESS_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    today: String,
    fiscal_year: String,
    counts: Vec<(&'static str, &'static str, u64)>,
    served: Vec<(String, String, String)>,
    inbox: Vec<crate::issues::inbox::InboxEntry>,
    /// Accounts reaching personal data to acknowledge (coordinators only).
    grants: Vec<crate::privileged_grants::GrantNotice>,
    /// What the caller records most, one tap away: (label, href).
    quick: Vec<(&'static str, &'static str)>,
}

/// The forms a role fills in most, for the top of its home page: a liaison
/// on a phone after a meeting should not have to open the menu.
fn quick_actions(caller: &Caller) -> Vec<(&'static str, &'static str)> {
    [
        (Action::MeetingWrite, "会議を記録する", "/meetings/new"),
        (Action::ActivityWrite, "活動を記録する", "/activities/new"),
        (Action::IssueCreate, "課題を受け付ける", "/issues/new"),
    ]
    .into_iter()
    .filter(|(action, _, _)| caller.role() != kyodo_core::accounts::Role::Admin && caller.can(*action))
    // Activities are one's own: an account that is no staff member has none to log.
    .filter(|(action, _, _)| *action != Action::ActivityWrite || caller.user.staff_id.is_some())
    .map(|(_, label, href)| (label, href))
    .collect()
}

pub async fn home(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    let muni = caller.municipality.id;
    let one = ListQuery {
        per_page: Some(1),
        ..Default::default()
    };
    let mut counts = Vec::new();
    if caller.can(Action::AreaRead) {
        counts.push((
            "地区",
            "/areas",
            kyodo_store::areas::list(&state.db, muni, &one).await?.total,
        ));
    }
    if caller.can(Action::OrganisationRead) {
        let visible = caller.organisations_in(caller.scope(Action::OrganisationRead));
        counts.push((
            "団体",
            "/organisations",
            kyodo_store::organisations::list(&state.db, muni, &visible, &one)
                .await?
                .total,
        ));
    }
    if caller.can(Action::DepartmentRead) {
        counts.push((
            "部署",
            "/departments",
            kyodo_store::departments::list(&state.db, muni, &one).await?.total,
        ));
    }
    if caller.can(Action::StaffRead) {
        counts.push((
            "職員",
            "/staff",
            kyodo_store::staff::list(&state.db, muni, &one).await?.total,
        ));
    }
    let mut inbox = crate::issues::inbox::entries(&state, &caller).await?;
    inbox.extend(crate::plans::status::inbox(&state, &caller).await?);
    inbox.extend(crate::grants::inbox::entries(&state, &caller).await?);
    // Applications for 認可 wait for the coordinator.
    if caller.scope(Action::RecognitionDecide) == kyodo_core::permissions::Scope::Municipality
        && let Some(kind) = caller.municipality.scheme.area_body_kind.as_deref()
        && caller.municipality.scheme.recognition
    {
        let waiting = kyodo_store::organisations::recognition::waiting(&state.db, muni).await?;
        if waiting > 0 {
            let kind: String = form_urlencoded::byte_serialize(kind.as_bytes()).collect();
            inbox.push(crate::issues::inbox::InboxEntry {
                label: "審査待ちの認可申請",
                href: format!("/organisations?kind={kind}"),
                count: waiting,
                late: false,
            });
        }
    }
    let served = match caller.user.staff_id {
        Some(staff) => kyodo_store::appointments::current_for_staff(&state.db, muni, staff, caller.today)
            .await?
            .into_iter()
            .map(|a| {
                let position = caller
                    .municipality
                    .scheme
                    .positions
                    .iter()
                    .find(|p| p.key == a.position_key)
                    .map_or(a.position_key.clone(), |p| p.name.clone());
                (a.area_name, position, pages::date_ja(&a.planned_end_on))
            })
            .collect(),
        None => Vec::new(),
    };
    let grants = crate::privileged_grants::pending(&state, &caller).await?;
    Ok(pages::render(&HomePage {
        layout: Layout::new(&caller, "トップ", "/").with_notice(q.notice.as_deref()),
        today: kyodo_core::wareki::format_date_wareki(caller.today),
        fiscal_year: kyodo_core::wareki::format_fiscal_year(kyodo_core::wareki::fiscal_year(caller.today)),
        counts,
        served,
        inbox,
        grants,
        quick: quick_actions(&caller),
    }))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    login: String,
    next: String,
    error: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only paths on this site may follow a login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

pub async fn login_form(PageQuery(q): PageQuery<NextQuery>) -> Response {
    pages::render(&LoginPage {
        layout: Layout::anonymous("ログイン"),
        login: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
    })
}

fn login_refused(login: &str, next: &str, message: &str, status: axum::http::StatusCode) -> Response {
    let page = LoginPage {
        layout: Layout::anonymous("ログイン"),
        login: login.to_owned(),
        next: next.to_owned(),
        error: Some(message.to_owned()),
    };
    (status, pages::render(&page)).into_response()
}

pub async fn login(
    State(state): State<AppState>,
    auth::ClientIp(ip): auth::ClientIp,
    headers: HeaderMap,
    FormFields(form): FormFields,
) -> PageResult<Response> {
    let login = form.get("login").map(|l| l.trim().to_owned()).unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let next = safe_next(form.get("next").map(String::as_str));
    let ip = ip.unwrap_or_else(|| "unknown".to_owned());

    let (by_login, by_ip) = kyodo_store::accounts::recent_failures(
        &state.db,
        &login,
        &ip,
        chrono::Duration::minutes(THROTTLE_WINDOW_MINUTES),
    )
    .await?;
    if by_login >= MAX_FAILURES_PER_LOGIN {
        return Ok(login_refused(
            &login,
            &next,
            &AppError::Throttled.message(),
            axum::http::StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    // A busy address is slowed down, not locked: behind a reverse proxy or
    // a city hall's NAT it is everyone's, and a right password for an
    // account that is not itself locked must still sign in.
    let slowed = by_ip >= MAX_FAILURES_PER_IP;
    if slowed {
        tokio::time::sleep(BUSY_ADDRESS_DELAY).await;
    }
    let detail = slowed.then(|| serde_json::json!({"slowed": "busy_address"}));
    let user = kyodo_store::accounts::by_login(&state.db, &login).await?;
    let hash = match &user {
        Some(u) => Some(kyodo_store::accounts::password_hash(&state.db, u.id).await?),
        None => None,
    };
    // Verify against a dummy hash for unknown logins so timing does not tell which logins exist.
    let ok =
        auth::verify_password(password, hash.clone().unwrap_or_else(|| DUMMY_HASH.to_owned())).await && hash.is_some();
    let user = match user {
        Some(u) if ok && u.disabled_at.is_none() => u,
        other => {
            kyodo_store::accounts::record_attempt(&state.db, &login, &ip, false).await?;
            if let Some(u) = other {
                let actor = kyodo_store::audit::Actor::user(&u, Some(ip.clone()));
                kyodo_store::audit::record_now(
                    &state.db,
                    &actor,
                    kyodo_store::audit::Event {
                        action: kyodo_core::audit::kind::LOGIN_FAILED,
                        entity: "users",
                        entity_id: Some(u.id),
                        detail: detail.clone(),
                    },
                )
                .await?;
            }
            return Ok(login_refused(
                &login,
                &next,
                "ログイン名またはパスワードが正しくありません",
                axum::http::StatusCode::UNAUTHORIZED,
            ));
        }
    };
    kyodo_store::accounts::record_attempt(&state.db, &login, &ip, true).await?;
    let sid = auth::random_secret();
    kyodo_store::accounts::create_session(&state.db, &auth::secret_hash(&sid), user.id, &auth::random_secret()).await?;
    let actor = kyodo_store::audit::Actor::user(&user, Some(ip));
    kyodo_store::audit::record_now(
        &state.db,
        &actor,
        kyodo_store::audit::Event {
            action: kyodo_core::audit::kind::LOGIN,
            entity: "users",
            entity_id: Some(user.id),
            detail,
        },
    )
    .await?;
    let secure = auth::is_secure(&headers, state.config.secure_cookies);
    let cookie = auth::session_cookie(&sid, secure, kyodo_store::accounts::SESSION_HOURS * 3600);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
}

/// An argon2id hash of a random string, so unknown logins cost the same time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo";

pub async fn logout(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    if let Some(sid) = auth::cookie_value(&headers, auth::SESSION_COOKIE) {
        kyodo_store::accounts::delete_session(&state.db, &auth::secret_hash(&sid)).await?;
    }
    kyodo_store::audit::record_now(
        &state.db,
        &caller.actor(),
        kyodo_store::audit::Event {
            action: kyodo_core::audit::kind::LOGOUT,
            entity: "users",
            entity_id: Some(caller.user.id),
            detail: None,
        },
    )
    .await?;
    let secure = auth::is_secure(&headers, state.config.secure_cookies);
    Ok((
        [(header::SET_COOKIE, auth::session_cookie("", secure, 0))],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    login: String,
    password_fields: Vec<FieldSpec>,
    password_form: FormState,
    tokens: Vec<(String, String, String, String, Option<i64>)>,
    new_token: Option<String>,
    /// Where the daily digest goes; empty: none.
    email: String,
    /// Whether the password form's 「APIトークンも無効にする」 is ticked.
    revoke_tokens: bool,
}

fn password_fields() -> Vec<FieldSpec> {
    vec![
        FieldSpec::text("current_password", "今のパスワード")
            .kind(FieldKind::Password)
            .required(),
        FieldSpec::text("new_password", "新しいパスワード")
            .kind(FieldKind::Password)
            .required()
            .hint("10文字以上。長い文章のようなパスワードがおすすめです"),
        FieldSpec::text("confirm_password", "新しいパスワード（確認）")
            .kind(FieldKind::Password)
            .required(),
    ]
}

async fn account_view(
    state: &AppState,
    caller: &Caller,
    password_form: FormState,
    new_token: Option<String>,
    notice: Option<&str>,
) -> PageResult<Response> {
    let revoke_tokens = password_form.v("keep_tokens") != "true";
    caller.require(Action::OwnAccount)?;
    let tokens = token_rows(state, caller.municipality.id, caller.user.id).await?;
    let status = if password_form.has_errors() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = AccountPage {
        layout: Layout::new(caller, "アカウント", "/account").with_notice(notice),
        login: caller.user.login.clone(),
        password_fields: password_fields(),
        password_form,
        tokens,
        new_token,
        email: kyodo_store::mail::email_of(&state.db, caller.user.id)
            .await?
            .unwrap_or_default(),
        revoke_tokens,
    };
    Ok((status, pages::render(&page)).into_response())
}

pub async fn account_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    account_view(&state, &caller, FormState::default(), None, q.notice.as_deref()).await
}

pub async fn change_password(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::OwnAccount)?;
    let get = |k: &str| form.0.get(k).cloned().unwrap_or_default();
    let mut errors = FieldErrors::new();
    let hash = kyodo_store::accounts::password_hash(&state.db, caller.user.id).await?;
    if !auth::verify_password(get("current_password"), hash).await {
        errors.add("current_password", "今のパスワードが正しくありません");
    }
    let new = get("new_password");
    if let Some(problem) = kyodo_core::accounts::password_problem(&new, &caller.user.login) {
        errors.add("new_password", problem);
    }
    if new != get("confirm_password") {
        errors.add("confirm_password", "確認用のパスワードが一致しません");
    }
    // The form asks (ticked by default); a client that does not know the
    // question gets the safe answer.
    let tokens = if form.0.contains_key("tokens_choice") && !form.0.contains_key("revoke_tokens") {
        ApiTokens::Keep
    } else {
        ApiTokens::Revoke
    };
    if !errors.is_empty() {
        let mut values = HashMap::new();
        if tokens == ApiTokens::Keep {
            values.insert("keep_tokens".to_owned(), "true".to_owned());
        }
        let state_form = FormState { values, errors };
        return account_view(&state, &caller, state_form, None, None).await;
    }
    let hash = auth::hash_password(new).await?;
    kyodo_store::accounts::set_password(&state.db, &caller.actor(), caller.user.id, &hash, tokens).await?;
    // Every session ended with the change; this one starts again at the login page.
    Ok(Redirect::to("/login?next=/account").into_response())
}

pub async fn create_token_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::OwnAccount)?;
    let name = form
        .0
        .get("name")
        .map(|n| kyodo_core::text::normalize_input(n))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "APIトークン".to_owned());
    let name: String = name.chars().take(100).collect();
    let token = issue_token(&state, &caller.actor(), caller.user.id, &name).await?;
    account_view(&state, &caller, FormState::default(), Some(token), None).await
}

/// An account's API tokens as shown: name, issued, last used, state, and
/// the id of each one still live (to revoke it).
async fn token_rows(
    state: &AppState,
    municipality_id: i64,
    user_id: i64,
) -> Result<Vec<(String, String, String, String, Option<i64>)>, AppError> {
    let fmt = |t: chrono::DateTime<chrono::Utc>| (t + chrono::Duration::hours(9)).format("%Y-%m-%d %H:%M").to_string();
    Ok(kyodo_store::accounts::tokens(&state.db, municipality_id, user_id)
        .await?
        .into_iter()
        .map(|t| {
            (
                t.name,
                fmt(t.created_at),
                t.last_used_at.map(fmt).unwrap_or_else(|| "—".into()),
                if t.revoked_at.is_some() { "失効" } else { "有効" }.to_owned(),
                t.revoked_at.is_none().then_some(t.id),
            )
        })
        .collect())
}

/// Creates an API token for `user_id` and gives the secret (shown once).
pub async fn issue_token(
    state: &AppState,
    actor: &kyodo_store::audit::Actor,
    user_id: i64,
    name: &str,
) -> Result<String, AppError> {
    let token = format!("kyodo_{}", auth::random_secret());
    kyodo_store::accounts::create_token(&state.db, actor, user_id, name, &auth::secret_hash(&token)).await?;
    Ok(token)
}

pub async fn revoke_token_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::OwnAccount)?;
    kyodo_store::accounts::revoke_token(&state.db, &caller.actor(), caller.user.id, id).await?;
    Ok(Redirect::to("/account?notice=revoked").into_response())
}

// --- Account management ---

fn role_options(caller: &Caller) -> Vec<(String, String)> {
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Admin || caller.role() == Role::Admin)
        .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
        .collect()
}

pub async fn users_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    caller.require(Action::UserManage)?;
    let users = kyodo_store::accounts::list(&state.db, Some(caller.municipality.id)).await?;
    let rows = users
        .into_iter()
        .map(|u| {
            // Only the system admin opens an admin's account (see `managed`): no link to a refusal.
            let manageable = u.role != Role::Admin || caller.role() == Role::Admin;
            let button = (u.id != caller.user.id && manageable).then(|| {
                let (verb, label, danger) = if u.disabled_at.is_some() {
                    ("enable", "再開する", false)
                } else {
                    ("disable", "停止する", true)
                };
                pages::ActionButton {
                    action: format!("/users/{}/{verb}", u.id),
                    label,
                    danger,
                }
            });
            let cells = vec![
                if manageable {
                    Cell::link(u.login.clone(), format!("/users/{}", u.id))
                } else {
                    Cell::text(u.login.clone())
                },
                Cell::text(u.display_name.clone()),
                Cell::text(u.role.label()),
                Cell::text(if u.disabled_at.is_some() { "停止中" } else { "有効" }),
            ];
            (cells, button)
        })
        .collect();
    let page = pages::DetailPage {
        layout: Layout::new(&caller, "利用者", "/users").with_notice(q.notice.as_deref()),
        heading: "利用者".into(),
        back_href: "/".into(),
        back_label: "トップ",
        archived: false,
        items: Vec::new(),
        edit_href: Some("/users/new".into()),
        edit_label: "新規登録",
        buttons: Vec::new(),
        sections: vec![pages::Section {
            title: "利用者の一覧".into(),
            personal: false,
            columns: vec!["ログイン名", "表示名", "役割", "状態"],
            rows,
            empty: "利用者はまだいません",
            form: None,
        }],
    };
    Ok(pages::render(&page))
}

async fn user_form(state: &AppState, caller: &Caller, form: FormState) -> PageResult<Response> {
    let muni = caller.municipality.id;
    let departments = kyodo_store::departments::all(&state.db, muni).await?;
    let organisations = kyodo_store::organisations::all(&state.db, muni).await?;
    let fields = vec![
        FieldSpec::text("login", "ログイン名")
            .required()
            .hint("半角英数字と . _ - @、3〜64文字"),
        FieldSpec::text("display_name", "表示名").required(),
        FieldSpec::select("role", "役割", role_options(caller)).required(),
        FieldSpec::text("staff_id", "職員番号（地域担当職員のとき）")
            .hint("地域担当職員は、担当地区が職員の任命から決まります"),
        FieldSpec::select(
            "department_id",
            "部署（担当部署のとき）",
            pages::options(&departments, |d| d.id.to_string(), |d| d.name.clone()),
        ),
        FieldSpec::select(
            "organisation_id",
            "団体（地域団体のとき）",
            pages::options(&organisations, |o| o.id.to_string(), |o| o.name.clone()),
        ),
        FieldSpec::text("password", "初期パスワード")
            .kind(FieldKind::Password)
            .required()
            .hint("10文字以上。本人に安全な方法で伝え、変更してもらってください"),
    ];
    let status = if form.has_errors() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = FormPage {
        layout: Layout::new(caller, "利用者の登録", "/users"),
        heading: "利用者の登録".into(),
        intro: String::new(),
        action: "/users/new".into(),
        fields,
        form,
        submit_label: "登録する",
        cancel_href: "/users".into(),
        version: None,
        multipart: false,
    };
    Ok((status, pages::render(&page)).into_response())
}

pub async fn new_user_form(State(state): State<AppState>, PageCaller(caller): PageCaller) -> PageResult<Response> {
    caller.require(Action::UserManage)?;
    user_form(&state, &caller, FormState::default()).await
}

pub async fn create_user_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::UserManage)?;
    let mut values = form.0.clone();
    values.remove("password");
    let mut state_form = FormState::new(values);
    match create_user_from_fields(&state, &caller, &form.0).await {
        Ok(_) => Ok(Redirect::to("/users?notice=created").into_response()),
        Err(AppError::Invalid(errors)) => {
            state_form.errors = errors;
            user_form(&state, &caller, state_form).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates an account from text fields (the users page); the staff member
/// is named by employee number, as staff know it.
async fn create_user_from_fields(
    state: &AppState,
    caller: &Caller,
    form: &HashMap<String, String>,
) -> Result<User, AppError> {
    let get = |k: &str| {
        form.get(k)
            .map(|v| kyodo_core::text::normalize_input(v))
            .filter(|v| !v.is_empty())
    };
    let mut errors = FieldErrors::new();
    let role = match get("role").as_deref().and_then(Role::parse) {
        Some(Role::Admin) if caller.role() != Role::Admin => {
            errors.add("role", "システム管理者を登録できるのはシステム管理者だけです");
            None
        }
        Some(r) => Some(r),
        None => {
            errors.add("role", "役割を選択してください");
            None
        }
    };
    let staff_id = match get("staff_id") {
        Some(number) => {
            let number = kyodo_core::text::normalize_digits(&number);
            let found = kyodo_store::staff::by_employee_number(&state.db, caller.municipality.id, &number).await?;
            if found.is_none() {
                errors.add("staff_id", format!("職員番号「{number}」の職員がいません"));
            }
            found.map(|s| s.id)
        }
        None => None,
    };
    let id_of = |k: &str| get(k).and_then(|v| v.parse::<i64>().ok());
    let display_name = get("display_name").unwrap_or_default();
    if display_name.is_empty() {
        errors.add("display_name", "表示名を入力してください");
    }
    let login = get("login").unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    if let Some(p) = kyodo_core::accounts::password_problem(&password, &login) {
        errors.add("password", p);
    }
    let Some(role) = role else {
        return Err(AppError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let new = NewUser {
        login,
        display_name,
        role,
        staff_id,
        department_id: id_of("department_id").filter(|_| role == Role::Department),
        organisation_id: id_of("organisation_id").filter(|_| role == Role::Community),
        password_hash: auth::hash_password(password).await?,
    };
    Ok(kyodo_store::accounts::create(&state.db, &caller.actor(), &new).await?)
}

/// The account `id`, if the caller may manage it (coordinators do not manage admins).
async fn managed(state: &AppState, caller: &Caller, id: i64) -> Result<User, AppError> {
    caller.require(Action::UserManage)?;
    let target = kyodo_store::accounts::get(&state.db, caller.municipality.id, id).await?;
    if target.role == Role::Admin && caller.role() != Role::Admin {
        return Err(AppError::Forbidden);
    }
    Ok(target)
}

async fn user_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
    form: FormState,
    notice: Option<&str>,
) -> PageResult<Response> {
    let u = managed(state, caller, id).await?;
    let muni = caller.municipality.id;
    let linked = match (u.staff_id, u.department_id, u.organisation_id) {
        (Some(s), _, _) => {
            let row = kyodo_store::staff::get(&state.db, muni, s).await?;
            Item::link("職員", row.staff.name, Some(format!("/staff/{s}")))
        }
        (_, Some(d), _) => {
            let row = kyodo_store::departments::get(&state.db, muni, d).await?;
            Item::link("部署", row.department.name, Some(format!("/departments/{d}")))
        }
        (_, _, Some(o)) => {
            let row = kyodo_store::organisations::get(&state.db, muni, o).await?;
            Item::link("団体", row.organisation.name, Some(format!("/organisations/{o}")))
        }
        _ => Item::new("所属", ""),
    };
    let status = if form.has_errors() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let own = u.id == caller.user.id;
    let tokens = token_rows(state, muni, id)
        .await?
        .into_iter()
        .map(|(name, created, used, status, live)| {
            let button = live.map(|token| pages::ActionButton {
                action: format!("/users/{id}/tokens/{token}/revoke"),
                label: "失効させる",
                danger: true,
            });
            (
                vec![
                    Cell::text(name),
                    Cell::text(created),
                    Cell::text(used),
                    Cell::text(status),
                ],
                button,
            )
        })
        .collect();
    let page = pages::DetailPage {
        layout: Layout::new(caller, u.login.clone(), "/users").with_notice(notice),
        heading: u.display_name.clone(),
        back_href: "/users".into(),
        back_label: "利用者",
        archived: u.disabled_at.is_some(),
        items: vec![
            Item::new("ログイン名", u.login.clone()),
            Item::new("役割", u.role.label()),
            linked,
            Item::new("状態", if u.disabled_at.is_some() { "停止中" } else { "有効" }),
            Item::new(
                "登録日",
                pages::date_ja(&(u.created_at + chrono::Duration::hours(9)).date_naive()),
            ),
        ],
        edit_href: None,
        edit_label: "",
        buttons: if own {
            Vec::new()
        } else if u.disabled_at.is_some() {
            vec![pages::ActionButton {
                action: format!("/users/{id}/enable"),
                label: "再開する",
                danger: false,
            }]
        } else {
            vec![pages::ActionButton {
                action: format!("/users/{id}/disable"),
                label: "停止する",
                danger: true,
            }]
        },
        sections: vec![
            pages::Section {
                title: "APIトークン".into(),
                personal: false,
                columns: vec!["名前", "発行日時", "最終利用", "状態"],
                rows: tokens,
                empty: "APIトークンはありません",
                form: None,
            },
            pages::Section {
                title: "パスワードの再設定".into(),
                personal: false,
                columns: Vec::new(),
                rows: Vec::new(),
                empty: "パスワードを忘れた人に新しいパスワードを設定します。本人のログイン中の画面はすべて終了し、APIトークンもすべて無効になります。",
                form: (!own).then(|| pages::InlineForm {
                    action: format!("/users/{id}/password"),
                    fields: vec![
                        FieldSpec::text("password", "新しいパスワード")
                            .kind(FieldKind::Password)
                            .required()
                            .hint("10文字以上。本人に安全な方法で伝え、変更してもらってください"),
                    ],
                    form,
                    submit_label: "パスワードを再設定する",
                }),
            },
        ],
    };
    Ok((status, pages::render(&page)).into_response())
}

pub async fn user_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    user_view(&state, &caller, id, FormState::default(), q.notice.as_deref()).await
}

pub async fn reset_password_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let target = managed(&state, &caller, id).await?;
    let password = form.0.get("password").cloned().unwrap_or_default();
    if let Some(problem) = kyodo_core::accounts::password_problem(&password, &target.login) {
        let f = FormState {
            errors: FieldErrors::single("password", problem),
            ..Default::default()
        };
        return user_view(&state, &caller, id, f, None).await;
    }
    let hash = auth::hash_password(password).await?;
    // Whoever forgot the password may have lost more than that: the tokens go too.
    kyodo_store::accounts::set_password(&state.db, &caller.actor(), id, &hash, ApiTokens::Revoke).await?;
    Ok(Redirect::to(&format!("/users/{id}?notice=password")).into_response())
}

/// A manager revokes one of an account's API tokens from its page.
pub async fn revoke_user_token_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, token)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let target = managed(&state, &caller, id).await?;
    kyodo_store::accounts::revoke_token(&state.db, &caller.actor(), target.id, token).await?;
    Ok(Redirect::to(&format!("/users/{id}?notice=revoked")).into_response())
}

async fn set_disabled(state: &AppState, caller: &Caller, id: i64, disabled: bool) -> Result<(), AppError> {
    let target = managed(state, caller, id).await?;
    if target.id == caller.user.id {
        return Err(AppError::Refused("自分のアカウントは停止できません".into()));
    }
    kyodo_store::accounts::set_disabled(&state.db, &caller.actor(), id, disabled).await?;
    Ok(())
}

pub async fn disable_user_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    set_disabled(&state, &caller, id, true).await?;
    Ok(Redirect::to(&format!("/users/{id}?notice=saved")).into_response())
}

pub async fn enable_user_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    set_disabled(&state, &caller, id, false).await?;
    Ok(Redirect::to(&format!("/users/{id}?notice=saved")).into_response())
}

/// Who the token or session belongs to.
#[utoipa::path(get, path = "/me", tag = "accounts", responses((status = 200, body = User), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me_api(ApiCaller(caller): ApiCaller) -> ApiResult<Json<User>> {
    Ok(Json(caller.user))
}
