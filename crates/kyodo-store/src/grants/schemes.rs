//! Grant schemes per 年度 and who they go to: the organisations the scheme
//! names, with their 区域's figures on the reference date and last year's amount.

use std::collections::HashMap;

use chrono::Utc;
use kyodo_core::grants::figures::Figures;
use kyodo_core::grants::formula::{Formula, Recipient};
use kyodo_core::grants::rules::ProcedureRules;
use kyodo_core::grants::schemes::{GrantScheme, GrantSchemeInput};
use kyodo_core::scheme::SchemeSettings;
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use super::json;
use crate::audit::{self, Actor};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "grant_schemes";
const COLUMNS: [&str; 12] = [
    "id",
    "municipality_id",
    "fiscal_year",
    "name",
    "reference_date",
    "formula",
    "staffed",
    "rules",
    "note",
    "version",
    "created_at",
    "updated_at",
];

fn select(municipality_id: i64) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned()
}

/// Every scheme, the newest 年度 first.
pub async fn list(db: &Db, municipality_id: i64) -> Result<Vec<GrantScheme>> {
    db.fetch_all(
        &select(municipality_id)
            .order_by("fiscal_year", Order::Desc)
            .order_by("name", Order::Asc)
            .to_owned(),
    )
    .await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<GrantScheme> {
    db.fetch_optional(&select(municipality_id).and_where(Expr::col("id").eq(id)).to_owned())
        .await?
        .ok_or(StoreError::NotFound)
}

pub(super) async fn get_in(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<GrantScheme> {
    tx.fetch_optional(&select(municipality_id).and_where(Expr::col("id").eq(id)).to_owned())
        .await?
        .ok_or(StoreError::NotFound)
}

/// The same scheme a year before (by name), whose amounts are last year's.
pub async fn previous(db: &Db, scheme: &GrantScheme) -> Result<Option<GrantScheme>> {
    db.fetch_optional(
        &select(scheme.municipality_id)
            .and_where(Expr::col("fiscal_year").eq(scheme.fiscal_year - 1))
            .and_where(Expr::col("name").eq(scheme.name.clone()))
            .to_owned(),
    )
    .await
}

/// A scheme's formula and staffed organisations, as the store writes them.
pub struct SchemeContent<'a> {
    pub input: &'a GrantSchemeInput,
    pub formula: &'a Formula,
    pub staffed: &'a [i64],
    pub rules: &'a ProcedureRules,
}

/// The refusal of a second scheme of the same name in a 年度.
fn duplicate(input: &GrantSchemeInput) -> StoreError {
    StoreError::Invalid(FieldErrors::single(
        "name",
        format!(
            "{}に「{}」はもうあります",
            kyodo_core::wareki::format_fiscal_year(input.fiscal_year),
            input.name
        ),
    ))
}

/// Two saves of the same (年度, 名称) at once: the unique index refuses the
/// second, which hears what the check before it would have said.
fn unique_or(e: StoreError, input: &GrantSchemeInput) -> StoreError {
    match e {
        StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => duplicate(input),
        other => other,
    }
}

/// Refuses a second scheme of the same name in a 年度, naming the field.
async fn check_unique(tx: &mut Tx, municipality_id: i64, input: &GrantSchemeInput, except: Option<i64>) -> Result<()> {
    let mut q = Query::select()
        .expr(Expr::col("id").count())
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("fiscal_year").eq(input.fiscal_year))
        .and_where(Expr::col("name").eq(input.name.clone()))
        .to_owned();
    if let Some(id) = except {
        q.and_where(Expr::col("id").ne(id));
    }
    if tx.fetch_i64(&q).await? > 0 {
        return Err(duplicate(input));
    }
    Ok(())
}

