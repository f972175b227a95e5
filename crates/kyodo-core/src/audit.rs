//! The audit log (監査ログ): who did what, when; every write and every read
//! of personal data.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub municipality_id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    /// The login at the time, kept even if the account is later renamed.
    pub login: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    /// What changed (`{"field": [before, after]}`) or what was read.
    pub detail: Option<String>,
    pub ip: Option<String>,
    /// The acting account's display name now (a renamed person is shown by
    /// their current name); `None` for the command line or a removed account.
    #[cfg_attr(feature = "sqlx", sqlx(default))]
    pub user_name: Option<String>,
}

/// Kinds of audited events, as stored.
pub mod kind {
    pub const CREATE: &str = "create";
    pub const UPDATE: &str = "update";
    pub const ARCHIVE: &str = "archive";
    pub const RESTORE: &str = "restore";
    pub const DELETE: &str = "delete";
    pub const READ_PERSONAL: &str = "read_personal";
    pub const LOGIN: &str = "login";
    pub const LOGIN_FAILED: &str = "login_failed";
    pub const LOGOUT: &str = "logout";
    pub const PASSWORD_CHANGE: &str = "password_change";
    pub const IMPORT: &str = "import";
    pub const EXPORT: &str = "export";
    pub const TOKEN_CREATE: &str = "token_create";
    pub const TOKEN_REVOKE: &str = "token_revoke";
    /// An account reaching personal data was made, let in again, or had
    /// its password set by someone else (see `privileged_grants`).
    pub const PRIVILEGED_ACCOUNT_CREATED: &str = "privileged_account_created";
    pub const PRIVILEGED_ACCOUNT_ENABLED: &str = "privileged_account_enabled";
    pub const PRIVILEGED_PASSWORD_RESET: &str = "privileged_password_reset";
    /// A coordinator acknowledged one of those.
    pub const PRIVILEGED_GRANT_ACKNOWLEDGED: &str = "privileged_grant_acknowledged";
    /// What the audit page's filter calls every one of the four above.
    pub const PRIVILEGED_PREFIX: &str = "privileged_";

    /// Whether `kind` is one of the separation-of-duties events.
    pub fn is_privileged(kind: &str) -> bool {
        kind.starts_with(PRIVILEGED_PREFIX)
    }

    /// The Japanese label for the admin page.
    pub fn label(kind: &str) -> &str {
        match kind {
            CREATE => "作成",
            UPDATE => "更新",
            ARCHIVE => "アーカイブ",
            RESTORE => "復元",
            DELETE => "削除",
            READ_PERSONAL => "個人情報の閲覧",
            LOGIN => "ログイン",
            LOGIN_FAILED => "ログイン失敗",
            LOGOUT => "ログアウト",
            PASSWORD_CHANGE => "パスワード変更",
            IMPORT => "取込",
            EXPORT => "書出し",
            TOKEN_CREATE => "APIトークン発行",
            TOKEN_REVOKE => "APIトークン失効",
            PRIVILEGED_ACCOUNT_CREATED => "個人情報に届くアカウントの作成",
            PRIVILEGED_ACCOUNT_ENABLED => "個人情報に届くアカウントの利用再開",
            PRIVILEGED_PASSWORD_RESET => "個人情報に届くアカウントのパスワード再設定",
            PRIVILEGED_GRANT_ACKNOWLEDGED => "個人情報に届くアカウントの確認",
            other => other,
        }
    }
}

