//! The permission table (権限表): role × action × scope, in one place.
//! Every page and API route asks [`scope`] before it reads or writes, and a
//! test walks this table against every route.

use serde::Serialize;

use crate::accounts::Role;

/// Something a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    AreaRead,
    AreaWrite,
    OrganisationRead,
    OrganisationWrite,
    /// Officers (役員) of an organisation.
    OfficerWrite,
    /// Key people and their contacts: personal data, every read audited.
    KeyPersonRead,
    KeyPersonWrite,
    /// The way to becoming a 地域運営組織: dated records, the area (区域),
    /// the inventory of existing groups, stage moves. The community body
    /// and its liaison do it; the coordinator oversees every body.
    EstablishmentWrite,
    /// Applying for the city's recognition (認可の申請): the body itself, or
    /// its liaison on its behalf.
    RecognitionApply,
    /// Returning, granting and withdrawing recognition (差戻し・認可・取消).
    RecognitionDecide,
    /// Plans (将来計画・年度計画・地区防災計画) and their projects: the body its
    /// own, its liaison those of the district's bodies, a department those
    /// with a project naming it (関係部署), the coordinator all.
    PlanRead,
    /// Drafting and editing plans, projects and their progress: the body
    /// itself; the coordinator helps (a plan brought on paper).
    PlanWrite,
    /// Advice on a plan (助言) and the body's replies.
    PlanAdvise,
    /// Locking an adopted plan (確定).
    PlanLock,
    /// Residents needing help to evacuate (避難行動要支援者) and their
    /// 個別避難計画: personal data of the highest sensitivity, every read
    /// audited. "Own" is narrower than elsewhere: for a department, only the
    /// one the scheme names for disaster prevention; for a community
    /// account, only one the city has named a reader of its body's register.
    EvacuationSupportRead,
    EvacuationSupportWrite,
    /// Naming a body's officers as readers of its register (名簿の閲覧者).
    EvacuationSupportName,
    /// The block grant's schemes (交付金の算定式) and their simulation: the
    /// coordinator sets them; liaison staff read them, to explain a body's amount.
    GrantSchemeRead,
    GrantSchemeWrite,
    /// An organisation's grant for a 年度, its ledger, expenses and reports:
    /// the body and its district's liaison staff (who advise on its budget).
    GrantRead,
    /// The body's steps: 交付申請, 請求, 変更申請, 実績報告, and its expenses
    /// (the coordinator enters what arrives on paper).
    GrantApply,
    /// The city's steps: 差戻し, 交付決定・変更決定, 支払, 額の確定, 返還, 繰越.
    GrantDecide,
    DepartmentRead,
    DepartmentWrite,
    StaffRead,
    /// A staff member's home district (居住地区) and e-mail address: personal
    /// data, for the coordinator who plans appointments and for the person
    /// themself; every read audited.
    StaffPersonalRead,
    StaffWrite,
    SchemeRead,
    SchemeWrite,
    UserManage,
    /// Acknowledge that an account reaching personal data was made or
    /// opened by someone (separation of duties): those who answer for the
    /// personal data, the coordinators.
    PrivilegedGrantAcknowledge,
    AuditRead,
    DataImport,
    DataExport,
    /// One's own password and API tokens.
    OwnAccount,
    /// Issues (地域課題・要望・提案): liaison staff their districts', departments
    /// those routed to them, community accounts their organisation's (public fields).
    IssueRead,
    /// What only city staff read of an issue: the team's plan, internal notes, the full history.
    IssueInternalRead,
    /// Taking an issue in (受付).
    IssueCreate,
    /// Correcting an issue's fields.
    IssueEdit,
    /// Sorting the responsibility (整理) and routing to departments.
    IssueSort,
    /// The team's response plan: draft, review, decide, send back.
    IssuePlan,
    /// A department's answer (回答).
    IssueAnswer,
    /// Moving an issue on to another department (担当部署の変更).
    IssueReroute,
    /// Reporting back to the community (地域への報告), closing, reopening.
    IssueReportBack,
    /// Marking an issue as reflected in a plan or budget (施策反映).
    IssueReflect,
    /// Add photos and files to an issue (添付).
    IssueAttach,
    /// Keep a department's answer templates (回答の定型文).
    AnswerTemplateWrite,
    /// Set the SMTP server and the daily digest (メール設定).
    MailSettingsWrite,
    /// Teams, terms and the roster (names and positions).
    AppointmentRead,
    /// Appoint, end early; see who could serve next April and the coverage
    /// (which weighs staff's home districts).
    AppointmentWrite,
    /// Meetings and events (会議・行事) and their minutes: liaison staff
    /// their districts', community accounts their organisation's.
    MeetingRead,
    /// Record a meeting, its minutes and the issues raised in it.
    MeetingWrite,
    /// The community calendar (行事予定), members-only events included:
    /// staff read every district's; a body its own.
    EventRead,
    /// Entering events: a body its own, a liaison those of the districts
    /// served, the coordinator any.
    EventWrite,
    /// Case studies (事例集), drafts included, and those other municipalities
    /// of the deployment share: staff learn from them.
    CaseStudyRead,
    /// Writing a case study from an issue, project or meeting, publishing it
    /// and sharing it with the other municipalities: the coordinator.
    CaseStudyWrite,
    /// The activity log (活動記録): liaison staff their own entries, and a
    /// team's 課長級 the whole team's.
    ActivityRead,
    /// Log an activity; only the owner edits an entry.
    ActivityWrite,
    /// Hours per person and month, alerts and the activity reports (負担).
    WorkloadRead,
    /// Handovers (引継ぎ) and their dossier, key people included: the
    /// predecessor and the successor, and the coordinator.
    HandoverRead,
    /// Tick the checklist, write the handover note, sign off.
    HandoverWrite,
}

