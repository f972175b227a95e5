//! What the area bodies owe on their plans (計画の提出状況): this 年度's
//! 年度計画 and last 年度's 事業報告, past the scheme's deadlines. The
//! liaison sees their districts' bodies, on this page, the team page and
//! the home page's inbox; the coordinator every body.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kyodo_core::permissions::Action;
use kyodo_core::plans::overdue::{BodyPlans, Owed};
use kyodo_store::organisations::Visible;

use super::BASE;
use crate::AppState;
use crate::auth::{Caller, PageCaller};
use crate::error::{AppError, PageResult};
use crate::issues::inbox::InboxEntry;
use crate::pages::{self, Cell, Layout};

/// A body's line: its plans and what it owes today.
pub struct BodyLine {
    pub body: BodyPlans,
    pub owed: Owed,
}

impl BodyLine {
    pub fn cells(&self) -> Vec<Cell> {
        let b = &self.body;
        let plan = match (b.annual_plan_id, b.annual_plan_adopted) {
            (Some(id), Some(true)) => Cell::link("議決済み", format!("{BASE}/{id}")),
            (Some(id), _) => Cell::link("下書き", format!("{BASE}/{id}")),
            (None, _) => Cell::text("未提出"),
        };
        let report = match (b.last_plan_id, b.last_plan_open) {
            (Some(id), Some(0)) => Cell::link("完了", format!("{BASE}/{id}/report")),
            (Some(id), Some(n)) => Cell::link(format!("未完了（{n}事業）"), format!("{BASE}/{id}/report")),
            _ => Cell::text("—"),
        };
        vec![
            Cell::link(
                b.organisation_name.clone(),
                format!("/organisations/{}", b.organisation_id),
            ),
            Cell::text(pages::opt(&b.stage)),
            plan,
            report,
            Cell::text(self.owed.text()).tagged(self.owed.any().then_some("期限超過")),
        ]
    }
}

pub const COLUMNS: [&str; 5] = ["団体", "段階", "今年度の年度計画", "前年度の事業報告", "注意"];

/// The area bodies `visible` asks for, with what they owe, kept to those
/// whose plans the caller reads (a team page of another district shows a
/// liaison nothing, a department — whose plans are those naming it — none);
/// none when the scheme names no area body.
pub async fn lines(state: &AppState, caller: &Caller, visible: &Visible) -> Result<Vec<BodyLine>, AppError> {
    let scheme = &caller.municipality.scheme;
    let Some(kind) = scheme.area_body_kind.as_deref() else {
        return Ok(Vec::new());
    };
    if !caller.can(Action::PlanRead) {
        return Ok(Vec::new());
    }
    let fy = kyodo_core::wareki::fiscal_year(caller.today);
    let bodies = kyodo_store::plans::bodies(&state.db, caller.municipality.id, visible, kind, fy).await?;
    let last = scheme.lifecycle_stages.last();
    Ok(bodies
        .into_iter()
        .filter(|body| caller.reaches_organisation(Action::PlanRead, body.organisation_id, body.area_id))
        .map(|body| BodyLine {
            owed: body.owed(
                scheme.plan_deadlines,
                caller.today,
                body.stage.as_ref() == last || last.is_none(),
            ),
            body,
        })
        .collect())
}

/// The home page's entries: bodies past a deadline, within the caller's reach.
pub async fn inbox(state: &AppState, caller: &Caller) -> Result<Vec<InboxEntry>, AppError> {
    let scope = caller.scope(Action::PlanRead);
    if scope == kyodo_core::permissions::Scope::Denied || caller.role() == kyodo_core::accounts::Role::Community {
        return Ok(Vec::new());
    }
    let lines = lines(state, caller, &caller.organisations_in(scope)).await?;
    let plans = lines.iter().filter(|l| l.owed.annual_plan).count();
    let reports = lines.iter().filter(|l| l.owed.report).count();
    let href = format!("{BASE}/status");
    Ok([
        ("年度計画が期限を過ぎても未提出の団体", plans),
        ("事業報告が期限を過ぎても未完了の団体", reports),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(label, n)| InboxEntry {
        label,
        href: href.clone(),
        count: i64::try_from(n).unwrap_or(i64::MAX),
        late: true,
    })
    .collect())
}

pub async fn page(State(state): State<AppState>, PageCaller(caller): PageCaller) -> PageResult<Response> {
    let scope = caller.require(Action::PlanRead)?;
    let lines = lines(&state, &caller, &caller.organisations_in(scope)).await?;
    let d = caller.municipality.scheme.plan_deadlines;
    let page = pages::RecordsPage {
        layout: Layout::new(&caller, "計画の提出状況", BASE),
        heading: "計画の提出状況".into(),
        intro: format!(
            "{}の年度計画（{}月末まで）と、前年度の事業報告（{}月末まで、すべての事業の結果）の状況です。期限は制度設定で変えられます。",
            kyodo_core::wareki::format_fiscal_year(kyodo_core::wareki::fiscal_year(caller.today)),
            d.annual_plan_month,
            d.report_month
        ),
        base_path: format!("{BASE}/status"),
        links: vec![("計画".into(), BASE.into(), false)],
        filters: Vec::new(),
        tables: vec![pages::Table {
            title: String::new(),
            phone: &[0, 2, 4],
            columns: COLUMNS.map(String::from).to_vec(),
            rows: lines.iter().map(BodyLine::cells).collect(),
            empty: "地域の代表組織はありません",
        }],
        printable: true,
    };
    Ok(pages::render(&page).into_response())
}
