//! The areas' figures per reference date (人口・世帯数・面積・65歳以上人口):
//! entered or imported as CSV, kept per date.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use kyodo_core::csv_import::{CsvLine, ImportError, ImportReport};
use kyodo_core::grants::figures::{AreaFigures, Figures, FiguresInput, format_area};
use sea_query::{Expr, ExprTrait, Order, Query};

use crate::audit::Actor;
use crate::common;
use crate::db::{Db, Tx};
use crate::error::Result;

const TABLE: &str = "area_figures";
const COLUMNS: [&str; 6] = [
    "area_id",
    "as_of",
    "population",
    "households",
    "area_centi_km2",
    "elderly",
];

/// Each area's latest figures on or before `as_of` (the reference date), by area.
pub async fn at(db: &Db, municipality_id: i64, as_of: NaiveDate) -> Result<HashMap<i64, Figures>> {
    // Driven by the areas: for each, its latest date up to `as_of` (a seek
    // on the unique (area_id, as_of) index), then that row. The cost follows
    // the number of areas, not the dates a city has kept over the years.
    let latest = Expr::SubQuery(
        None,
        Box::new(
            Query::select()
                .expr(Expr::col(("g", "as_of")).max())
                .from_as(TABLE, "g")
                .and_where(Expr::col(("g", "area_id")).equals(("a", "id")))
                .and_where(Expr::col(("g", "as_of")).lte(as_of))
                .to_owned()
                .into(),
        ),
    );
    let mut q = Query::select();
    for c in COLUMNS {
        q.column(("f", c));
    }
    q.from_as("areas", "a")
        .join_as(
            sea_query::JoinType::InnerJoin,
            TABLE,
            "f",
            Expr::col(("f", "area_id"))
                .equals(("a", "id"))
                .and(Expr::col(("f", "as_of")).eq(latest)),
        )
        .and_where(Expr::col(("a", "municipality_id")).eq(municipality_id));
    let rows: Vec<AreaFigures> = db.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|row| (row.area_id, row.figures())).collect())
}

/// An area's figures over time, newest first.
pub async fn history(db: &Db, municipality_id: i64, area_id: i64) -> Result<Vec<AreaFigures>> {
    db.fetch_all(
        &Query::select()
            .columns(COLUMNS)
            .from(TABLE)
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("area_id").eq(area_id))
            .order_by("as_of", Order::Desc)
            .to_owned(),
    )
    .await
}

/// Sets an area's figures for a date: `None` when new, the changes (empty
/// when none) when it replaced others — as an import's report counts them.
async fn put(tx: &mut Tx, actor: &Actor, area_id: i64, input: &FiguresInput) -> Result<Option<serde_json::Value>> {
    let muni = actor.municipality_id;
    let f = input.figures;
    let before: Option<AreaFigures> = tx
        .fetch_optional(
            &Query::select()
                .columns(COLUMNS)
                .from(TABLE)
                .and_where(Expr::col("municipality_id").eq(muni))
                .and_where(Expr::col("area_id").eq(area_id))
                .and_where(Expr::col("as_of").eq(input.as_of))
                .to_owned(),
        )
        .await?;
    let after = AreaFigures {
        area_id,
        as_of: input.as_of,
        population: f.population,
        households: f.households,
        area_centi_km2: f.area_centi_km2,
        elderly: f.elderly,
    };
    if before.as_ref() == Some(&after) {
        return Ok(Some(serde_json::json!({})));
    }
    if before.is_some() {
        tx.execute(
            &Query::update()
                .table(TABLE)
                .values([
                    ("population", f.population.into()),
                    ("households", f.households.into()),
                    ("area_centi_km2", f.area_centi_km2.into()),
                    ("elderly", f.elderly.into()),
                    ("updated_at", Utc::now().into()),
                ])
                .and_where(Expr::col("municipality_id").eq(muni))
                .and_where(Expr::col("area_id").eq(area_id))
                .and_where(Expr::col("as_of").eq(input.as_of))
                .to_owned(),
        )
        .await?;
    } else {
        tx.insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "area_id",
                    "as_of",
                    "population",
                    "households",
                    "area_centi_km2",
                    "elderly",
                    "updated_at",
                ])
                .values_panic([
                    muni.into(),
                    area_id.into(),
                    input.as_of.into(),
                    f.population.into(),
                    f.households.into(),
                    f.area_centi_km2.into(),
                    f.elderly.into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    }
    let changes = common::audit_change(
        tx,
        actor,
        TABLE,
        area_id,
        before.as_ref().map(crate::audit::snapshot),
        crate::audit::snapshot(&after),
    )
    .await?;
    Ok(before.map(|_| changes))
}

/// Imports figures, a line per area and date; all or nothing.
pub async fn import(db: &Db, actor: &Actor, lines: Vec<CsvLine>, dry_run: bool) -> Result<ImportReport> {
    let columns = kyodo_core::grants::figures::CSV_COLUMNS;
    let mut tx = db.begin().await?;
    let mut errors = Vec::new();
    let mut report = ImportReport {
        dry_run,
        ..Default::default()
    };
    for line in lines {
        let input = match FiguresInput::parse(&|f| line.get(f)) {
            Ok(i) => i,
            Err(e) => {
                errors.extend(ImportError::from_line(&line, columns, e));
                continue;
            }
        };
        let code = common::cell_code(&input.area_code);
        let Some(area_id) = common::id_by_key(&mut tx, "areas", "code", actor.municipality_id, &code).await? else {
            errors.push(ImportError::new(
                line.line,
                Some("地区コード"),
                format!("地区コード「{code}」の地区がありません"),
            ));
            continue;
        };
        let key = format!("{code} {}", input.as_of);
        let changes = put(&mut tx, actor, area_id, &input).await?;
        common::tally(&mut report, &key, changes);
    }
    common::finish_import(tx, errors, report).await
}

/// Every area's figures as CSV lines, in an order that imports again.
pub async fn export_rows(db: &Db, municipality_id: i64) -> Result<Vec<Vec<String>>> {
    let rows: Vec<(String, NaiveDate, i64, i64, i64, i64)> = db
        .fetch_all(
            &Query::select()
                .column(("a", "code"))
                .columns([
                    ("f", "as_of"),
                    ("f", "population"),
                    ("f", "households"),
                    ("f", "area_centi_km2"),
                    ("f", "elderly"),
                ])
                .from_as(TABLE, "f")
                .join_as(
                    sea_query::JoinType::InnerJoin,
                    "areas",
                    "a",
                    Expr::col(("a", "id")).equals(("f", "area_id")),
                )
                .and_where(Expr::col(("f", "municipality_id")).eq(municipality_id))
                .order_by(("a", "code"), Order::Asc)
                .order_by(("f", "as_of"), Order::Asc)
                .to_owned(),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(code, as_of, population, households, area, elderly)| {
            vec![
                code,
                as_of.to_string(),
                population.to_string(),
                households.to_string(),
                format_area(area),
                elderly.to_string(),
            ]
        })
        .collect())
}

/// Sets one area's figures for a date (the area's page).
pub async fn set(db: &Db, actor: &Actor, area_id: i64, input: &FiguresInput) -> Result<()> {
    let mut tx = db.begin().await?;
    if !common::row_exists(&mut tx, "areas", actor.municipality_id, area_id).await? {
        return Err(crate::error::StoreError::NotFound);
    }
    put(&mut tx, actor, area_id, input).await?;
    tx.commit().await
}
