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
}