/// How far an allowed action reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Not allowed at all.
    Denied,
    /// Only what the caller is linked to: a liaison's districts (and the
    /// organisations in them), a community account's own organisation.
    Own,
    /// Everything in the caller's municipality.
    Municipality,
}

use Scope::{Denied as N, Municipality as M, Own as O};

/// Columns: admin, coordinator, liaison, department, community, public.
pub const TABLE: &[(Action, [Scope; 6])] = &[
    (Action::AreaRead, [M, M, M, M, M, N]),
    (Action::AreaWrite, [M, M, N, N, N, N]),
    (Action::OrganisationRead, [M, M, M, M, O, N]),
    (Action::OrganisationWrite, [M, M, O, N, N, N]),
    (Action::OfficerWrite, [M, M, O, N, O, N]),
    // The system admin runs accounts, not districts: no key people.
    (Action::KeyPersonRead, [N, M, O, N, O, N]),
    (Action::KeyPersonWrite, [N, M, O, N, O, N]),
    // A body's founding is the district's business, not the system admin's.
    (Action::EstablishmentWrite, [N, M, O, N, O, N]),
    (Action::RecognitionApply, [N, M, O, N, O, N]),
    (Action::RecognitionDecide, [N, M, N, N, N, N]),
    // Liaison staff read and advise (「年間の活動計画・予算編成などに関する助言」); the body writes.
    (Action::PlanRead, [N, M, O, O, O, N]),
    (Action::PlanWrite, [N, M, N, N, O, N]),
    (Action::PlanAdvise, [N, M, O, N, O, N]),
    (Action::PlanLock, [N, M, N, N, N, N]),
    // 避難行動要支援者: not the liaison staff nor the system admin (see the action's note on Own).
    (Action::EvacuationSupportRead, [N, M, N, O, O, N]),
    (Action::EvacuationSupportWrite, [N, M, N, O, O, N]),
    (Action::EvacuationSupportName, [N, M, N, N, N, N]),
    // Money is the coordinator's business, not the system admin's.
    (Action::GrantSchemeRead, [N, M, M, N, N, N]),
    (Action::GrantSchemeWrite, [N, M, N, N, N, N]),
    (Action::GrantRead, [N, M, O, N, O, N]),
    (Action::GrantApply, [N, M, N, N, O, N]),
    (Action::GrantDecide, [N, M, N, N, N, N]),
    (Action::DepartmentRead, [M, M, M, M, M, N]),
    (Action::DepartmentWrite, [M, M, N, N, N, N]),
    (Action::StaffRead, [M, M, M, M, N, N]),
    // Own: one's own staff record. The admin keeps staff records without seeing these.
    (Action::StaffPersonalRead, [N, M, O, O, N, N]),
    (Action::StaffWrite, [M, M, N, N, N, N]),
    // The scheme's keys and workload thresholds are the city's own business:
    // a community account needs none of it.
    (Action::SchemeRead, [M, M, M, M, N, N]),
    (Action::SchemeWrite, [M, M, N, N, N, N]),
    (Action::UserManage, [M, M, N, N, N, N]),
    // The admin makes accounts; the coordinators vouch for those reaching personal data.
    (Action::PrivilegedGrantAcknowledge, [N, M, N, N, N, N]),
    (Action::AuditRead, [M, N, N, N, N, N]),
    (Action::DataImport, [M, M, N, N, N, N]),
    (Action::DataExport, [M, M, N, N, N, N]),
    (Action::OwnAccount, [M, M, M, M, M, N]),
    // Issues are the districts' business: the system admin has none of it.
    (Action::IssueRead, [N, M, O, O, O, N]),
    (Action::IssueInternalRead, [N, M, O, O, N, N]),
    (Action::IssueCreate, [N, M, O, N, O, N]),
    (Action::IssueEdit, [N, M, O, N, N, N]),
    (Action::IssueSort, [N, M, O, N, N, N]),
    (Action::IssuePlan, [N, M, O, N, N, N]),
    (Action::IssueAnswer, [N, M, N, O, N, N]),
    (Action::IssueReroute, [N, M, O, O, N, N]),
    (Action::IssueReportBack, [N, M, O, N, N, N]),
    (Action::IssueReflect, [N, M, N, O, N, N]),
    // Photos and files: whoever reaches the issue may add to it.
    (Action::IssueAttach, [N, M, O, O, O, N]),
    // Answer templates: a department keeps its own.
    (Action::AnswerTemplateWrite, [N, M, N, O, N, N]),
    // Outgoing mail (SMTP) and the daily digest.
    (Action::MailSettingsWrite, [M, M, N, N, N, N]),
    (Action::AppointmentRead, [M, M, M, M, N, N]),
    // Appointing weighs home districts (居住地区): the coordinator's, not the admin's.
    (Action::AppointmentWrite, [N, M, N, N, N, N]),
    // The liaison team's own records: the system admin and departments have none of them.
    (Action::MeetingRead, [N, M, O, N, O, N]),
    (Action::MeetingWrite, [N, M, O, N, N, N]),
    // The calendar is the districts' business; the system admin keeps accounts.
    (Action::EventRead, [N, M, M, M, O, N]),
    (Action::EventWrite, [N, M, O, N, O, N]),
    // Drafts are the city's; a body reads the published ones on the public site.
    (Action::CaseStudyRead, [N, M, M, M, N, N]),
    (Action::CaseStudyWrite, [N, M, N, N, N, N]),
    (Action::ActivityRead, [N, M, O, N, N, N]),
    (Action::ActivityWrite, [N, M, O, N, N, N]),
    (Action::WorkloadRead, [N, M, O, N, N, N]),
    (Action::HandoverRead, [N, M, O, N, N, N]),
    (Action::HandoverWrite, [N, M, O, N, N, N]),
];