/// Field-by-field differences between two JSON objects, as
/// `{"field": [before, after]}`; fields equal on both sides are left out.
pub fn diff(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Value {
    let mut changes = serde_json::Map::new();
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    for (key, new) in a {
        let old = b.get(key).unwrap_or(&serde_json::Value::Null);
        if old != new && key != "version" {
            changes.insert(key.clone(), serde_json::json!([old, new]));
        }
    }
    serde_json::Value::Object(changes)
}

/// What the log keeps of a personal field's value: that it changed, not what it is.
pub const WITHHELD: &str = "（個人情報のため記録しません）";

/// `detail` (a record or a diff) with the values of `personal` fields
/// replaced by [`WITHHELD`], so that the log is not a copy of personal data.
pub fn withhold(mut detail: serde_json::Value, personal: &[&str]) -> serde_json::Value {
    if let Some(object) = detail.as_object_mut() {
        for field in personal {
            if let Some(value) = object.get_mut(*field) {
                *value = match value {
                    serde_json::Value::Null => serde_json::Value::Null,
                    // A diff's [before, after]: say which side had a value.
                    serde_json::Value::Array(sides) => serde_json::Value::Array(
                        sides
                            .iter()
                            .map(|v| if v.is_null() { v.clone() } else { WITHHELD.into() })
                            .collect(),
                    ),
                    _ => WITHHELD.into(),
                };
            }
        }
    }
    detail
}

/// Every record type the log names, as stored in `entity`, with its
/// Japanese name; the audit page's 記録の種類 filter lists them in this order.
pub const ENTITIES: &[(&str, &str)] = &[
    ("issues", "課題"),
    ("issue_attachments", "添付"),
    ("answer_templates", "回答の定型文"),
    ("meetings", "会議"),
    ("activities", "活動記録"),
    ("organisations", "団体"),
    ("officers", "役員"),
    ("key_people", "キーパーソン"),
    ("establishment_records", "設立までの記録"),
    ("organisation_areas", "区域"),
    ("existing_groups", "既存組織"),
    ("plans", "計画"),
    ("plan_projects", "事業"),
    ("plan_comments", "助言"),
    ("supported_residents", "避難行動要支援者"),
    ("register_readers", "要支援者名簿の閲覧者"),
    ("application_files", "申請書類"),
    ("areas", "地区"),
    ("departments", "部署"),
    ("staff", "職員"),
    ("appointments", "任命"),
    ("handovers", "引継ぎ"),
    ("rotation_plans", "異動計画案"),
    ("users", "アカウント"),
    ("api_tokens", "APIトークン"),
    ("privileged_grants", "個人情報に届くアカウントの通知"),
    ("scheme", "制度設定"),
    ("mail_settings", "メール設定"),
    ("import_runs", "取込"),
];

/// The Japanese name of a record type; an unknown one as stored.
pub fn entity_label(entity: &str) -> &str {
    ENTITIES
        .iter()
        .find(|(key, _)| *key == entity)
        .map_or(entity, |(_, label)| label)
}

/// Record types whose names are personal data: the log shows their number only.
pub fn is_personal_entity(entity: &str) -> bool {
    matches!(entity, "key_people" | "supported_residents")
}

/// How the sentence names the record: 「課題 No.25「道路の穴」」,
/// 「団体「万田自治会」」, or 「キーパーソン #3」 when the name is unknown or
/// personal.
pub fn target_text(entity: &str, entity_id: Option<i64>, name: Option<&str>) -> String {
    let label = entity_label(entity);
    let name = name.filter(|n| !n.is_empty() && !is_personal_entity(entity));
    match (entity, entity_id, name) {
        ("issues", Some(id), Some(name)) => format!("{label} No.{id}「{name}」"),
        ("issues", Some(id), None) => format!("{label} No.{id}"),
        (_, _, Some(name)) => format!("{label}「{name}」"),
        (_, Some(id), None) => format!("{label} #{id}"),
        (_, None, None) => label.to_owned(),
    }
}

/// What the sentence says was done to the target, after it: 「を更新」,
/// 「の部署の回答を記録」. `None` for events without a target (logins).
pub fn action_phrase(action: &str) -> Option<String> {
    if let Some(step) = action.strip_prefix("issue.") {
        let label = crate::issues::action_label(step);
        // A step added later than this list still reads as a sentence.
        let label = if label == "その他" { step } else { label };
        return Some(format!("の{label}を記録"));
    }
    let phrase = match action {
        kind::CREATE | "answer_template.create" => "を作成",
        kind::UPDATE => "を更新",
        kind::ARCHIVE => "をアーカイブ",
        kind::RESTORE => "を復元",
        kind::DELETE | "answer_template.delete" => "を削除",
        kind::READ_PERSONAL => "の個人情報を閲覧",
        kind::LOGIN | kind::LOGIN_FAILED | kind::LOGOUT => return None,
        kind::PASSWORD_CHANGE => "のパスワードを変更",
        kind::IMPORT => "をCSVから取込",
        kind::EXPORT => "を書出し",
        kind::TOKEN_CREATE => "を発行",
        kind::TOKEN_REVOKE => "を失効",
        kind::PRIVILEGED_ACCOUNT_CREATED => "を作成（個人情報に届くアカウント）",
        kind::PRIVILEGED_ACCOUNT_ENABLED => "の利用を再開（個人情報に届くアカウント）",
        kind::PRIVILEGED_PASSWORD_RESET => "のパスワードを再設定（個人情報に届くアカウント）",
        kind::PRIVILEGED_GRANT_ACKNOWLEDGED => "を確認",
        "end" => "を終了",
        "approve" => "を承認",
        "mail_settings.save" => "を保存",
        "user.email" => "のメールアドレスを変更",
        other => return Some(format!("に「{other}」を実行")),
    };
    Some(phrase.to_owned())
}

/// The whole sentence after the actor: 「課題 No.25「道路の穴」 の部署の回答を記録」,
/// or 「ログイン」 for an event without a target.
pub fn predicate(action: &str, target: &str) -> String {
    match action_phrase(action) {
        Some(phrase) => format!("{target} {phrase}"),
        None => match action {
            kind::LOGIN => "ログイン".to_owned(),
            kind::LOGIN_FAILED => "ログインに失敗".to_owned(),
            kind::LOGOUT => "ログアウト".to_owned(),
            other => other.to_owned(),
        },
    }
}

/// The Japanese name of a field the records log, for the list of changes;
/// an unknown one as stored.
pub fn field_label<'a>(entity: &str, field: &'a str) -> &'a str {
    match (entity, field) {
        ("meetings", "title") => "会議名",
        ("meetings", "minutes") => "議事録",
        ("meetings", "staff_ids") => "出席した職員",
        ("activities", "minutes") => "時間（分）",
        ("officers" | "key_people", "title" | "role") => "役職",
        ("users", "role") => "権限",
        ("api_tokens", "name") => "トークンの名前",
        (_, f) => match f {
            "id" => "番号",
            "code" => "コード",
            "name" => "名称",
            "name_kana" => "フリガナ",
            "display_name" => "表示名",
            "login" => "ログイン名",
            "kind" => "種別",
            "area_id" => "地区",
            "parent_id" => "上位",
            "level" => "階層",
            "stage" => "段階",
            "established_on" => "設立日",
            "approved_on" => "認可日",
            "recognition" => "認可",
            "recognition_number" => "認可番号",
            "successor_id" => "統合先",
            "note" => "備考",
            "archived_at" => "アーカイブ日時",
            "phone" => "電話番号",
            "email" => "メールアドレス",
            "address" => "住所",
            "employee_number" => "職員番号",
            "department_id" => "所属",
            "grade" => "職級",
            "grade_effective_on" => "職級の発令日",
            "hire_date" => "採用日",
            "home_area_id" => "居住地区",
            "organisation_id" => "団体",
            "title" => "件名",
            "body" => "内容",
            "category" => "分類",
            "priority" => "優先度",
            "location" => "場所",
            "latitude" => "緯度",
            "longitude" => "経度",
            "fiscal_year" => "年度",
            "source" => "受付の経路",
            "source_note" => "受付の経路の補足",
            "received_on" => "受付日",
            "status" => "状況",
            "responsibility" => "役割分担",
            "other_body" => "他の機関",
            "plan_text" => "対応方針",
            "answer_due_on" => "回答期限",
            "reported_on" => "報告日",
            "report_method" => "報告の方法",
            "report_text" => "報告の内容",
            "continuing" => "継続",
            "closed_at" => "完了日時",
            "close_reason" => "完了の理由",
            "policy_reflection" => "施策への反映",
            "reflected_on" => "反映日",
            "held_on" => "開催日",
            "start_time" => "開始時刻",
            "end_time" => "終了時刻",
            "place" => "場所",
            "public" => "公開",
            "observers_allowed" => "傍聴可",
            "main_meeting_id" => "本体の会議",
            "done_on" => "活動日",
            "duty_type" => "活動の種類",
            "out_of_hours" => "時間外",
            "compensation" => "時間外の扱い",
            "official_car" => "公用車",
            "meeting_id" => "会議",
            "issue_id" => "課題",
            "staff_id" => "職員",
            "position_key" => "役割",
            "start_on" => "開始日",
            "planned_end_on" => "終了予定日",
            "ended_on" => "終了日",
            "end_reason" => "終了の理由",
            "end_note" => "終了の補足",
            "appointed_on" => "任命日",
            "appointed_by" => "任命者",
            "replaces_id" => "前任の任命",
            "term_start" => "任期の開始",
            "term_end" => "任期の終了",
            "role" => "役職",
            "disabled" => "利用停止",
            "lines" => "行数",
            "encoding" => "文字コード",
            "created" => "追加",
            "updated" => "更新",
            "unchanged" => "変更なし",
            "created_at" => "作成日時",
            "fields" => "項目",
            "key_person_ids" => "キーパーソンの番号",
            "staff_ids" => "職員の番号",
            "handover_id" => "引継ぎ",
            "user_id" => "アカウント",
            "reason" => "理由",
            "grant_id" => "通知",
            "host" => "SMTPサーバー",
            "digest_enabled" => "毎日のまとめメール",
            "first_year" => "初年度",
            "horizon" => "計画する年数",
            "score" => "評価値",
            "based_on_id" => "元の案",
            "appointments" => "任命の数",
            "position" => "役割",
            "updated_at" => "更新日時",
            other => other,
        },
    }
}

