//! Accounts (利用者) and their roles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an account may do is decided by its role and what it is linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// システム管理者: accounts, settings, audit log.
    Admin,
    /// 制度所管課 (地域政策課, くらしいき課…): owns the scheme.
    Coordinator,
    /// 地域担当職員: linked to a staff record; scoped to the districts served.
    Liaison,
    /// 担当部署: linked to a department.
    Department,
    /// 地域団体の役員・事務局: linked to an organisation.
    Community,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Coordinator,
        Role::Liaison,
        Role::Department,
        Role::Community,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Liaison => "liaison",
            Role::Department => "department",
            Role::Community => "community",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "システム管理者",
            Role::Coordinator => "制度所管課",
            Role::Liaison => "地域担当職員",
            Role::Department => "担当部署",
            Role::Community => "地域団体",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Role::parse(&value).ok_or_else(|| format!("unknown role {value}"))
    }
}

/// A login account. The password hash never leaves the store.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct User {
    pub id: i64,
    pub municipality_id: i64,
    pub login: String,
    pub display_name: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub role: Role,
    pub staff_id: Option<i64>,
    pub department_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What an account must be linked to, by role.
pub fn link_error(
    role: Role,
    staff_id: Option<i64>,
    department_id: Option<i64>,
    organisation_id: Option<i64>,
) -> Option<&'static str> {
    match role {
        Role::Liaison if staff_id.is_none() => Some("地域担当職員には職員を指定してください"),
        Role::Department if department_id.is_none() => Some("担当部署には部署を指定してください"),
        Role::Community if organisation_id.is_none() => Some("地域団体には団体を指定してください"),
        _ => None,
    }
}

/// Login names: 3–64 half-width letters, digits, `.`, `_`, `-`, `@`.
pub fn valid_login(login: &str) -> bool {
    (3..=64).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// A password policy that favours length over composition (NIST SP 800-63B).
pub fn password_problem(password: &str, login: &str) -> Option<&'static str> {
    let len = password.chars().count();
    if len < 10 {
        Some("パスワードは10文字以上にしてください")
    } else if len > 256 {
        Some("パスワードは256文字以内にしてください")
    } else if password.eq_ignore_ascii_case(login) {
        Some("ログイン名と同じパスワードは使えません")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_by_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("public"), None);
    }

    #[test]
    fn linked_roles_need_their_link() {
        assert!(link_error(Role::Liaison, None, Some(1), None).is_some());
        assert!(link_error(Role::Liaison, Some(1), None, None).is_none());
        assert!(link_error(Role::Community, None, None, None).is_some());
        assert!(link_error(Role::Coordinator, None, None, None).is_none());
    }

    #[test]
    fn password_rules() {
        assert!(password_problem("short", "u").is_some());
        assert!(password_problem("coordinator", "COORDINATOR").is_some());
        assert!(password_problem("correct horse battery", "u").is_none());
        assert!(!valid_login("ab"));
        assert!(valid_login("arao.coordinator"));
        assert!(!valid_login("荒尾"));
    }
}
