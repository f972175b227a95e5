//! Separation of duties (職務の分離): the system admin reaches no personal
//! data, yet manages accounts. So whenever someone opens an account that
//! does reach it — makes one, lets a stopped one in again, or sets its
//! password — the municipality's coordinators are told, and one of them
//! other than those involved acknowledges it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::accounts::Role;
use crate::audit::kind;
use crate::permissions::{self, Action, Scope};

/// Whether an account of `role` reaches personal data (key people and
/// their contacts), by the permission table.
pub fn reaches_personal_data(role: Role) -> bool {
    permissions::scope(Some(role), Action::KeyPersonRead) != Scope::Denied
}

/// How an account reaching personal data was opened to someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// The account was made (users page or `kyodo user add`).
    Created,
    /// A stopped account was let in again.
    Enabled,
    /// Someone other than its holder set its password.
    PasswordReset,
}

impl GrantKind {
    pub const ALL: [GrantKind; 3] = [GrantKind::Created, GrantKind::Enabled, GrantKind::PasswordReset];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantKind::Created => "created",
            GrantKind::Enabled => "enabled",
            GrantKind::PasswordReset => "password_reset",
        }
    }

    pub fn parse(s: &str) -> Option<GrantKind> {
        GrantKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The audit log's action for this kind, distinct from the plain write.
    pub fn audit_action(self) -> &'static str {
        match self {
            GrantKind::Created => kind::PRIVILEGED_ACCOUNT_CREATED,
            GrantKind::Enabled => kind::PRIVILEGED_ACCOUNT_ENABLED,
            GrantKind::PasswordReset => kind::PRIVILEGED_PASSWORD_RESET,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GrantKind::Created => "作成",
            GrantKind::Enabled => "利用の再開",
            GrantKind::PasswordReset => "パスワードの再設定",
        }
    }
}

impl TryFrom<String> for GrantKind {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        GrantKind::parse(&value).ok_or_else(|| format!("unknown grant kind {value}"))
    }
}

/// `12月1日 10:02`, in Japan's time.
pub fn short_time_ja(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(9)).format("%-m月%-d日 %H:%M").to_string()
}

/// The sentence the coordinators read, e.g. 「システム管理者 山田 が
/// 制度所管課のアカウント tanaka を作成しました（12月1日 10:02）」.
/// `by` is who did it (role and name); `None` is the server's command line.
pub fn notice(by: Option<(Role, &str)>, kind: GrantKind, role: Role, login: &str, at: DateTime<Utc>) -> String {
    let account = format!("{}のアカウント {login}", role.label());
    let when = short_time_ja(at);
    match by {
        Some((by_role, name)) => {
            let done = match kind {
                GrantKind::Created => "を作成しました",
                GrantKind::Enabled => "の利用を再開しました",
                GrantKind::PasswordReset => "のパスワードを再設定しました",
            };
            format!("{} {name} が {account} {done}（{when}）", by_role.label())
        }
        None => {
            let done = match kind {
                GrantKind::Created => "が作成されました",
                GrantKind::Enabled => "の利用が再開されました",
                GrantKind::PasswordReset => "のパスワードが再設定されました",
            };
            format!("サーバーのコマンドで {account} {done}（{when}）")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn those_who_reach_personal_data_come_from_the_table() {
        let reaching: Vec<Role> = Role::ALL.into_iter().filter(|r| reaches_personal_data(*r)).collect();
        assert_eq!(reaching, vec![Role::Coordinator, Role::Liaison, Role::Community]);
    }

    #[test]
    fn kinds_round_trip() {
        for k in GrantKind::ALL {
            assert_eq!(GrantKind::parse(k.as_str()), Some(k));
            assert!(k.audit_action().starts_with("privileged_"));
        }
    }

    #[test]
    fn the_notice_reads_naturally() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 1, 2, 0).unwrap();
        assert_eq!(
            notice(
                Some((Role::Admin, "山田")),
                GrantKind::Created,
                Role::Coordinator,
                "tanaka",
                at
            ),
            "システム管理者 山田 が 制度所管課のアカウント tanaka を作成しました（12月1日 10:02）"
        );
        assert_eq!(
            notice(None, GrantKind::PasswordReset, Role::Liaison, "sato", at),
            "サーバーのコマンドで 地域担当職員のアカウント sato のパスワードが再設定されました（12月1日 10:02）"
        );
    }
}