/// A logged value as the page shows it: 「（空）」, はい/いいえ, dates in 和暦,
/// an issue's status by its Japanese name.
pub fn value_text(entity: &str, field: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "（空）".to_owned(),
        Value::Bool(true) => "はい".to_owned(),
        Value::Bool(false) => "いいえ".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.is_empty() => "（空）".to_owned(),
        Value::String(s) => {
            if entity == "issues"
                && field == "status"
                && let Some(status) = crate::issues::IssueStatus::ALL.iter().find(|st| st.key() == s)
            {
                return status.label().to_owned();
            }
            if let Ok(date) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                return crate::wareki::format_date_wareki(date);
            }
            if let Ok(at) = DateTime::parse_from_rfc3339(s) {
                return at_text(at.with_timezone(&Utc));
            }
            s.clone()
        }
        // Which fields were read (`read_personal`): by their names.
        Value::Array(items) if field == "fields" => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map_or_else(|| v.to_string(), |f| field_label(entity, f).to_owned())
            })
            .collect::<Vec<_>>()
            .join("、"),
        Value::Array(items) => items
            .iter()
            .map(|v| value_text(entity, field, v))
            .collect::<Vec<_>>()
            .join("、"),
        Value::Object(_) => value.to_string(),
    }
}

/// A moment in Japan time, in 和暦: 「令和8年12月2日 14:03」.
pub fn at_text(at: DateTime<Utc>) -> String {
    let jst = at + chrono::Duration::hours(9);
    format!(
        "{} {}",
        crate::wareki::format_date_wareki(jst.date_naive()),
        jst.format("%H:%M")
    )
}

