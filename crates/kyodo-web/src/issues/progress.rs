//! The progress answer sheet (進捗回答書): for one district, every continuing
//! issue with each department's latest answer, printed for the district's
//! meeting on the municipality's schedule.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kyodo_core::issues::progress::{round_label, round_start};
use kyodo_core::issues::{IssueQuery, Route};
use kyodo_core::permissions::Action;
use kyodo_store::issues;

use super::BASE;
use crate::AppState;
use crate::api::PageQuery;
use crate::auth::PageCaller;
use crate::error::PageResult;
use crate::pages::{self, Layout};

#[derive(serde::Deserialize, Default)]
pub struct ProgressQuery {
    pub area_id: Option<i64>,
}

pub struct AnswerLine {
    pub department: String,
    pub stance: String,
    pub answer: String,
    pub expected: String,
    pub answered: String,
    /// Answered since the round began (今回の進捗回答あり).
    pub current: bool,
}

pub struct SheetIssue {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub received: String,
    pub body: String,
    pub answers: Vec<AnswerLine>,
}

#[derive(Template)]
#[template(path = "progress_report.html")]
struct ProgressPage {
    layout: Layout,
    round: String,
    today: String,
    areas: Vec<(String, String, bool)>,
    area_name: Option<String>,
    issues: Vec<SheetIssue>,
    owed: usize,
}

fn answer_line(r: &Route, since: Option<chrono::NaiveDate>) -> AnswerLine {
    let answered_on = r.answered_at.map(kyodo_core::wareki::jst_date);
    AnswerLine {
        department: r.department_name.clone(),
        stance: r.stance.map(|s| s.label().to_owned()).unwrap_or_default(),
        answer: r.answer_text.clone().unwrap_or_default(),
        expected: pages::opt_date_ja(&r.expected_on),
        answered: pages::opt_date_ja(&answered_on),
        current: match (answered_on, since) {
            (Some(on), Some(since)) => on >= since,
            (Some(_), None) => true,
            (None, _) => false,
        },
    }
}

pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<ProgressQuery>,
) -> PageResult<Response> {
    caller.require(Action::IssueInternalRead)?;
    let muni = caller.municipality.id;
    let reach = caller.issue_reach(Action::IssueRead);
    let since = round_start(caller.today, &caller.municipality.scheme.progress_months);
    let mut areas = kyodo_store::areas::all(&state.db, muni, false).await?;
    if let kyodo_store::issues::Reach::InAreas(ids) = &reach {
        areas.retain(|a| ids.contains(&a.id));
    }
    let area_name = q
        .area_id
        .and_then(|id| areas.iter().find(|a| a.id == id))
        .map(|a| a.name.clone());
    let mut sheet = Vec::new();
    if let (Some(area_id), Some(_)) = (q.area_id, &area_name) {
        let query = IssueQuery {
            area_id: Some(area_id),
            continuing: Some(true),
            open: Some(true),
            sort: Some("received".into()),
            per_page: Some(kyodo_core::listing::MAX_PER_PAGE),
            ..Default::default()
        };
        let rows = issues::list(&state.db, muni, &reach, &query, caller.today).await?;
        let ids: Vec<i64> = rows.items.iter().map(|r| r.issue.id).collect();
        let routes = issues::routes_of(&state.db, muni, &ids).await?;
        sheet = rows
            .items
            .into_iter()
            .map(|row| {
                let i = row.issue;
                SheetIssue {
                    answers: routes
                        .iter()
                        .filter(|r| r.issue_id == i.id && r.is_active() && r.routed_at.is_some())
                        .map(|r| answer_line(r, since))
                        .collect(),
                    id: i.id,
                    title: i.title,
                    category: i.category,
                    received: pages::date_ja(&i.received_on),
                    body: i.body,
                }
            })
            .collect();
    }
    let owed = sheet.iter().filter(|s| s.answers.iter().any(|a| !a.current)).count();
    let page = ProgressPage {
        layout: Layout::new(&caller, "進捗回答書", BASE),
        round: since.map(round_label).unwrap_or_default(),
        today: pages::date_ja(&caller.today),
        areas: areas
            .iter()
            .map(|a| (a.id.to_string(), a.name.clone(), Some(a.id) == q.area_id))
            .collect(),
        area_name,
        issues: sheet,
        owed,
    };
    Ok(pages::render(&page))
}
