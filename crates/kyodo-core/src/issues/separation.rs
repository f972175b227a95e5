//! More than one pair of eyes (段階ごとに別の職員): where the scheme has
//! several team steps (Arao: 一般職員 drafts, 課長補佐・係長級 reviews, 課長級
//! decides), each is taken by someone other than who took the earlier steps
//! of the same plan — unless the team has nobody else who could (a vacancy):
//! then the step is allowed and marked, so that it shows.

use super::IssueStatus;
use crate::scheme::{IssueStep, PlanStep};

/// One entry of an issue's history, as far as this rule needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepEvent {
    pub action: String,
    pub user_id: Option<i64>,
    /// The name shown in the history.
    pub actor: Option<String>,
    pub to_status: Option<IssueStatus>,
}

/// Who took an earlier step of the plan now under way.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlierHand {
    pub step: PlanStep,
    pub user_id: i64,
    pub actor: String,
}

/// How a step may be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hands {
    /// By someone who took no earlier step: the rule as meant.
    Separate,
    /// By someone who took an earlier step, because nobody else in the team
    /// can (同一職員: a vacancy); the history and the dashboard say so.
    SameForVacancy,
}

/// The earlier steps of the plan now under way and who took them: the
/// latest of each step before `current`, since the plan last started over
/// (sorted again, sent back to the start, reopened).
pub fn earlier_hands(events: &[StepEvent], steps: &[IssueStep], current: PlanStep) -> Vec<EarlierHand> {
    let restart = events
        .iter()
        .rposition(|e| matches!(e.to_status, Some(IssueStatus::Sorted | IssueStatus::Received)))
        .map_or(0, |i| i + 1);
    let since = &events[restart..];
    steps
        .iter()
        .take_while(|s| s.step != current)
        .filter_map(|s| {
            let e = since.iter().rev().find(|e| e.action == s.step.key())?;
            Some(EarlierHand {
                step: s.step,
                user_id: e.user_id?,
                actor: e.actor.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// Whether `user_id` may take `step` after `earlier`; `others` are the
/// accounts of the team members who could take it (their position fits).
/// Refused in Japanese, naming the step the caller already took.
pub fn judge(step: &IssueStep, user_id: i64, earlier: &[EarlierHand], others: &[i64]) -> Result<Hands, String> {
    let mine: Vec<&EarlierHand> = earlier.iter().filter(|e| e.user_id == user_id).collect();
    if mine.is_empty() {
        return Ok(Hands::Separate);
    }
    let someone_else = others
        .iter()
        .any(|o| *o != user_id && !earlier.iter().any(|e| e.user_id == *o));
    if !someone_else {
        return Ok(Hands::SameForVacancy);
    }
    let taken: Vec<&str> = mine.iter().map(|e| e.step.label()).collect();
    Err(format!(
        "「{}」を行ったので、「{}」はチームの別の職員が行います。一人で全段階を済ませないための決まりです",
        taken.join("」「"),
        step.step.label()
    ))
}

/// What the history says of a step taken by the same person for a vacancy.
pub const VACANCY_NOTE: &str = "（チームに他に行える職員がいないため、前の段階と同じ職員が行いました）";

#[cfg(test)]
mod tests {
    use super::*;

    fn arao_steps() -> Vec<IssueStep> {
        [PlanStep::Draft, PlanStep::Review, PlanStep::Decide]
            .into_iter()
            .map(|step| IssueStep {
                step,
                positions: Vec::new(),
            })
            .collect()
    }

    fn event(action: &str, user: i64, to: IssueStatus) -> StepEvent {
        StepEvent {
            action: action.into(),
            user_id: Some(user),
            actor: Some(format!("職員{user}")),
            to_status: Some(to),
        }
    }

    #[test]
    fn the_decider_is_neither_the_drafter_nor_the_reviewer() {
        let steps = arao_steps();
        let events = vec![
            event("sort", 1, IssueStatus::Sorted),
            event("draft", 1, IssueStatus::Drafted),
            event("review", 2, IssueStatus::Reviewed),
        ];
        let earlier = earlier_hands(&events, &steps, PlanStep::Decide);
        assert_eq!(earlier.iter().map(|e| e.user_id).collect::<Vec<_>>(), vec![1, 2]);
        let decide = &steps[2];
        assert_eq!(judge(decide, 3, &earlier, &[1, 2, 3]), Ok(Hands::Separate));
        let refused = judge(decide, 1, &earlier, &[1, 2, 3]).unwrap_err();
        assert!(refused.contains("方針案の作成"), "{refused}");
        assert!(judge(decide, 2, &earlier, &[1, 2, 3]).is_err());
    }

    #[test]
    fn with_nobody_else_in_the_team_the_same_person_goes_on_marked() {
        let steps = arao_steps();
        let events = vec![event("draft", 1, IssueStatus::Drafted)];
        let earlier = earlier_hands(&events, &steps, PlanStep::Review);
        // Only the drafter and someone who took an earlier step could review.
        assert_eq!(judge(&steps[1], 1, &earlier, &[1]), Ok(Hands::SameForVacancy));
        assert_eq!(judge(&steps[1], 1, &earlier, &[]), Ok(Hands::SameForVacancy));
    }

    #[test]
    fn a_plan_started_over_forgets_who_took_the_old_steps() {
        let steps = arao_steps();
        let events = vec![
            event("draft", 1, IssueStatus::Drafted),
            event("send_back", 2, IssueStatus::Sorted),
            event("draft", 2, IssueStatus::Drafted),
        ];
        let earlier = earlier_hands(&events, &steps, PlanStep::Review);
        assert_eq!(earlier.len(), 1);
        assert_eq!(earlier[0].user_id, 2);
        assert_eq!(judge(&steps[1], 1, &earlier, &[1, 3]), Ok(Hands::Separate));
    }

    #[test]
    fn a_review_sent_back_is_redone_by_anyone_but_the_drafter() {
        let steps = arao_steps();
        let events = vec![
            event("draft", 1, IssueStatus::Drafted),
            event("review", 2, IssueStatus::Reviewed),
            event("send_back", 3, IssueStatus::Drafted),
        ];
        let earlier = earlier_hands(&events, &steps, PlanStep::Review);
        assert_eq!(earlier.len(), 1, "only the draft comes before a review");
        assert_eq!(judge(&steps[1], 2, &earlier, &[1, 2]), Ok(Hands::Separate));
    }

    #[test]
    fn one_step_schemes_have_no_earlier_hands() {
        let steps = vec![IssueStep {
            step: PlanStep::Decide,
            positions: Vec::new(),
        }];
        let events = vec![event("sort", 1, IssueStatus::Sorted)];
        assert!(earlier_hands(&events, &steps, PlanStep::Decide).is_empty());
    }
}
