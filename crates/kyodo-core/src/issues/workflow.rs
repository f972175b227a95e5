//! The issue workflow as a state machine: which action is allowed in which
//! status, what status it leads to, and a Japanese reason when refused.
//! Who may act is the permission table's business (and, for the team's
//! steps, the caller's position); this module judges the record alone.

use chrono::NaiveDate;

use super::{Issue, IssueStatus, ReportInput, Responsibility, Route, Stance};
use crate::scheme::{IssueStep, PlanStep};
use crate::validation::{FieldErrors, Fields};

/// A department's answer (部署の回答).
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerInput {
    /// The department answering; `None` means the caller's own.
    pub department_id: Option<i64>,
    pub stance: Stance,
    pub answer_text: String,
    pub internal_note: Option<String>,
    pub expected_on: Option<NaiveDate>,
    pub reason: Option<String>,
}

/// One action on an issue, with what it carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// 整理: who deals with it, and which departments.
    Sort {
        responsibility: Responsibility,
        departments: Vec<i64>,
        other_body: Option<String>,
        comment: Option<String>,
    },
    Draft {
        text: String,
    },
    Review {
        text: String,
        comment: Option<String>,
    },
    Decide {
        text: String,
    },
    /// 差し戻し to the previous step.
    SendBack {
        comment: String,
    },
    Answer(AnswerInput),
    /// 担当部署の変更.
    Reroute {
        from: i64,
        to: i64,
        reason: String,
    },
    ReportBack(ReportInput),
    Close {
        reason: Option<String>,
    },
    Reopen {
        reason: String,
    },
    /// 施策反映.
    Reflect {
        reference: String,
        reflected_on: NaiveDate,
    },
}

/// Every action the transitions endpoint takes.
pub const ACTIONS: [&str; 11] = [
    "sort",
    "draft",
    "review",
    "decide",
    "send_back",
    "answer",
    "reroute",
    "report_back",
    "close",
    "reopen",
    "reflect",
];

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransitionError {
    #[error("unknown action {0}")]
    UnknownAction(String),
    #[error("invalid: {0}")]
    Invalid(FieldErrors),
    /// Not allowed now, with the reason in Japanese.
    #[error("refused: {0}")]
    Refused(String),
}

impl From<FieldErrors> for TransitionError {
    fn from(e: FieldErrors) -> Self {
        TransitionError::Invalid(e)
    }
}

fn refused<T>(message: impl Into<String>) -> Result<T, TransitionError> {
    Err(TransitionError::Refused(message.into()))
}

