//! The coordinator's 年度 overview of every body's grant (決定額, paid,
//! reported, settled, returns owed), as a page, an xlsx, and the year's
//! payments as the CP932 CSV a 財務会計 system imports.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kyodo_core::encoding::{TextEncoding, encode_csv};
use kyodo_core::grants::export::{PaymentLine, payments_csv};
use kyodo_core::grants::grant::GrantRow;
use kyodo_core::permissions::Action;
use kyodo_core::wareki::format_fiscal_year;
use kyodo_store::grants::procedure as store;

use super::BASE;
use super::procedure::grant_path;
use super::yen;
use crate::AppState;
use crate::api::PageQuery;
use crate::auth::{Caller, PageCaller};
use crate::error::{AppError, PageResult};
use crate::pages::{self, Cell, Layout, RecordsPage, Table};
use crate::xlsx::{self, Sheet, XCell};

#[derive(Debug, serde::Deserialize)]
pub struct YearQuery {
    #[serde(default, deserialize_with = "kyodo_core::wareki::fiscal_year_param")]
    pub fiscal_year: Option<i32>,
}

fn year_of(caller: &Caller, q: &YearQuery) -> i32 {
    q.fiscal_year
        .unwrap_or_else(|| kyodo_core::wareki::fiscal_year(caller.today))
}

/// The 年度's grants, with a line for each body the grant goes to that has none yet.
/// A liaison sees their districts' bodies, a body itself.
async fn rows(state: &AppState, caller: &Caller, fy: i32) -> Result<(Vec<GrantRow>, Vec<String>), AppError> {
    caller.require(Action::GrantRead)?;
    let muni = caller.municipality.id;
    let reaches = |org: i64, area: Option<i64>| caller.reaches_organisation(Action::GrantRead, org, area);
    let grants: Vec<GrantRow> = store::year(&state.db, muni, fy)
        .await?
        .into_iter()
        .filter(|g| reaches(g.grant.organisation_id, g.area_id))
        .collect();
    let missing = kyodo_store::grants::schemes::eligible(&state.db, &caller.municipality.scheme, muni, fy)
        .await?
        .into_iter()
        .filter(|(id, _, area)| reaches(*id, *area) && !grants.iter().any(|g| g.grant.organisation_id == *id))
        .map(|(_, name, _)| name)
        .collect();
    Ok((grants, missing))
}

/// (label, value) sums of the year: what the page's totals and the sheet's last line say.
fn totals(grants: &[GrantRow]) -> [(&'static str, i64); 5] {
    let sum = |f: &dyn Fn(&GrantRow) -> i64| grants.iter().fold(0i64, |s, g| s.saturating_add(f(g)));
    [
        ("交付決定額", sum(&|g| g.grant.decided.unwrap_or(0))),
        ("支払済み", sum(&|g| g.grant.paid)),
        ("確定額", sum(&|g| g.grant.fixed.unwrap_or(0))),
        ("返還の未納", sum(&|g| g.grant.owed())),
        ("繰越", sum(&|g| g.grant.carried)),
    ]
}

pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<YearQuery>,
) -> PageResult<Response> {
    let fy = year_of(&caller, &q);
    let (grants, missing) = rows(&state, &caller, fy).await?;
    let mut table_rows: Vec<Vec<Cell>> = grants
        .iter()
        .map(|r| {
            let g = &r.grant;
            vec![
                Cell::link(r.organisation_name.clone(), grant_path(g.id)),
                Cell::text(g.status.label()),
                Cell::text(g.requested.map(yen).unwrap_or_default()),
                Cell::text(g.decided.map(yen).unwrap_or_default()),
                Cell::text(yen(g.paid)),
                Cell::text(yen(g.payable_left())),
                Cell::text(g.fixed.map(yen).unwrap_or_default()),
                Cell::text(if g.owed() > 0 { yen(g.owed()) } else { String::new() }),
                Cell::text(if g.carried > 0 { yen(g.carried) } else { String::new() }),
            ]
        })
        .collect();
    table_rows.extend(missing.iter().map(|name| {
        let mut row = vec![Cell::text(name.clone()), Cell::text("未申請（記録なし）")];
        row.extend((0..7).map(|_| Cell::text("")));
        row
    }));
    let intro = totals(&grants)
        .iter()
        .map(|(label, n)| format!("{label} {}", yen(*n)))
        .collect::<Vec<_>>()
        .join("　");
    let query = format!("fiscal_year={fy}");
    let page = RecordsPage {
        layout: Layout::new(&caller, format!("{} 交付金の状況", format_fiscal_year(fy)), BASE),
        heading: format!("{} 交付金の状況", format_fiscal_year(fy)),
        intro,
        base_path: format!("{BASE}/overview"),
        links: if caller.can(Action::GrantDecide) {
            vec![
                ("Excelで書き出す".into(), format!("{BASE}/overview.xlsx?{query}"), false),
                (
                    "財務会計用CSV（支払、CP932）".into(),
                    format!("{BASE}/payments.csv?{query}"),
                    false,
                ),
                ("算定式".into(), BASE.to_owned(), false),
            ]
        } else {
            vec![("Excelで書き出す".into(), format!("{BASE}/overview.xlsx?{query}"), false)]
        },
        filters: vec![pages::fiscal_year_filter(&caller, fy)],
        tables: vec![Table {
            title: "団体ごと".into(),
            columns: [
                "団体",
                "状況",
                "申請額",
                "交付決定額",
                "支払済み",
                "支払の残り",
                "確定額",
                "返還の未納",
                "繰越",
            ]
            .map(String::from)
            .to_vec(),
            rows: table_rows,
            empty: "この年度の交付金の記録はありません",
            phone: &[0, 1, 3, 4],
        }],
        printable: true,
    };
    Ok(pages::render(&page).into_response())
}

