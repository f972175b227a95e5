//! E-mail: the municipality's SMTP settings page, each user's address on
//! their account page, and the daily digest (対応待ちのお知らせ) built from
//! the same inbox as the home page.

use std::time::Duration;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Timelike;
use kyodo_core::mail::{DigestLine, MailSettings, Security};
use kyodo_core::permissions::Action;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::AppState;
use crate::api::{FormFields, PageQuery};
use crate::auth::{Caller, PageCaller};
use crate::error::{AppError, PageResult};
use crate::pages::{self, FieldKind, FieldSpec, FormState, Layout};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("メールアドレスの形式が正しくありません: {0}")]
    Address(String),
    #[error("メールを作成できませんでした: {0}")]
    Build(String),
    #[error("SMTPサーバーに送信できませんでした: {0}")]
    Smtp(String),
}

/// Sends one plain-text message through the municipality's server.
pub async fn send(s: &MailSettings, to: &str, subject: &str, body: String) -> Result<(), MailError> {
    let smtp = |e: lettre::transport::smtp::Error| MailError::Smtp(e.to_string());
    let builder = match s.security {
        Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host).map_err(smtp)?,
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(smtp)?,
        Security::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
    };
    let mut builder = builder.port(s.port).timeout(Some(Duration::from_secs(20)));
    if let (Some(user), Some(password)) = (&s.username, &s.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    let address = |a: &str| a.parse().map_err(|_| MailError::Address(a.to_owned()));
    let message = Message::builder()
        .from(address(&s.from_address)?)
        .to(address(to)?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| MailError::Build(e.to_string()))?;
    builder.build().send(message).await.map_err(smtp)?;
    Ok(())
}

/// One user's digest, from their inbox; `None` when nothing waits.
async fn digest_for(state: &AppState, caller: &Caller) -> Result<Option<(String, String)>, AppError> {
    let mut entries = crate::issues::inbox::entries(state, caller).await?;
    entries.extend(crate::grants::inbox::entries(state, caller).await?);
    let lines: Vec<DigestLine> = entries
        .into_iter()
        .map(|e| DigestLine {
            label: e.label.to_owned(),
            count: e.count,
            path: e.href,
            late: e.late,
        })
        .collect();
    Ok(kyodo_core::mail::digest(
        &caller.municipality.name,
        &caller.user.display_name,
        &pages::date_ja(&caller.today),
        &lines,
        state.config.public_url.as_deref().unwrap_or(""),
    ))
}

/// What a digest run did for one municipality.
#[derive(Debug, Default, PartialEq)]
pub struct DigestReport {
    pub sent: usize,
    pub failed: usize,
}

/// Sends the day's digest of every municipality whose hour has come and
/// whose digest this server claims first. `force`: this municipality now,
/// whatever the hour and whether it went out today (the CLI).
pub async fn send_digests(state: &AppState, force: Option<i64>) -> Result<DigestReport, AppError> {
    let mut report = DigestReport::default();
    let hour = (chrono::Utc::now() + chrono::Duration::hours(9)).hour();
    let today = state.today();
    for muni in kyodo_store::municipalities::list(&state.db).await? {
        if force.is_some_and(|f| f != muni.id) {
            continue;
        }
        let Some(settings) = kyodo_store::mail::get(&state.db, muni.id).await? else {
            continue;
        };
        let due = settings.digest_enabled
            && hour >= u32::from(settings.digest_hour)
            && kyodo_store::mail::claim_digest(&state.db, muni.id, today).await?;
        if !due && force.is_none() {
            continue;
        }
        for (user, email) in kyodo_store::mail::recipients(&state.db, muni.id).await? {
            let caller = crate::auth::caller_of(state, user, muni.clone()).await?;
            let Some((subject, body)) = digest_for(state, &caller).await? else {
                continue;
            };
            match send(&settings, &email, &subject, body).await {
                Ok(()) => report.sent += 1,
                Err(e) => {
                    tracing::warn!(municipality = muni.code, user = caller.user.login, error = %e, "digest not sent");
                    report.failed += 1;
                }
            }
        }
    }
    Ok(report)
}

#[derive(Template)]
#[template(path = "mail.html")]
struct MailPage {
    layout: Layout,
    fields: Vec<FieldSpec>,
    form: FormState,
    configured: bool,
    alert: Option<String>,
}

