//! The inbox (対応待ち): what is waiting for the caller to act, by role,
//! with counts, on the home page. Each entry links to the filtered list.

use kyodo_core::accounts::Role;
use kyodo_core::issues::IssueQuery;
use kyodo_core::permissions::Action;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;

pub struct InboxEntry {
    pub label: &'static str,
    pub href: String,
    pub count: i64,
    /// Past a deadline: shown as a warning.
    pub late: bool,
}

fn query(status: Option<&str>, overdue: bool, pending_for: Option<i64>, open: bool) -> IssueQuery {
    IssueQuery {
        status: status.map(str::to_owned),
        overdue: overdue.then_some(true),
        department_id: pending_for,
        pending: pending_for.map(|_| true),
        open: open.then_some(true),
        ..Default::default()
    }
}

fn href(q: &IssueQuery) -> String {
    format!("/issues?{}", serde_urlencoded::to_string(q).unwrap_or_default())
}

/// The caller's inbox entries; empty for roles with no issues.
pub async fn entries(state: &AppState, caller: &Caller) -> Result<Vec<InboxEntry>, AppError> {
    if !caller.can(Action::IssueRead) {
        return Ok(Vec::new());
    }
    let mut wanted: Vec<(&'static str, IssueQuery, bool)> = Vec::new();
    if caller.can(Action::IssueSort) {
        wanted.push(("整理待ちの課題", query(Some("received"), false, None, false), false));
    }
    if caller.can(Action::IssuePlan) {
        wanted.push((
            "対応方針の作成・確認・決定待ち",
            query(Some("sorted,drafted,reviewed"), false, None, false),
            false,
        ));
    }
    let progress = |department_id: Option<i64>| IssueQuery {
        progress_due: Some(true),
        department_id,
        ..Default::default()
    };
    if caller.role() == Role::Department {
        let mine = caller.user.department_id;
        wanted.push(("回答待ちの課題", query(None, false, mine, false), false));
        wanted.push(("回答期限を過ぎた課題", query(None, true, mine, false), true));
        wanted.push(("進捗回答待ちの継続案件", progress(mine), false));
    } else if caller.can(Action::IssueInternalRead) {
        wanted.push(("部署の回答期限を過ぎた課題", query(None, true, None, false), true));
        wanted.push(("進捗回答待ちの継続案件", progress(None), false));
    }
    if caller.can(Action::IssueReportBack) {
        wanted.push(("地域への報告待ち", query(Some("to_report"), false, None, false), false));
    }
    if caller.role() == Role::Community {
        wanted.push(("対応中の課題・要望", query(None, false, None, true), false));
        wanted.push((
            "回答が報告された課題",
            query(Some("reported"), false, None, false),
            false,
        ));
    }
    let reach = caller.issue_reach(Action::IssueRead);
    let mut out = Vec::with_capacity(wanted.len());
    for (label, q, late) in wanted {
        let counted = super::server_filters(caller, q.clone());
        let count =
            kyodo_store::issues::count(&state.db, caller.municipality.id, &reach, &counted, caller.today).await?;
        out.push(InboxEntry {
            label,
            href: href(&q),
            count,
            late: late && count > 0,
        });
    }
    Ok(out)
}
