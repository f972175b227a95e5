//! The grant's steps that wait on someone, for the home page's inbox and the
//! daily digest: bodies past the application or 実績報告 deadline (the
//! coordinator sees every body, a liaison their districts'), and what waits
//! for the coordinator's decision. Reads two 年度 at most, whatever the history.

use kyodo_core::accounts::Role;
use kyodo_core::grants::procedure::GrantStatus;
use kyodo_core::grants::rules::next_due;
use kyodo_core::permissions::{Action, Scope};

use super::BASE;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::issues::inbox::InboxEntry;

pub async fn entries(state: &AppState, caller: &Caller) -> Result<Vec<InboxEntry>, AppError> {
    if caller.scope(Action::GrantRead) == Scope::Denied || caller.role() == Role::Community {
        return Ok(Vec::new());
    }
    let muni = caller.municipality.id;
    let fy = kyodo_core::wareki::fiscal_year(caller.today);
    let schemes = kyodo_store::grants::schemes::list(&state.db, muni).await?;
    let deciding = caller.scope(Action::GrantDecide) == Scope::Municipality;
    let (mut late_application, mut late_report, mut waiting) = (0i64, 0i64, 0i64);
    for year in [fy - 1, fy] {
        let Some(scheme) = schemes.iter().find(|s| s.fiscal_year == year) else {
            continue;
        };
        let grants = kyodo_store::grants::procedure::year(&state.db, muni, year).await?;
        for row in grants
            .iter()
            .filter(|r| caller.reaches_organisation(Action::GrantRead, r.grant.organisation_id, r.area_id))
        {
            let rules = schemes
                .iter()
                .find(|s| s.id == row.grant.scheme_id)
                .map_or(&scheme.rules, |s| &s.rules);
            if let Some(next) = next_due(row.grant.status, rules, caller.today)
                && next.overdue
            {
                if row.grant.status == GrantStatus::Decided || row.grant.status == GrantStatus::ChangeApplied {
                    late_report += 1;
                } else {
                    late_application += 1;
                }
            }
            if deciding
                && matches!(
                    row.grant.status,
                    GrantStatus::Applied | GrantStatus::ChangeApplied | GrantStatus::Reported
                )
            {
                waiting += 1;
            }
        }
        // A body the grant goes to that has not even begun, once the day has passed.
        if year == fy && scheme.rules.application_due.is_some_and(|d| caller.today > d) {
            let eligible =
                kyodo_store::grants::schemes::eligible(&state.db, &caller.municipality.scheme, muni, year).await?;
            late_application += i64::try_from(
                eligible
                    .iter()
                    .filter(|(id, _, area)| {
                        caller.reaches_organisation(Action::GrantRead, *id, *area)
                            && !grants.iter().any(|g| g.grant.organisation_id == *id)
                    })
                    .count(),
            )
            .unwrap_or(0);
        }
    }
    let href = format!("{BASE}/overview");
    Ok([
        ("交付金の申請が期限を過ぎても未提出の団体", late_application, true),
        ("交付金の実績報告が期限を過ぎても未提出の団体", late_report, true),
        ("審査を待つ交付金の申請・報告", waiting, false),
    ]
    .into_iter()
    .filter(|(_, n, _)| *n > 0)
    .map(|(label, count, late)| InboxEntry {
        label,
        href: href.clone(),
        count,
        late,
    })
    .collect())
}