fn render(caller: &Caller, form: FormState, configured: bool, notice: Option<&str>, alert: Option<String>) -> MailPage {
    let security: Vec<(String, String)> = Security::ALL
        .iter()
        .map(|s| (s.key().to_owned(), s.label().to_owned()))
        .collect();
    MailPage {
        layout: Layout::new(caller, "メール設定", "/settings/mail").with_notice(notice),
        fields: vec![
            FieldSpec::text("host", "SMTPサーバー")
                .required()
                .hint("例: smtp.city.example.lg.jp"),
            FieldSpec::select("security", "暗号化", security),
            FieldSpec::text("port", "ポート番号").hint("空欄なら暗号化の方式に合わせます（587・465・25）"),
            FieldSpec::text("username", "ユーザー名").hint("認証がなければ空欄"),
            FieldSpec::text("password", "パスワード")
                .kind(FieldKind::Password)
                .hint("保存済みのパスワードは表示しません。変えるときだけ入力してください"),
            FieldSpec::text("from_address", "送信元アドレス")
                .required()
                .hint("例: kyodo@city.example.lg.jp"),
            FieldSpec::text("digest_enabled", "毎日のお知らせ（対応待ちの一覧）を送る").kind(FieldKind::Checkbox),
            FieldSpec::text("digest_hour", "送信する時刻（時）").hint("0〜23。例: 7（朝7時以降に1日1回）"),
        ],
        form,
        configured,
        alert,
    }
}

fn values(s: &MailSettings) -> std::collections::HashMap<String, String> {
    let mut v = std::collections::HashMap::from([
        ("host".to_owned(), s.host.clone()),
        ("security".to_owned(), s.security.key().to_owned()),
        ("port".to_owned(), s.port.to_string()),
        ("username".to_owned(), s.username.clone().unwrap_or_default()),
        ("from_address".to_owned(), s.from_address.clone()),
        ("digest_hour".to_owned(), s.digest_hour.to_string()),
    ]);
    if s.digest_enabled {
        v.insert("digest_enabled".into(), "true".into());
    }
    v
}

pub async fn settings_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    caller.require(Action::MailSettingsWrite)?;
    let saved = kyodo_store::mail::get(&state.db, caller.municipality.id).await?;
    let form = FormState::new(saved.as_ref().map(values).unwrap_or_default());
    let notice = q.notice.as_deref();
    Ok(pages::render(&render(&caller, form, saved.is_some(), notice, None)))
}

pub async fn save_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::MailSettingsWrite)?;
    let saved = kyodo_store::mail::get(&state.db, caller.municipality.id).await?;
    let keep = saved.as_ref().and_then(|s| s.password.clone());
    let parsed = MailSettings::parse(&pages::form_getter(&form.0), keep);
    match parsed {
        Ok(settings) => {
            kyodo_store::mail::save(&state.db, &caller.actor(), &settings).await?;
            Ok(Redirect::to("/settings/mail?notice=saved").into_response())
        }
        Err(errors) => {
            let mut values = form.0;
            values.remove("password");
            let page = render(&caller, FormState { values, errors }, saved.is_some(), None, None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, pages::render(&page)).into_response())
        }
    }
}

/// Sends a test message to the caller's own address with the saved settings.
pub async fn test_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::MailSettingsWrite)?;
    let muni = caller.municipality.id;
    let Some(settings) = kyodo_store::mail::get(&state.db, muni).await? else {
        return Err(AppError::Refused("先にメール設定を保存してください".into()).into());
    };
    let alert = match kyodo_store::mail::email_of(&state.db, caller.user.id).await? {
        None => Some("アカウントのページで自分のメールアドレスを登録してから試してください".to_owned()),
        Some(to) => {
            let body = format!(
                "{} の kyodo からの試験送信です。\nこのメールが届けば、メール設定は正しく動いています。\n",
                caller.municipality.name
            );
            match send(&settings, &to, "【kyodo】試験送信", body).await {
                Ok(()) => return Ok(Redirect::to("/settings/mail?notice=mail_sent").into_response()),
                Err(e) => Some(e.to_string()),
            }
        }
    };
    let page = render(&caller, FormState::new(values(&settings)), true, None, alert);
    Ok((StatusCode::BAD_GATEWAY, pages::render(&page)).into_response())
}

/// The caller's own address for the digest; empty stops it.
pub async fn set_own_email_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::OwnAccount)?;
    let email = {
        let get = pages::form_getter(&form.0);
        let mut fields = kyodo_core::validation::Fields::new(&get);
        let email = fields.email("email", "メールアドレス");
        fields.errors.into_result(email).map_err(AppError::Invalid)?
    };
    kyodo_store::mail::set_email(&state.db, &caller.actor(), caller.user.id, email.as_deref()).await?;
    Ok(Redirect::to("/account?notice=saved").into_response())
}
