//! The city's recognition (認可) of a 地域運営組織: the community applies,
//! the coordinator returns the application with a comment or grants it with
//! a date and number, and may later withdraw it (取消). Only a recognised
//! body is listed as a 地域運営組織 and may receive the block grant.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{FieldErrors, Fields};

/// Where an organisation's recognition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecognitionStatus {
    /// 未申請.
    #[default]
    None,
    /// 申請中.
    Applied,
    /// 差戻し: returned with a comment, to apply again.
    Returned,
    /// 認可.
    Granted,
    /// 取消.
    Withdrawn,
}

impl RecognitionStatus {
    pub const ALL: [RecognitionStatus; 5] = [
        RecognitionStatus::None,
        RecognitionStatus::Applied,
        RecognitionStatus::Returned,
        RecognitionStatus::Granted,
        RecognitionStatus::Withdrawn,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RecognitionStatus::None => "none",
            RecognitionStatus::Applied => "applied",
            RecognitionStatus::Returned => "returned",
            RecognitionStatus::Granted => "granted",
            RecognitionStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RecognitionStatus::None => "未申請",
            RecognitionStatus::Applied => "申請中",
            RecognitionStatus::Returned => "差戻し",
            RecognitionStatus::Granted => "認可",
            RecognitionStatus::Withdrawn => "認可取消",
        }
    }
}

impl TryFrom<String> for RecognitionStatus {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        Self::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .ok_or_else(|| format!("unknown recognition status {key}"))
    }
}

/// A step of the recognition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecognitionAction {
    /// 申請 (the community, or its liaison on its behalf).
    Apply,
    /// 差戻し (the coordinator), with what is to be put right.
    Return,
    /// 認可 (the coordinator), with date and number.
    Grant,
    /// 取消 (the coordinator), with date and reason.
    Withdraw,
}

impl RecognitionAction {
    pub const ALL: [RecognitionAction; 4] = [
        RecognitionAction::Apply,
        RecognitionAction::Return,
        RecognitionAction::Grant,
        RecognitionAction::Withdraw,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RecognitionAction::Apply => "apply",
            RecognitionAction::Return => "return",
            RecognitionAction::Grant => "grant",
            RecognitionAction::Withdraw => "withdraw",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            RecognitionAction::Apply => "認可の申請",
            RecognitionAction::Return => "差戻し",
            RecognitionAction::Grant => "認可",
            RecognitionAction::Withdraw => "認可の取消",
        }
    }

    /// The status it leads to.
    pub fn result(self) -> RecognitionStatus {
        match self {
            RecognitionAction::Apply => RecognitionStatus::Applied,
            RecognitionAction::Return => RecognitionStatus::Returned,
            RecognitionAction::Grant => RecognitionStatus::Granted,
            RecognitionAction::Withdraw => RecognitionStatus::Withdrawn,
        }
    }

    /// Whether it may be taken from `status`.
    pub fn allowed_from(self, status: RecognitionStatus) -> bool {
        use RecognitionStatus as S;
        match self {
            RecognitionAction::Apply => matches!(status, S::None | S::Returned | S::Withdrawn),
            RecognitionAction::Return | RecognitionAction::Grant => status == S::Applied,
            RecognitionAction::Withdraw => status == S::Granted,
        }
    }

    /// Why it may not be taken from `status`.
    pub fn refusal(self, status: RecognitionStatus) -> String {
        match self {
            RecognitionAction::Apply => format!("{}のため申請できません", status.label()),
            RecognitionAction::Return | RecognitionAction::Grant => {
                format!(
                    "申請中ではないため{}できません（現在: {}）",
                    self.label(),
                    status.label()
                )
            }
            RecognitionAction::Withdraw => "認可されていないため取り消せません".to_owned(),
        }
    }
}

/// What a step carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecognitionInput {
    pub action: RecognitionAction,
    /// 申請日 (today when not given), 認可日 or 取消日.
    pub on: Option<NaiveDate>,
    /// 認可番号, e.g. 新総政第123号.
    pub number: Option<String>,
    /// The application's note, the reason to return or withdraw.
    pub comment: Option<String>,
}