pub async fn xlsx_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<YearQuery>,
) -> PageResult<Response> {
    let fy = year_of(&caller, &q);
    let (grants, missing) = rows(&state, &caller, fy).await?;
    let money = |n: Option<i64>| n.map_or(XCell::Text(String::new()), XCell::Integer);
    let mut sheet_rows: Vec<Vec<XCell>> = grants
        .iter()
        .map(|r| {
            let g = &r.grant;
            vec![
                r.organisation_code.clone().into(),
                r.organisation_name.clone().into(),
                g.status.label().into(),
                money(g.requested),
                money(g.decided),
                XCell::Integer(g.paid),
                XCell::Integer(g.payable_left()),
                money(g.fixed),
                XCell::Integer(g.owed()),
                XCell::Integer(g.refunded),
                XCell::Integer(g.carried),
            ]
        })
        .collect();
    sheet_rows.extend(
        missing
            .into_iter()
            .map(|name| vec!["".into(), name.into(), "未申請".into()]),
    );
    let t = totals(&grants);
    let mut last: Vec<XCell> = vec!["".into(), "合計".into(), "".into(), "".into()];
    last.extend([t[0].1, t[1].1].map(XCell::Integer));
    last.push("".into());
    last.extend([t[2].1, t[3].1].map(XCell::Integer));
    last.push("".into());
    last.push(XCell::Integer(t[4].1));
    sheet_rows.push(last);
    let book = xlsx::workbook(vec![Sheet {
        name: "交付金".into(),
        headers: [
            "団体コード",
            "団体",
            "状況",
            "申請額",
            "交付決定額",
            "支払済み",
            "支払の残り",
            "確定額",
            "返還の未納",
            "返還済み",
            "繰越",
        ]
        .map(String::from)
        .to_vec(),
        rows: sheet_rows,
    }])?;
    Ok(xlsx::attachment(book, &format!("grants-{fy}.xlsx")))
}

pub async fn payments_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<YearQuery>,
) -> PageResult<Response> {
    caller.require(Action::GrantDecide)?;
    let fy = year_of(&caller, &q);
    let payments = store::payments(&state.db, caller.municipality.id, fy).await?;
    let memo = format!("{} 一括交付金", format_fiscal_year(fy));
    let lines: Vec<PaymentLine> = payments
        .into_iter()
        .map(|p| PaymentLine {
            paid_on: p.on_date,
            payee: p.organisation_name,
            amount: p.amount.unwrap_or(0),
            order_number: p.number,
            memo: memo.clone(),
        })
        .collect();
    let bytes = encode_csv(&payments_csv(&lines), TextEncoding::Cp932)
        .map_err(|e| AppError::Refused(format!("CP932で書き出せない文字があります: {e}")))?;
    Ok(crate::data::csv_attachment(
        bytes,
        TextEncoding::Cp932,
        &format!("grant-payments-{fy}.csv"),
    ))
}