impl Transition {
    /// Reads `action` and its fields from a form or a JSON body.
    pub fn parse(
        action: &str,
        get: &dyn Fn(&str) -> Option<String>,
        today: NaiveDate,
    ) -> Result<Self, TransitionError> {
        let mut f = Fields::new(get);
        let t = match action {
            "sort" => {
                let responsibility = match f.optional("responsibility", "役割分担", 40) {
                    None => {
                        f.errors.add("responsibility", "役割分担を選択してください");
                        None
                    }
                    Some(v) => Responsibility::parse(&v).or_else(|| {
                        f.errors.add(
                            "responsibility",
                            "役割分担は地域・市・協働・他機関のいずれかにしてください",
                        );
                        None
                    }),
                };
                let departments = f.ids("departments", "担当部署");
                let other_body = f.optional("other_body", "他機関の名称", 100);
                match responsibility {
                    Some(r) if r.needs_departments() && departments.is_empty() => {
                        f.errors.add(
                            "departments",
                            "市または協働で対応する課題には担当部署を1つ以上選んでください",
                        );
                    }
                    Some(r) if !r.needs_departments() && !departments.is_empty() => {
                        f.errors.add(
                            "departments",
                            format!("「{}」の課題には担当部署を選べません", r.label()),
                        );
                    }
                    Some(Responsibility::OtherBody) if other_body.is_none() => {
                        f.errors
                            .add("other_body", "対応する機関の名称（国・県・警察など）を入力してください");
                    }
                    _ => {}
                }
                let comment = f.text("comment", "コメント", 2000, false);
                Transition::Sort {
                    responsibility: responsibility.unwrap_or(Responsibility::City),
                    departments,
                    other_body,
                    comment,
                }
            }
            "draft" => Transition::Draft {
                text: f.text("text", "対応方針案", 10_000, true).unwrap_or_default(),
            },
            "review" => Transition::Review {
                text: f.text("text", "対応方針案", 10_000, true).unwrap_or_default(),
                comment: f.text("comment", "コメント", 2000, false),
            },
            "decide" => Transition::Decide {
                text: f.text("text", "対応方針", 10_000, true).unwrap_or_default(),
            },
            "send_back" => Transition::SendBack {
                comment: f.text("comment", "差し戻しの理由", 2000, true).unwrap_or_default(),
            },
            "answer" => {
                let department_id = f.id("department_id", "回答する部署", false);
                let stance = match f.optional("stance", "対応方針", 40) {
                    None => {
                        f.errors.add("stance", "対応方針を選択してください");
                        None
                    }
                    Some(v) => Stance::parse(&v).or_else(|| {
                        f.errors.add(
                            "stance",
                            "対応方針は対応する・検討する・対応困難・他機関のいずれかにしてください",
                        );
                        None
                    }),
                };
                let answer_text = f.text("answer_text", "回答", 10_000, true).unwrap_or_default();
                let internal_note = f.text("internal_note", "内部メモ", 10_000, false);
                let expected_on = f.date("expected_on", "完了予定日", false);
                let reason = f.text("reason", "理由", 2000, false);
                match stance {
                    Some(Stance::WillAct) if expected_on.is_none() => {
                        f.errors
                            .add("expected_on", "「対応する」ときは完了予定日を入力してください");
                    }
                    Some(Stance::Difficult) if reason.is_none() => {
                        f.errors.add("reason", "「対応困難」のときは理由を入力してください");
                    }
                    Some(Stance::OtherBody) if reason.is_none() => {
                        f.errors.add("reason", "「他機関」のときは機関の名称を入力してください");
                    }
                    _ => {}
                }
                if expected_on.is_some_and(|d| d < today) {
                    f.errors.add("expected_on", "完了予定日は今日以降の日付にしてください");
                }
                Transition::Answer(AnswerInput {
                    department_id,
                    stance: stance.unwrap_or(Stance::Considering),
                    answer_text,
                    internal_note,
                    expected_on,
                    reason,
                })
            }
            "reroute" => {
                let from = f.id("from_department_id", "変更前の部署", false).unwrap_or(0);
                let to = f.id("to_department_id", "新しい担当部署", true).unwrap_or(0);
                let reason = f.text("reason", "変更の理由", 2000, true).unwrap_or_default();
                Transition::Reroute { from, to, reason }
            }
            "report_back" => {
                let input = ReportInput::parse(get, today)?;
                Transition::ReportBack(input)
            }
            "close" => Transition::Close {
                reason: f.text("reason", "完了の理由", 2000, false),
            },
            "reopen" => Transition::Reopen {
                reason: f.text("reason", "再開の理由", 2000, true).unwrap_or_default(),
            },
            "reflect" => Transition::Reflect {
                reference: f.required("reference", "反映先（計画・予算の名称）", 200),
                reflected_on: f.date("reflected_on", "反映日", false).unwrap_or(today),
            },
            other => return Err(TransitionError::UnknownAction(other.to_owned())),
        };
        f.finish(t).map_err(TransitionError::Invalid)
    }

    pub fn action(&self) -> &'static str {
        match self {
            Transition::Sort { .. } => "sort",
            Transition::Draft { .. } => "draft",
            Transition::Review { .. } => "review",
            Transition::Decide { .. } => "decide",
            Transition::SendBack { .. } => "send_back",
            Transition::Answer(_) => "answer",
            Transition::Reroute { .. } => "reroute",
            Transition::ReportBack(_) => "report_back",
            Transition::Close { .. } => "close",
            Transition::Reopen { .. } => "reopen",
            Transition::Reflect { .. } => "reflect",
        }
    }
}

