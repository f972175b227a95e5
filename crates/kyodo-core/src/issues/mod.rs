//! Issues, requests and proposals (地域課題・要望・提案) from a district, and
//! the workflow that takes each from intake to the report back to the
//! community: sorting (整理), the team's response plan (対応方針), the
//! department's answer (回答), the report back (地域への報告), closing.

pub mod attachments;
pub mod dashboard_cells;
mod export;
mod input;
pub mod progress;
mod query;
pub mod separation;
pub mod stats;
pub mod templates;
mod workflow;

pub use export::{CSV_COLUMNS, csv_row};
pub use input::{IssueInput, ReportInput};
pub use query::IssueQuery;
pub use workflow::{ACTIONS, AnswerInput, Decision, Transition, TransitionError, apply, offered, plan_step_for};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

crate::keyed_enum! {
    /// What the community brings (種別).
    pub enum IssueKind {
        Issue = ("issue", "課題"),
        Request = ("request", "要望"),
        Proposal = ("proposal", "提案"),
    }
}

crate::keyed_enum! {
    /// Where an issue came from (受付経路).
    pub enum Source {
        Meeting = ("meeting", "会議"),
        Desk = ("desk", "窓口・相談"),
        CommunityForm = ("community_form", "地域からの提出"),
        Open311 = ("open311", "外部アプリ"),
        Other = ("other", "その他"),
    }
}

crate::keyed_enum! {
    /// Who deals with it (役割分担): the sorting step's answer.
    pub enum Responsibility {
        Community = ("community", "地域で対応"),
        City = ("city", "市で対応"),
        Joint = ("joint", "協働で対応"),
        /// 国・県・警察…: bodies the city does not manage.
        OtherBody = ("other_body", "他機関"),
    }
}

impl Responsibility {
    /// Whether city departments answer it.
    pub fn needs_departments(self) -> bool {
        matches!(self, Responsibility::City | Responsibility::Joint)
    }
}

crate::keyed_enum! {
    /// Where an issue stands.
    pub enum IssueStatus {
        Received = ("received", "受付（整理待ち）"),
        Sorted = ("sorted", "整理済み（方針案待ち）"),
        Drafted = ("drafted", "方針案（確認待ち）"),
        Reviewed = ("reviewed", "確認済み（決定待ち）"),
        AwaitingAnswer = ("awaiting_answer", "部署の回答待ち"),
        ToReport = ("to_report", "地域への報告待ち"),
        Reported = ("reported", "報告済み"),
        Closed = ("closed", "完了"),
    }
}

impl IssueStatus {
    pub fn is_open(self) -> bool {
        self != IssueStatus::Closed
    }

    /// The status as the community sees it: the team's inner steps are one.
    pub fn public_label(self) -> &'static str {
        match self {
            IssueStatus::Received => "受付済み",
            IssueStatus::Sorted | IssueStatus::Drafted | IssueStatus::Reviewed => "対応を検討中",
            IssueStatus::AwaitingAnswer => "担当部署で検討中",
            IssueStatus::ToReport => "回答済み（報告準備中）",
            IssueStatus::Reported => "報告済み",
            IssueStatus::Closed => "完了",
        }
    }
}

crate::keyed_enum! {
    /// A department's stance (対応方針).
    pub enum Stance {
        WillAct = ("will_act", "対応する"),
        Considering = ("considering", "検討する"),
        Difficult = ("difficult", "対応困難"),
        OtherBody = ("other_body", "他機関"),
    }
}

crate::keyed_enum! {
    /// How the answer went back to the community (報告方法).
    pub enum ReportMethod {
        OfficerMeeting = ("officer_meeting", "役員会"),
        GeneralMeeting = ("general_meeting", "総会"),
        Document = ("document", "文書"),
        Oral = ("oral", "口頭"),
        Email = ("email", "メール"),
        Other = ("other", "その他"),
    }
}

crate::keyed_enum! {
    /// The district's priority (地区の優先度).
    pub enum Priority {
        High = ("high", "高"),
        Normal = ("normal", "中"),
        Low = ("low", "低"),
    }
}

impl Priority {
    /// What an issue gets when nobody chose: the district's ordinary
    /// priority, on every form and in the API alike.
    pub const DEFAULT: Priority = Priority::Normal;
}