impl RecognitionInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let keys: Vec<String> = RecognitionAction::ALL.iter().map(|a| a.key().to_owned()).collect();
        let action = f
            .choice("action", "手続", &keys, true)
            .and_then(|k| RecognitionAction::from_key(&k));
        let on = f.date("on", "日付", false);
        let number = f.optional("number", "認可番号", 50);
        let comment = f.text("comment", "コメント", 4000, false);
        if let Some(action) = action {
            match action {
                RecognitionAction::Grant => {
                    if on.is_none() {
                        f.errors.add("on", "認可日を入力してください");
                    }
                    if number.is_none() {
                        f.errors.add("number", "認可番号を入力してください");
                    }
                }
                RecognitionAction::Withdraw => {
                    if on.is_none() {
                        f.errors.add("on", "取消日を入力してください");
                    }
                    if comment.is_none() {
                        f.errors.add("comment", "取消の理由を入力してください");
                    }
                }
                RecognitionAction::Return if comment.is_none() => {
                    f.errors
                        .add("comment", "差戻しの理由（直してほしいこと）を入力してください");
                }
                _ => {}
            }
        }
        let input = action.map(|action| RecognitionInput {
            action,
            on,
            number,
            comment,
        });
        f.finish(input)
            .map(|i| i.expect("the action is required, so present when there are no errors"))
    }
}

/// One step as kept in the organisation's history; an application keeps
/// what was applied with (規約, 役員, 区域, 将来計画) as it stood.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct RecognitionEvent {
    pub id: i64,
    pub organisation_id: i64,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub action: RecognitionAction,
    pub on_date: Option<NaiveDate>,
    pub number: Option<String>,
    pub comment: Option<String>,
    /// What was applied with, as it stood, for `apply`.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "Option<String>"))]
    #[schema(value_type = Option<Application>)]
    pub application: AppliedWith,
    pub actor_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What an application was made with (申請書類), as it stood that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Application {
    pub stage: Option<String>,
    /// The 区域's areas, by name.
    pub areas: Vec<String>,
    /// 役員名簿: (役職, 氏名).
    pub officers: Vec<AppliedOfficer>,
    /// The dated records of the way (規約, 設立総会, 将来計画の議決…).
    pub records: Vec<AppliedRecord>,
    /// The documents attached (申請書類); absent from applications made
    /// before documents could be attached.
    #[serde(default)]
    pub files: Vec<AppliedFile>,
}

/// A document an application was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppliedFile {
    pub id: i64,
    pub kind: crate::organisations::application_files::DocumentKind,
    pub filename: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppliedOfficer {
    pub role: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppliedRecord {
    pub kind: crate::organisations::establishment::Requirement,
    pub held_on: NaiveDate,
}

/// An [`Application`] as kept in the database (JSON text), absent for other steps.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct AppliedWith(pub Option<Application>);

impl TryFrom<Option<String>> for AppliedWith {
    type Error = serde_json::Error;

    fn try_from(text: Option<String>) -> Result<Self, Self::Error> {
        text.map(|t| serde_json::from_str(&t)).transpose().map(AppliedWith)
    }
}

impl TryFrom<String> for RecognitionAction {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        RecognitionAction::from_key(&key).ok_or_else(|| format!("unknown recognition action {key}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_through_recognition() {
        use RecognitionAction as A;
        use RecognitionStatus as S;
        assert!(A::Apply.allowed_from(S::None));
        assert!(!A::Apply.allowed_from(S::Applied));
        assert!(
            !A::Grant.allowed_from(S::None),
            "nothing to grant before an application"
        );
        assert!(A::Grant.allowed_from(S::Applied));
        assert!(A::Apply.allowed_from(S::Returned));
        assert!(A::Withdraw.allowed_from(S::Granted));
        assert!(!A::Withdraw.allowed_from(S::Applied));
        assert!(A::Apply.allowed_from(S::Withdrawn), "a body may apply again after 取消");
    }

    #[test]
    fn a_grant_needs_its_date_and_number_and_a_withdrawal_its_reason() {
        let grant = |k: &str| (k == "action").then(|| "grant".to_owned());
        let errors = RecognitionInput::parse(&grant).unwrap_err();
        assert!(errors.get("on").is_some() && errors.get("number").is_some());
        let withdraw = |k: &str| match k {
            "action" => Some("withdraw".to_owned()),
            "on" => Some("R8.12.1".to_owned()),
            _ => None,
        };
        let errors = RecognitionInput::parse(&withdraw).unwrap_err();
        assert_eq!(errors.errors.len(), 1);
        assert!(errors.get("comment").is_some());
    }
}