/// The team step (方針案の作成・確認・決定) an issue in `status` waits for.
pub fn plan_step_for(status: IssueStatus, steps: &[IssueStep]) -> Option<&IssueStep> {
    let after = match status {
        IssueStatus::Sorted => None,
        IssueStatus::Drafted => Some(PlanStep::Draft),
        IssueStatus::Reviewed => Some(PlanStep::Review),
        _ => return None,
    };
    match after {
        None => steps.first(),
        Some(done) => steps.iter().position(|s| s.step == done).and_then(|i| steps.get(i + 1)),
    }
}

fn status_after(step: PlanStep) -> IssueStatus {
    match step {
        PlanStep::Draft => IssueStatus::Drafted,
        PlanStep::Review => IssueStatus::Reviewed,
        PlanStep::Decide => IssueStatus::AwaitingAnswer,
    }
}

/// The actions that may apply to an issue in `status` under `steps`, in the
/// order a page offers them (the permission table still decides who).
pub fn offered(status: IssueStatus, steps: &[IssueStep]) -> Vec<&'static str> {
    use IssueStatus as S;
    let mut out = Vec::new();
    if let Some(step) = plan_step_for(status, steps) {
        out.push(step.step.key());
    }
    match status {
        S::Received => out.push("sort"),
        S::Sorted => out.push("sort"),
        S::Drafted | S::Reviewed => out.extend(["send_back", "sort"]),
        S::AwaitingAnswer => out.extend(["answer", "reroute"]),
        S::ToReport | S::Reported => out.extend(["report_back", "answer"]),
        S::Closed => out.push("reopen"),
    }
    if status != S::Closed {
        out.push("close");
    }
    out.push("reflect");
    out
}

/// What a transition does to the issue's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub to: IssueStatus,
    /// The route an answer or a reroute acts on (`Route::id`).
    pub route: Option<i64>,
}

fn plan_step(issue: &Issue, steps: &[IssueStep], wanted: PlanStep) -> Result<(), TransitionError> {
    if !steps.iter().any(|s| s.step == wanted) {
        return refused(format!("この自治体の設定では「{}」の段階はありません", wanted.label()));
    }
    match plan_step_for(issue.status, steps) {
        Some(s) if s.step == wanted => Ok(()),
        Some(s) => refused(format!(
            "今は「{}」の段階です。「{}」はできません",
            s.step.label(),
            wanted.label()
        )),
        None => refused(format!(
            "「{}」の課題では「{}」はできません",
            issue.status.label(),
            wanted.label()
        )),
    }
}