/// One issue, request or proposal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Issue {
    pub id: i64,
    pub municipality_id: i64,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub kind: IssueKind,
    pub title: String,
    pub body: String,
    /// One of the scheme's issue categories (分類).
    pub category: String,
    pub area_id: i64,
    pub organisation_id: Option<i64>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub priority: Priority,
    /// Where it is (場所): an address or landmark.
    pub location: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// 年度 the issue belongs to; continuing issues are carried to the next.
    pub fiscal_year: i32,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub source: Source,
    /// The meeting or person it came from, in words.
    pub source_note: Option<String>,
    pub received_on: NaiveDate,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: IssueStatus,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "OptionalKey"))]
    pub responsibility: Option<Responsibility>,
    /// The outside body (国・県・警察…) when the responsibility is 他機関.
    pub other_body: Option<String>,
    /// The team's response plan (対応方針), as drafted, reviewed and decided. Internal.
    pub plan_text: Option<String>,
    /// When the slowest unanswered department is due to answer (回答期限).
    pub answer_due_on: Option<NaiveDate>,
    pub reported_on: Option<NaiveDate>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "OptionalKey"))]
    pub report_method: Option<ReportMethod>,
    /// What the community was told (public).
    pub report_text: Option<String>,
    /// The team published the report on the public site (地域への報告の公開).
    pub report_public: bool,
    /// 継続案件: carried over to the next fiscal year with progress answers.
    pub continuing: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    /// 施策反映: the plan or budget it was reflected in.
    pub policy_reflection: Option<String>,
    pub reflected_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Decodes a nullable key column into an optional keyed enum.
#[derive(Debug)]
pub struct OptionalKey(pub Option<String>);

macro_rules! optional_key {
    ($($t:ty),+) => {$(
        impl TryFrom<$crate::issues::OptionalKey> for Option<$t> {
            type Error = String;
            fn try_from(k: $crate::issues::OptionalKey) -> Result<Self, String> {
                k.0.map(<$t>::try_from).transpose()
            }
        }
    )+};
}
pub(crate) use optional_key;
optional_key!(Responsibility, ReportMethod, Stance);

#[cfg(feature = "sqlx")]
mod decode {
    use super::OptionalKey;

    impl<DB: sqlx::Database> sqlx::Type<DB> for OptionalKey
    where
        String: sqlx::Type<DB>,
    {
        fn type_info() -> DB::TypeInfo {
            <String as sqlx::Type<DB>>::type_info()
        }
        fn compatible(ty: &DB::TypeInfo) -> bool {
            <String as sqlx::Type<DB>>::compatible(ty)
        }
    }

    impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for OptionalKey
    where
        Option<String>: sqlx::Decode<'r, DB>,
    {
        fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
            Ok(OptionalKey(<Option<String> as sqlx::Decode<DB>>::decode(value)?))
        }
    }
}

/// An issue with the names a list shows beside it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct IssueRow {
    #[serde(flatten)]
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    pub issue: Issue,
    pub area_name: String,
    pub organisation_name: Option<String>,
}

/// A department an issue is routed to (担当部署), with its answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Route {
    pub id: i64,
    pub issue_id: i64,
    pub department_id: i64,
    pub department_name: String,
    /// When the team's decision sent it to the department; `None` while only planned.
    pub routed_at: Option<DateTime<Utc>>,
    /// 回答期限.
    pub due_on: Option<NaiveDate>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "OptionalKey"))]
    pub stance: Option<Stance>,
    /// The answer (public).
    pub answer_text: Option<String>,
    /// Notes for city staff only (内部メモ).
    pub internal_note: Option<String>,
    /// Expected completion (完了予定日) when the department will act.
    pub expected_on: Option<NaiveDate>,
    /// Why it is difficult, or which body it belongs to.
    pub reason: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    /// Set when the issue was moved on to another department.
    pub rerouted_at: Option<DateTime<Utc>>,
    pub reroute_reason: Option<String>,
}

impl Route {
    /// Routed, not moved on, not yet answered.
    pub fn is_pending(&self) -> bool {
        self.routed_at.is_some() && self.rerouted_at.is_none() && self.answered_at.is_none()
    }