pub async fn create(db: &Db, actor: &Actor, content: SchemeContent<'_>) -> Result<GrantScheme> {
    let muni = actor.municipality_id;
    content.formula.check()?;
    content.rules.check()?;
    let mut tx = db.begin().await?;
    check_unique(&mut tx, muni, content.input, None).await?;
    check_organisations(&mut tx, muni, &content).await?;
    let now = Utc::now();
    let i = content.input;
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "fiscal_year",
                    "name",
                    "reference_date",
                    "formula",
                    "staffed",
                    "rules",
                    "note",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    muni.into(),
                    i.fiscal_year.into(),
                    i.name.clone().into(),
                    i.reference_date.into(),
                    json(content.formula)?.into(),
                    json(&content.staffed)?.into(),
                    json(content.rules)?.into(),
                    i.note.clone().into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await
        .map_err(|e| unique_or(e, i))?;
    let created = get_in(&mut tx, muni, id).await?;
    common::audit_change(&mut tx, actor, TABLE, id, None, audit::snapshot(&created)).await?;
    tx.commit().await?;
    Ok(created)
}

/// Saves a scheme read at `version`; a stale save is a conflict.
pub async fn update(db: &Db, actor: &Actor, id: i64, version: i64, content: SchemeContent<'_>) -> Result<GrantScheme> {
    let muni = actor.municipality_id;
    content.formula.check()?;
    content.rules.check()?;
    let mut tx = db.begin().await?;
    let before = get_in(&mut tx, muni, id).await?;
    check_unique(&mut tx, muni, content.input, Some(id)).await?;
    check_organisations(&mut tx, muni, &content).await?;
    let i = content.input;
    let changed = tx
        .execute(
            &Query::update()
                .table(TABLE)
                .values([
                    ("fiscal_year", i.fiscal_year.into()),
                    ("name", i.name.clone().into()),
                    ("reference_date", i.reference_date.into()),
                    ("formula", json(content.formula)?.into()),
                    ("staffed", json(&content.staffed)?.into()),
                    ("rules", json(content.rules)?.into()),
                    ("note", i.note.clone().into()),
                    ("updated_at", Utc::now().into()),
                ])
                .value("version", Expr::col("version").add(1))
                .and_where(Expr::col("municipality_id").eq(muni))
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("version").eq(version))
                .to_owned(),
        )
        .await
        .map_err(|e| unique_or(e, i))?;
    if changed == 0 {
        return Err(StoreError::Conflict);
    }
    let after = get_in(&mut tx, muni, id).await?;
    common::audit_change(
        &mut tx,
        actor,
        TABLE,
        id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The organisations a grant of this city goes to in `fiscal_year`: those
/// of the kind that represents an area, active, and — where the city
/// recognises them — 認可 by the end of that 年度.
pub async fn eligible(
    db: &Db,
    settings: &SchemeSettings,
    municipality_id: i64,
    fiscal_year: i32,
) -> Result<Vec<(i64, String, Option<i64>)>> {
    let Some(kind) = settings.area_body_kind.clone() else {
        return Ok(Vec::new());
    };
    let year_end = kyodo_core::wareki::fiscal_year_end(fiscal_year);
    let orgs = crate::organisations::all(db, municipality_id).await?;
    Ok(orgs
        .into_iter()
        .filter(|o| {
            o.kind == kind && (!settings.recognition || (o.recognised() && o.approved_on.is_none_or(|d| d <= year_end)))
        })
        .map(|o| (o.id, o.name, o.area_id))
        .collect())
}

/// Refuses a formula or staffed list naming organisations that are not the
/// municipality's, beside the field.
async fn check_organisations(tx: &mut Tx, municipality_id: i64, content: &SchemeContent<'_>) -> Result<()> {
    use kyodo_core::grants::formula::{Component, MergedRule};
    let mut errors = FieldErrors::new();
    let mut named: Vec<(String, Vec<i64>)> = vec![("staffed".into(), content.staffed.to_vec())];
    for (i, c) in content.formula.components.iter().enumerate() {
        if let Component::Merged {
            rule: MergedRule::PerOrganisation { amounts },
            ..
        } = c
        {
            named.push((
                format!("components[{i}].rule"),
                amounts.iter().map(|a| a.organisation_id).collect(),
            ));
        }
    }
    for (field, mut ids) in named {
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        let known = tx
            .fetch_i64(
                &Query::select()
                    .expr(Expr::col("id").count())
                    .from("organisations")
                    .and_where(Expr::col("municipality_id").eq(municipality_id))
                    .and_where(Expr::col("id").is_in(ids.clone()))
                    .to_owned(),
            )
            .await?;
        if usize::try_from(known).unwrap_or(0) != ids.len() {
            errors.add(&field, "この自治体の団体ではない番号が含まれています");
        }
    }
    errors.into_result(()).map_err(StoreError::Invalid)
}

/// Each organisation's figures on `as_of`: the sum over its 区域's areas (its
/// own area when it has chosen none); an area without figures of its own
/// counts those of the areas below it.
async fn figures_of(
    db: &Db,
    municipality_id: i64,
    organisations: &[(i64, String, Option<i64>)],
    as_of: chrono::NaiveDate,
) -> Result<HashMap<i64, Figures>> {
    let by_area = super::figures::at(db, municipality_id, as_of).await?;
    let areas = crate::areas::all(db, municipality_id, false).await?;
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for a in &areas {
        if let Some(p) = a.parent_id {
            children.entry(p).or_default().push(a.id);
        }
    }
    fn sum(area: i64, by_area: &HashMap<i64, Figures>, children: &HashMap<i64, Vec<i64>>, depth: usize) -> Figures {
        if let Some(f) = by_area.get(&area) {
            return *f;
        }
        let mut total = Figures::default();
        // The tree is a few levels deep; the bound only guards against a cycle.
        if depth < 16 {
            for c in children.get(&area).map(Vec::as_slice).unwrap_or_default() {
                total.add(&sum(*c, by_area, children, depth + 1));
            }
        }
        total
    }
    let chosen: Vec<(i64, i64)> = db
        .fetch_all(
            &Query::select()
                .columns(["organisation_id", "area_id"])
                .from("organisation_areas")
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .to_owned(),
        )
        .await?;
    let mut areas_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (org, area) in chosen {
        areas_of.entry(org).or_default().push(area);
    }
    Ok(organisations
        .iter()
        .map(|(id, _, own_area)| {
            let areas = areas_of
                .get(id)
                .cloned()
                .unwrap_or_else(|| own_area.iter().copied().collect());
            let mut total = Figures::default();
            for a in areas {
                total.add(&sum(a, &by_area, &children, 0));
            }
            (*id, total)
        })
        .collect())
}

/// The scheme's recipients with their figures on its reference date.
/// `last_year` gives each organisation's amount the year before.
pub async fn recipients(
    db: &Db,
    settings: &SchemeSettings,
    scheme: &GrantScheme,
    staffed: &[i64],
    last_year: &HashMap<i64, i64>,
) -> Result<Vec<Recipient>> {
    let orgs = eligible(db, settings, scheme.municipality_id, scheme.fiscal_year).await?;
    let figures = figures_of(db, scheme.municipality_id, &orgs, scheme.reference_date).await?;
    Ok(orgs
        .into_iter()
        .map(|(id, name, _)| Recipient {
            organisation_id: id,
            figures: figures.get(&id).copied().unwrap_or_default(),
            employs_staff: staffed.contains(&id),
            last_year: last_year.get(&id).copied(),
            name,
        })
        .collect())
}

/// Last year's amounts: the same scheme a year before, its formula applied
/// to its own reference date's figures. (Once grants are decided, the
/// decided amounts take their place.)
pub async fn last_year_amounts(db: &Db, settings: &SchemeSettings, scheme: &GrantScheme) -> Result<HashMap<i64, i64>> {
    let Some(before) = previous(db, scheme).await? else {
        return Ok(HashMap::new());
    };
    let recipients = recipients(db, settings, &before, &before.staffed.0, &HashMap::new()).await?;
    Ok(before
        .formula
        .calculate(&recipients)
        .allocations
        .into_iter()
        .map(|a| (a.organisation_id, a.amount))
        .collect())
}

/// `formula` applied to the scheme's recipients on its reference date, with
/// last year's amounts beside them.
pub async fn calculate(
    db: &Db,
    settings: &SchemeSettings,
    scheme: &GrantScheme,
    formula: &Formula,
    staffed: &[i64],
) -> Result<kyodo_core::grants::formula::Calculation> {
    let last_year = last_year_amounts(db, settings, scheme).await?;
    let recipients = recipients(db, settings, scheme, staffed, &last_year).await?;
    Ok(formula.calculate(&recipients))
}