/// Judges `t` on `issue` (with its department `routes`) under the scheme's
/// team `steps`: the status it leads to, or why not. `caller_department`
/// is set for department staff: they answer and move on for their own
/// department only, whatever the transition names.
pub fn apply(
    issue: &Issue,
    routes: &[Route],
    steps: &[IssueStep],
    t: &Transition,
    caller_department: Option<i64>,
) -> Result<Decision, TransitionError> {
    use IssueStatus as S;
    let status = issue.status;
    if status == S::Closed && !matches!(t, Transition::Reopen { .. } | Transition::Reflect { .. }) {
        return refused("完了した課題は変更できません。再開してから操作してください");
    }
    let mut route = None;
    let to = match t {
        Transition::Sort { .. } => match status {
            S::Received | S::Sorted | S::Drafted | S::Reviewed => S::Sorted,
            _ => return refused("対応方針が決まった課題は整理し直せません。担当部署の変更を使ってください"),
        },
        Transition::Draft { .. } => {
            plan_step(issue, steps, PlanStep::Draft)?;
            status_after(PlanStep::Draft)
        }
        Transition::Review { .. } => {
            plan_step(issue, steps, PlanStep::Review)?;
            status_after(PlanStep::Review)
        }
        Transition::Decide { .. } => {
            plan_step(issue, steps, PlanStep::Decide)?;
            match issue.responsibility {
                Some(r) if r.needs_departments() => S::AwaitingAnswer,
                Some(_) => S::ToReport,
                None => return refused("役割分担が整理されていません"),
            }
        }
        Transition::SendBack { .. } => match status {
            S::Drafted => S::Sorted,
            S::Reviewed => {
                if steps.iter().any(|s| s.step == PlanStep::Draft) {
                    S::Drafted
                } else {
                    S::Sorted
                }
            }
            _ => return refused("差し戻せるのは確認待ち・決定待ちの方針案だけです"),
        },
        Transition::Answer(a) => {
            if !matches!(status, S::AwaitingAnswer | S::ToReport | S::Reported) {
                return refused("部署が回答できるのは、対応方針が決まり部署に回付された課題だけです");
            }
            let department = caller_department.or(a.department_id);
            let Some(answered) = routes
                .iter()
                .find(|r| Some(r.department_id) == department && r.is_active() && r.routed_at.is_some())
            else {
                return refused("この部署には回付されていません");
            };
            route = Some(answered.id);
            let others_pending = routes.iter().any(|r| r.id != answered.id && r.is_pending());
            if status == S::AwaitingAnswer && !others_pending {
                S::ToReport
            } else {
                status
            }
        }
        Transition::Reroute { from, to, .. } => {
            if status != S::AwaitingAnswer {
                return refused("担当部署を変更できるのは、部署の回答待ちの課題だけです");
            }
            let from = caller_department.unwrap_or(*from);
            let Some(moved) = routes.iter().find(|r| r.department_id == from && r.is_pending()) else {
                return refused("変更前の部署には、回答待ちの回付がありません");
            };
            route = Some(moved.id);
            if routes.iter().any(|r| r.department_id == *to && r.is_active()) {
                return refused("新しい担当部署には既に回付されています");
            }
            status
        }
        Transition::ReportBack(_) => match status {
            S::ToReport | S::Reported => S::Reported,
            S::AwaitingAnswer => return refused("部署の回答がそろってから地域へ報告してください"),
            _ => return refused("対応方針が決まってから地域へ報告してください"),
        },
        Transition::Close { reason } => {
            if status != S::Reported && reason.is_none() {
                return Err(TransitionError::Invalid(FieldErrors::single(
                    "reason",
                    "地域への報告前に完了するときは理由（取り下げ・重複など）を入力してください",
                )));
            }
            S::Closed
        }
        Transition::Reopen { .. } => {
            if status != S::Closed {
                return refused("再開できるのは完了した課題だけです");
            }
            S::Received
        }
        Transition::Reflect { .. } => status,
    };
    Ok(Decision { to, route })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issues::{IssueKind, Priority, Source};
    use std::collections::HashMap;

    fn issue(status: IssueStatus, responsibility: Option<Responsibility>) -> Issue {
        let now = chrono::Utc::now();
        Issue {
            id: 1,
            municipality_id: 1,
            kind: IssueKind::Request,
            title: "街灯".into(),
            body: "暗い".into(),
            category: "防犯".into(),
            area_id: 1,
            organisation_id: None,
            priority: Priority::Normal,
            location: None,
            latitude: None,
            longitude: None,
            fiscal_year: 2026,
            source: Source::Meeting,
            source_note: None,
            received_on: now.date_naive(),
            status,
            responsibility,
            other_body: None,
            plan_text: None,
            answer_due_on: None,
            reported_on: None,
            report_method: None,
            report_text: None,
            report_public: false,
            continuing: false,
            closed_at: None,
            close_reason: None,
            policy_reflection: None,
            reflected_on: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn route(id: i64, department_id: i64, answered: bool) -> Route {
        let now = chrono::Utc::now();
        Route {
            id,
            issue_id: 1,
            department_id,
            department_name: format!("部署{department_id}"),
            routed_at: Some(now),
            due_on: None,
            stance: None,
            answer_text: None,
            internal_note: None,
            expected_on: None,
            reason: None,
            answered_at: answered.then_some(now),
            answered_by: None,
            rerouted_at: None,
            reroute_reason: None,
        }
    }

    fn three_steps() -> Vec<IssueStep> {
        crate::scheme::preset("arao").unwrap().scheme.issue_steps
    }

    fn one_step() -> Vec<IssueStep> {
        crate::scheme::preset("niimi").unwrap().scheme.issue_steps
    }

    fn text(s: &str) -> String {
        s.to_owned()
    }

    #[test]
    fn the_three_step_team_goes_draft_review_decide() {
        let steps = three_steps();
        let city = Some(Responsibility::City);
        let draft = Transition::Draft { text: text("案") };
        let review = Transition::Review {
            text: text("案"),
            comment: None,
        };
        let decide = Transition::Decide { text: text("方針") };
        let apply_to = |s, t: &Transition| apply(&issue(s, city), &[], &steps, t, None);
        assert_eq!(apply_to(IssueStatus::Sorted, &draft).unwrap().to, IssueStatus::Drafted);
        assert_eq!(
            apply_to(IssueStatus::Drafted, &review).unwrap().to,
            IssueStatus::Reviewed
        );
        assert_eq!(
            apply_to(IssueStatus::Reviewed, &decide).unwrap().to,
            IssueStatus::AwaitingAnswer
        );
        // No skipping: the decision needs the review first.
        let err = apply_to(IssueStatus::Drafted, &decide).unwrap_err();
        assert_eq!(
            err,
            TransitionError::Refused("今は「方針案の確認」の段階です。「対応方針の決定」はできません".into())
        );
        assert!(apply_to(IssueStatus::Sorted, &decide).is_err());
    }

    #[test]
    fn a_one_step_scheme_decides_at_once_and_has_no_draft() {
        let steps = one_step();
        let community = Some(Responsibility::Community);
        let decide = Transition::Decide {
            text: text("地域で対応"),
        };
        let sorted = issue(IssueStatus::Sorted, community);
        assert_eq!(
            apply(&sorted, &[], &steps, &decide, None).unwrap().to,
            IssueStatus::ToReport
        );
        let draft = Transition::Draft { text: text("案") };
        assert!(
            matches!(apply(&sorted, &[], &steps, &draft, None), Err(TransitionError::Refused(m)) if m.contains("設定では"))
        );
    }

    #[test]
    fn every_offered_action_is_one_the_machine_accepts_in_that_status() {
        let steps = three_steps();
        for status in IssueStatus::ALL {
            for action in offered(*status, &steps) {
                assert!(ACTIONS.contains(&action), "{action}");
            }
        }
        assert_eq!(offered(IssueStatus::Sorted, &steps)[0], "draft");
        assert_eq!(offered(IssueStatus::Sorted, &one_step())[0], "decide");
        assert_eq!(offered(IssueStatus::Closed, &steps), vec!["reopen", "reflect"]);
    }

    #[test]
    fn send_back_returns_one_step() {
        let steps = three_steps();
        let back = Transition::SendBack {
            comment: text("根拠を"),
        };
        let city = Some(Responsibility::City);
        assert_eq!(
            apply(&issue(IssueStatus::Reviewed, city), &[], &steps, &back, None)
                .unwrap()
                .to,
            IssueStatus::Drafted
        );
        assert_eq!(
            apply(&issue(IssueStatus::Drafted, city), &[], &steps, &back, None)
                .unwrap()
                .to,
            IssueStatus::Sorted
        );
        assert!(apply(&issue(IssueStatus::Sorted, city), &[], &steps, &back, None).is_err());
    }

    #[test]
    fn the_last_department_answer_makes_it_ready_to_report() {
        let steps = three_steps();
        let i = issue(IssueStatus::AwaitingAnswer, Some(Responsibility::City));
        let answer = |dept| {
            Transition::Answer(AnswerInput {
                department_id: Some(dept),
                stance: Stance::Considering,
                answer_text: text("検討します"),
                internal_note: None,
                expected_on: None,
                reason: None,
            })
        };
        let routes = vec![route(1, 10, false), route(2, 20, false)];
        assert_eq!(
            apply(&i, &routes, &steps, &answer(10), None).unwrap().to,
            IssueStatus::AwaitingAnswer
        );
        let routes = vec![route(1, 10, true), route(2, 20, false)];
        assert_eq!(
            apply(&i, &routes, &steps, &answer(20), None).unwrap().to,
            IssueStatus::ToReport
        );
        assert!(
            apply(&i, &routes, &steps, &answer(30), None).is_err(),
            "not routed to 30"
        );
    }

    #[test]
    fn report_back_waits_for_every_answer_and_close_before_report_needs_a_reason() {
        let steps = three_steps();
        let report = Transition::ReportBack(ReportInput {
            reported_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            method: crate::issues::ReportMethod::OfficerMeeting,
            text: None,
            continuing: false,
        });
        let i = issue(IssueStatus::AwaitingAnswer, Some(Responsibility::City));
        assert!(
            matches!(apply(&i, &[], &steps, &report, None), Err(TransitionError::Refused(m)) if m.contains("回答がそろって"))
        );
        let close = Transition::Close { reason: None };
        assert!(matches!(
            apply(&i, &[], &steps, &close, None),
            Err(TransitionError::Invalid(_))
        ));
        let reported = issue(IssueStatus::Reported, Some(Responsibility::City));
        assert_eq!(
            apply(&reported, &[], &steps, &close, None).unwrap().to,
            IssueStatus::Closed
        );
        let closed = issue(IssueStatus::Closed, Some(Responsibility::City));
        assert!(apply(&closed, &[], &steps, &report, None).is_err());
        let reopen = Transition::Reopen { reason: text("再発") };
        assert_eq!(
            apply(&closed, &[], &steps, &reopen, None).unwrap().to,
            IssueStatus::Received
        );
    }

    #[test]
    fn reroute_moves_only_a_pending_route_to_a_new_department() {
        let steps = three_steps();
        let i = issue(IssueStatus::AwaitingAnswer, Some(Responsibility::City));
        let routes = vec![route(1, 10, false), route(2, 20, false)];
        let to = |from, to| Transition::Reroute {
            from,
            to,
            reason: text("所管違い"),
        };
        assert!(apply(&i, &routes, &steps, &to(10, 30), None).is_ok());
        assert!(
            apply(&i, &routes, &steps, &to(0, 30), Some(10)).is_ok(),
            "department staff move their own"
        );
        assert!(apply(&i, &routes, &steps, &to(10, 20), None).is_err(), "already routed");
        assert!(
            apply(&i, &routes, &steps, &to(40, 30), None).is_err(),
            "not routed from 40"
        );
    }

    #[test]
    fn sort_checks_departments_against_responsibility() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let parse = |pairs: &[(&str, &str)]| {
            let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            Transition::parse("sort", &move |k: &str| map.get(k).cloned(), today)
        };
        let Err(TransitionError::Invalid(e)) = parse(&[("responsibility", "city")]) else {
            panic!("city without departments must be refused");
        };
        assert!(e.get("departments").is_some());
        let Err(TransitionError::Invalid(e)) = parse(&[("responsibility", "other_body")]) else {
            panic!("other body without a name must be refused");
        };
        assert!(e.get("other_body").is_some());
        let ok = parse(&[("responsibility", "協働で対応"), ("departments", "3,５, 3")]).unwrap();
        assert_eq!(
            ok,
            Transition::Sort {
                responsibility: Responsibility::Joint,
                departments: vec![3, 5],
                other_body: None,
                comment: None
            }
        );
        assert!(matches!(
            Transition::parse("fly", &|_: &str| None, today),
            Err(TransitionError::UnknownAction(_))
        ));
    }

    #[test]
    fn an_answer_states_its_stance_with_what_the_stance_needs() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let parse = |pairs: &[(&str, &str)]| {
            let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            Transition::parse("answer", &move |k: &str| map.get(k).cloned(), today)
        };
        let Err(TransitionError::Invalid(e)) = parse(&[("stance", "対応する"), ("answer_text", "設置します")])
        else {
            panic!()
        };
        assert!(e.get("expected_on").is_some());
        let Err(TransitionError::Invalid(e)) = parse(&[("stance", "difficult"), ("answer_text", "難しい")]) else {
            panic!()
        };
        assert!(e.get("reason").is_some());
        assert!(
            parse(&[
                ("stance", "will_act"),
                ("answer_text", "設置します"),
                ("expected_on", "2027-03-31")
            ])
            .is_ok()
        );
    }
}