/// The permission a transition of the issue workflow needs.
pub fn issue_transition_action(action: &str) -> Option<Action> {
    Some(match action {
        "sort" => Action::IssueSort,
        "draft" | "review" | "decide" | "send_back" => Action::IssuePlan,
        "answer" => Action::IssueAnswer,
        "reroute" => Action::IssueReroute,
        "report_back" | "close" | "reopen" => Action::IssueReportBack,
        "reflect" => Action::IssueReflect,
        _ => return None,
    })
}

fn column(role: Option<Role>) -> usize {
    match role {
        Some(Role::Admin) => 0,
        Some(Role::Coordinator) => 1,
        Some(Role::Liaison) => 2,
        Some(Role::Department) => 3,
        Some(Role::Community) => 4,
        None => 5,
    }
}

/// The scope `role` (`None`: the anonymous public) has for `action`.
pub fn scope(role: Option<Role>, action: Action) -> Scope {
    TABLE
        .iter()
        .find(|(a, _)| *a == action)
        .map_or(Scope::Denied, |(_, scopes)| scopes[column(role)])
}

/// Every action, in table order.
pub fn actions() -> impl Iterator<Item = Action> {
    TABLE.iter().map(|(a, _)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_exactly_one_row() {
        let mut seen = std::collections::HashSet::new();
        for (a, _) in TABLE {
            assert!(seen.insert(*a), "{a:?} twice");
        }
        assert_eq!(seen.len(), 61);
    }

    #[test]
    fn every_workflow_action_has_a_permission() {
        for action in crate::issues::ACTIONS {
            assert!(issue_transition_action(action).is_some(), "{action}");
        }
    }

    #[test]
    fn internal_issue_text_never_reaches_the_community() {
        assert_eq!(scope(Some(Role::Community), Action::IssueRead), Scope::Own);
        assert_eq!(scope(Some(Role::Community), Action::IssueInternalRead), Scope::Denied);
    }

    #[test]
    fn public_may_do_nothing_here() {
        assert!(actions().all(|a| scope(None, a) == Scope::Denied));
    }

    #[test]
    fn personal_data_reaches_only_those_who_need_it() {
        let readers: Vec<Option<Role>> = [None]
            .into_iter()
            .chain(Role::ALL.map(Some))
            .filter(|r| scope(*r, Action::KeyPersonRead) != Scope::Denied)
            .collect();
        assert_eq!(
            readers,
            vec![Some(Role::Coordinator), Some(Role::Liaison), Some(Role::Community)]
        );
        assert_eq!(scope(Some(Role::Liaison), Action::KeyPersonRead), Scope::Own);
    }

    #[test]
    fn residents_needing_support_reach_neither_liaison_nor_admin() {
        for action in [Action::EvacuationSupportRead, Action::EvacuationSupportWrite] {
            let reach: Vec<Scope> = Role::ALL.iter().map(|r| scope(Some(*r), action)).collect();
            // admin, coordinator, liaison, department, community
            assert_eq!(reach, vec![N, M, N, O, O], "{action:?}");
        }
        assert_eq!(scope(None, Action::EvacuationSupportRead), Scope::Denied);
    }
}