    pub fn is_active(&self) -> bool {
        self.rerouted_at.is_none()
    }
}

/// One step in an issue's history (経過).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct IssueEvent {
    pub id: i64,
    pub issue_id: i64,
    pub at: DateTime<Utc>,
    /// Who did it (表示名); `None` for the system or an outside app.
    pub actor: Option<String>,
    /// Their account, if they had one.
    #[serde(skip)]
    pub user_id: Option<i64>,
    /// The action's key (`intake`, `sort`, `draft`… `edit`).
    pub action: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "OptionalKey"))]
    pub from_status: Option<IssueStatus>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "OptionalKey"))]
    pub to_status: Option<IssueStatus>,
    /// What was said (comment, draft, answer…), for staff.
    pub note: Option<String>,
    /// What the community may read of it; `None` keeps the step internal.
    pub public_note: Option<String>,
}

optional_key!(IssueStatus);

/// The Japanese name of a history step.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "intake" => "受付",
        "edit" => "内容の修正",
        "sort" => "整理（役割分担）",
        "draft" => "方針案の作成",
        "review" => "方針案の確認",
        "decide" => "対応方針の決定",
        "send_back" => "差し戻し",
        "answer" => "部署の回答",
        "reroute" => "担当部署の変更",
        "report_back" => "地域への報告",
        "close" => "完了",
        "reopen" => "再開",
        "reflect" => "施策反映",
        "publish_report" => "報告をホームページに公開",
        "withdraw_report" => "報告の公開を取り下げ",
        "attach" => "添付",
        "detach" => "添付の削除",
        _ => "その他",
    }
}

/// Days a department has to answer (回答期限), by the district's priority,
/// with per-category exceptions (municipality setting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AnswerDeadlines {
    /// Days for 高, 中, 低.
    pub days: [u16; 3],
    #[serde(default)]
    pub categories: Vec<CategoryDeadline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CategoryDeadline {
    pub category: String,
    /// Days for 高, 中, 低 in this category.
    pub days: [u16; 3],
}

impl Default for AnswerDeadlines {
    fn default() -> Self {
        AnswerDeadlines {
            days: [14, 30, 60],
            categories: vec![
                CategoryDeadline {
                    category: "防災".into(),
                    days: [7, 14, 30],
                },
                CategoryDeadline {
                    category: "防犯".into(),
                    days: [7, 14, 30],
                },
            ],
        }
    }
}

impl AnswerDeadlines {
    pub fn days_for(&self, category: &str, priority: Priority) -> u16 {
        let days = self
            .categories
            .iter()
            .find(|c| c.category == category)
            .map_or(self.days, |c| c.days);
        match priority {
            Priority::High => days[0],
            Priority::Normal => days[1],
            Priority::Low => days[2],
        }
    }

    /// The answer is due this many days after routing.
    pub fn due_on(&self, routed_on: NaiveDate, category: &str, priority: Priority) -> NaiveDate {
        routed_on + chrono::Days::new(u64::from(self.days_for(category, priority)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_enums_parse_keys_and_labels() {
        assert_eq!(IssueKind::parse("request"), Some(IssueKind::Request));
        assert_eq!(IssueKind::parse("要望"), Some(IssueKind::Request));
        assert_eq!(Responsibility::parse("協働で対応"), Some(Responsibility::Joint));
        assert_eq!(IssueKind::parse("苦情"), None);
        assert_eq!(
            IssueStatus::try_from("awaiting_answer".to_owned()),
            Ok(IssueStatus::AwaitingAnswer)
        );
    }

    #[test]
    fn deadlines_follow_category_then_priority() {
        let d = AnswerDeadlines::default();
        let on = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        assert_eq!(
            d.due_on(on, "道路", Priority::Normal),
            NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
        );
        assert_eq!(d.days_for("防災", Priority::High), 7);
        assert_eq!(d.days_for("道路", Priority::Low), 60);
    }

    #[test]
    fn the_community_sees_the_team_steps_as_one() {
        assert_eq!(
            IssueStatus::Drafted.public_label(),
            IssueStatus::Reviewed.public_label()
        );
        assert_ne!(
            IssueStatus::Drafted.public_label(),
            IssueStatus::Received.public_label()
        );
    }
}