/// One line of an entry's detail: 「名称: 万田 → 万田地区」 for a change,
/// 「状況: 部署の回答待ち」 for a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailLine {
    pub label: String,
    pub before: Option<String>,
    pub value: String,
}

impl std::fmt::Display for DetailLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.before {
            Some(before) => write!(f, "{}: {before} → {}", self.label, self.value),
            None => write!(f, "{}: {}", self.label, self.value),
        }
    }
}

/// Fields a created record's snapshot carries that say nothing to a reader.
const BOOKKEEPING: [&str; 5] = ["id", "municipality_id", "version", "created_at", "updated_at"];

/// An entry's detail JSON as readable lines: an update's
/// `{"field": [before, after]}` as changes, anything else as values.
/// Withheld personal values stay withheld: they are logged as [`WITHHELD`].
pub fn detail_lines(entity: &str, action: &str, detail: Option<&str>) -> Vec<DetailLine> {
    let Some(detail) = detail else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(detail) else {
        return vec![DetailLine {
            label: "内容".to_owned(),
            before: None,
            value: detail.to_owned(),
        }];
    };
    // Most updates log a diff, every field as [before, after]; meetings and
    // activities log the values saved, which a two-person list must not pass for.
    let is_update = action == kind::UPDATE;
    let is_diff = is_update
        && !fields.is_empty()
        && fields
            .values()
            .all(|v| v.as_array().is_some_and(|sides| sides.len() == 2));
    fields
        .iter()
        .filter(|(field, _)| !BOOKKEEPING.contains(&field.as_str()))
        .filter_map(|(field, value)| {
            let label = field_label(entity, field).to_owned();
            match value {
                serde_json::Value::Array(sides) if is_diff => Some(DetailLine {
                    label,
                    before: Some(value_text(entity, field, &sides[0])),
                    value: value_text(entity, field, &sides[1]),
                }),
                // A new record's empty fields are noise.
                serde_json::Value::Null if !is_update => None,
                _ => Some(DetailLine {
                    label,
                    before: None,
                    value: value_text(entity, field, value),
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_keeps_only_changed_fields() {
        let d = diff(
            &json!({"name": "万田", "code": "A1", "version": 1}),
            &json!({"name": "万田地区", "code": "A1", "version": 2}),
        );
        assert_eq!(d, json!({"name": ["万田", "万田地区"]}));
    }

    #[test]
    fn withheld_fields_say_that_they_changed_not_what_to() {
        let d = diff(
            &json!({"name": "山田", "email": null, "home_area_id": 3}),
            &json!({"name": "山田", "email": "a@city.example.jp", "home_area_id": 4}),
        );
        let kept = withhold(d, &["email", "home_area_id"]);
        assert_eq!(
            kept,
            json!({"email": [null, WITHHELD], "home_area_id": [WITHHELD, WITHHELD]})
        );
        let created = withhold(
            json!({"name": "山田", "email": "a@b.jp", "home_area_id": null}),
            &["email", "home_area_id"],
        );
        assert_eq!(
            created,
            json!({"name": "山田", "email": WITHHELD, "home_area_id": null})
        );
    }

    #[test]
    fn an_issue_step_reads_as_a_sentence() {
        let target = target_text("issues", Some(25), Some("道路の穴"));
        assert_eq!(target, "課題 No.25「道路の穴」");
        assert_eq!(
            predicate("issue.answer", &target),
            "課題 No.25「道路の穴」 の部署の回答を記録"
        );
        assert_eq!(
            predicate("issue.intake", &target_text("issues", Some(3), None)),
            "課題 No.3 の受付を記録"
        );
    }

    #[test]
    fn records_are_named_in_japanese_and_key_people_by_number_only() {
        assert_eq!(
            predicate(kind::UPDATE, &target_text("organisations", Some(4), Some("万田自治会"))),
            "団体「万田自治会」 を更新"
        );
        assert_eq!(
            predicate(
                kind::READ_PERSONAL,
                &target_text("key_people", Some(7), Some("山田 花子"))
            ),
            "キーパーソン #7 の個人情報を閲覧"
        );
        assert_eq!(target_text("staff", None, None), "職員");
        assert_eq!(predicate(kind::LOGIN, "アカウント #1"), "ログイン");
        assert_eq!(entity_label("rotation_plans"), "異動計画案");
        assert_eq!(entity_label("something_new"), "something_new");
    }

    #[test]
    fn every_logged_action_has_a_japanese_phrase() {
        for action in [
            kind::CREATE,
            kind::UPDATE,
            kind::ARCHIVE,
            kind::RESTORE,
            kind::DELETE,
            kind::READ_PERSONAL,
            kind::PASSWORD_CHANGE,
            kind::IMPORT,
            kind::EXPORT,
            kind::TOKEN_CREATE,
            kind::TOKEN_REVOKE,
            kind::PRIVILEGED_ACCOUNT_CREATED,
            kind::PRIVILEGED_ACCOUNT_ENABLED,
            kind::PRIVILEGED_PASSWORD_RESET,
            kind::PRIVILEGED_GRANT_ACKNOWLEDGED,
            "end",
            "approve",
            "answer_template.create",
            "answer_template.delete",
            "mail_settings.save",
            "user.email",
            "issue.edit",
            "issue.attach",
        ] {
            let phrase = action_phrase(action).unwrap();
            assert!(!phrase.is_ascii() && !phrase.contains('「'), "{action}: {phrase}");
        }
    }

    #[test]
    fn an_update_lists_its_changes_with_japanese_labels() {
        let detail = json!({
            "name": ["万田", "万田地区"],
            "note": [null, "角の家"],
            "public": [false, true],
            "held_on": ["2026-04-01", "2026-12-02"],
        })
        .to_string();
        let lines: Vec<String> = detail_lines("meetings", kind::UPDATE, Some(&detail))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(lines.contains(&"名称: 万田 → 万田地区".to_owned()), "{lines:?}");
        assert!(lines.contains(&"備考: （空） → 角の家".to_owned()));
        assert!(lines.contains(&"公開: いいえ → はい".to_owned()));
        assert!(lines.contains(&"開催日: 令和8年4月1日 → 令和8年12月2日".to_owned()));
        let unknown = detail_lines("areas", kind::UPDATE, Some(&json!({"colour": ["a", "b"]}).to_string()));
        assert_eq!(unknown[0].to_string(), "colour: a → b");
    }

    #[test]
    fn an_issue_status_is_shown_by_its_name_and_withheld_values_stay_withheld() {
        let step = detail_lines("issues", "issue.answer", Some(r#"{"status":"to_report"}"#));
        assert_eq!(step[0].to_string(), "状況: 地域への報告待ち");
        let kept = withhold(
            json!({"email": [null, "a@city.example.jp"], "name": ["山田", "山田"]}),
            &["email"],
        );
        let lines = detail_lines("staff", kind::UPDATE, Some(&kept.to_string()));
        let email = lines.iter().find(|l| l.label == "メールアドレス").unwrap();
        assert_eq!(email.to_string(), format!("メールアドレス: （空） → {WITHHELD}"));
        assert!(!lines.iter().any(|l| l.to_string().contains("a@city")));
    }

    #[test]
    fn a_meeting_update_logs_values_not_changes() {
        let detail = json!({"area_id": 3, "title": "役員会", "staff_ids": [4, 5]}).to_string();
        let lines: Vec<String> = detail_lines("meetings", kind::UPDATE, Some(&detail))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(lines.contains(&"出席した職員: 4、5".to_owned()), "{lines:?}");
        assert!(lines.contains(&"会議名: 役員会".to_owned()));
    }

    #[test]
    fn a_read_of_personal_data_names_the_fields_read() {
        let detail = json!({"fields": ["home_area_id", "email"], "staff_ids": [4]}).to_string();
        let lines = detail_lines("staff", kind::READ_PERSONAL, Some(&detail));
        assert_eq!(lines[0].to_string(), "項目: 居住地区、メールアドレス");
    }

    #[test]
    fn a_created_record_lists_its_filled_fields_only() {
        let detail = json!({"id": 4, "version": 1, "name": "万田", "note": null}).to_string();
        let lines = detail_lines("areas", kind::CREATE, Some(&detail));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].to_string(), "名称: 万田");
    }

    #[test]
    fn times_are_shown_in_japan_time_and_wareki() {
        let at = DateTime::parse_from_rfc3339("2026-12-02T05:03:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(at_text(at), "令和8年12月2日 14:03");
    }
}
