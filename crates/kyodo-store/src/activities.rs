//! The activity log (活動記録) and its monthly totals (月別集計). Every
//! write moves the totals in the same transaction, so the workload pages
//! never sum the raw log.

use chrono::{NaiveDate, Utc};
use kyodo_core::activities::{Activity, ActivityInput, MonthTotal, month_key};
use kyodo_core::validation::FieldErrors;
use sea_query::{Cond, Expr, ExprTrait, JoinType, OnConflict, Order, Query, SelectStatement};

use crate::audit::{self, Actor, Event};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "activities";
const MONTHS: &str = "activity_months";
const YEARS: &str = "activity_years";

/// Whose entries a caller reaches.
#[derive(Debug, Clone)]
pub enum Reach {
    All,
    /// Their own entries, and every entry in the districts they lead (チームの課長級).
    Own {
        staff_id: Option<i64>,
        led_areas: Vec<i64>,
    },
}

impl Reach {
    fn cond(&self, staff_col: (&'static str, &'static str), area_col: (&'static str, &'static str)) -> Cond {
        match self {
            Reach::All => Cond::all(),
            Reach::Own { staff_id, led_areas } => {
                let mut any = Cond::any();
                if let Some(s) = staff_id {
                    any = any.add(Expr::col(staff_col).eq(*s));
                }
                if !led_areas.is_empty() {
                    any = any.add(Expr::col(area_col).is_in(led_areas.clone()));
                }
                // Reaching nothing must match nothing, not everything.
                any.add(Expr::val(1).eq(0))
            }
        }
    }
}

/// A list's filters.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub staff_id: Option<i64>,
    pub area_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub limit: Option<u64>,
}

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(
        [
            "id",
            "staff_id",
            "area_id",
            "done_on",
            "duty_type",
            "minutes",
            "out_of_hours",
            "compensation",
            "official_car",
            "meeting_id",
            "issue_id",
            "note",
            "version",
        ]
        .map(|c| ("x", c)),
    )
    .expr_as(Expr::col(("s", "name")), "staff_name")
    .expr_as(Expr::col(("a", "name")), "area_name")
    .from_as(TABLE, "x")
    .join_as(
        JoinType::InnerJoin,
        "staff",
        "s",
        Expr::col(("s", "id")).equals(("x", "staff_id")),
    )
    .join_as(
        JoinType::InnerJoin,
        "areas",
        "a",
        Expr::col(("a", "id")).equals(("x", "area_id")),
    );
    q
}

/// Entries in reach, newest first.
pub async fn list(db: &Db, municipality_id: i64, reach: &Reach, f: &ActivityFilter) -> Result<Vec<Activity>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("x", "municipality_id")).eq(municipality_id))
        .cond_where(reach.cond(("x", "staff_id"), ("x", "area_id")));
    if let Some(s) = f.staff_id {
        q.and_where(Expr::col(("x", "staff_id")).eq(s));
    }
    if let Some(a) = f.area_id {
        q.and_where(Expr::col(("x", "area_id")).eq(a));
    }
    if let Some(d) = f.from {
        q.and_where(Expr::col(("x", "done_on")).gte(d));
    }
    if let Some(d) = f.to {
        q.and_where(Expr::col(("x", "done_on")).lte(d));
    }
    q.order_by(("x", "done_on"), Order::Desc)
        .order_by(("x", "id"), Order::Desc)
        .limit(f.limit.unwrap_or(500));
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<Activity> {
    let mut q = select_rows();
    q.and_where(Expr::col(("x", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("x", "id")).eq(id));
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

async fn check_references(tx: &mut Tx, municipality_id: i64, input: &ActivityInput) -> Result<()> {
    let mut errors = FieldErrors::new();
    if !common::exists_in(tx, "areas", municipality_id, input.area_id).await? {
        errors.add("area_id", "地区が見つかりません");
    }
    if let Some(m) = input.meeting_id
        && !common::row_exists(tx, "meetings", municipality_id, m).await?
    {
        errors.add("meeting_id", "会議が見つかりません");
    }
    if let Some(i) = input.issue_id
        && !common::row_exists(tx, "issues", municipality_id, i).await?
    {
        errors.add("issue_id", "課題が見つかりません");
    }
    errors.into_result(()).map_err(StoreError::Invalid)
}

/// Adds one entry to (or, with `sign` -1, takes it from) the monthly and
/// the yearly totals.
async fn move_totals(tx: &mut Tx, municipality_id: i64, staff_id: i64, input: &ActivityInput, sign: i64) -> Result<()> {
    let month = month_key(input.done_on);
    let year = kyodo_core::wareki::fiscal_year(input.done_on);
    for (table, period_col, period) in [(MONTHS, "month", month), (YEARS, "fiscal_year", year)] {
        bump(tx, municipality_id, staff_id, input, sign, (table, period_col, period)).await?;
    }
    Ok(())
}

/// One table's row for the entry's staff, district, period and duty type, moved by `sign`.
async fn bump(
    tx: &mut Tx,
    municipality_id: i64,
    staff_id: i64,
    input: &ActivityInput,
    sign: i64,
    (table, period_col, period): (&'static str, &'static str, i32),
) -> Result<()> {
    let out = if input.out_of_hours { input.minutes } else { 0 };
    let add = |col: &'static str| Expr::col((table, col)).add(Expr::col(("excluded", col)));
    let q = Query::insert()
        .into_table(table)
        .columns([
            "municipality_id",
            "staff_id",
            "area_id",
            period_col,
            "duty_type",
            "minutes",
            "out_of_hours_minutes",
            "entries",
        ])
        .values_panic([
            municipality_id.into(),
            staff_id.into(),
            input.area_id.into(),
            period.into(),
            input.duty_type.clone().into(),
            (sign * input.minutes).into(),
            (sign * out).into(),
            sign.into(),
        ])
        .on_conflict(
            OnConflict::columns(["staff_id", period_col, "area_id", "duty_type"])
                .value("minutes", add("minutes"))
                .value("out_of_hours_minutes", add("out_of_hours_minutes"))
                .value("entries", add("entries"))
                .to_owned(),
        )
        .to_owned();
    tx.execute(&q).await?;
    if sign < 0 {
        tx.execute(
            &Query::delete()
                .from_table(table)
                .and_where(Expr::col("staff_id").eq(staff_id))
                .and_where(Expr::col(period_col).eq(period))
                .and_where(Expr::col("area_id").eq(input.area_id))
                .and_where(Expr::col("duty_type").eq(input.duty_type.clone()))
                .and_where(Expr::col("entries").lte(0))
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

fn values(input: &ActivityInput) -> [(&'static str, sea_query::SimpleExpr); 10] {
    [
        ("area_id", input.area_id.into()),
        ("done_on", input.done_on.into()),
        ("duty_type", input.duty_type.clone().into()),
        ("minutes", input.minutes.into()),
        ("out_of_hours", input.out_of_hours.into()),
        ("compensation", input.compensation.map(|c| c.key()).into()),
        ("official_car", input.official_car.into()),
        ("meeting_id", input.meeting_id.into()),
        ("issue_id", input.issue_id.into()),
        ("note", input.note.clone().into()),
    ]
}

fn detail(input: &ActivityInput) -> serde_json::Value {
    serde_json::json!({
        "done_on": input.done_on,
        "area_id": input.area_id,
        "duty_type": input.duty_type,
        "minutes": input.minutes,
        "out_of_hours": input.out_of_hours,
    })
}

/// Logs an entry of `staff_id`'s.
pub async fn create(db: &Db, actor: &Actor, staff_id: i64, input: &ActivityInput) -> Result<i64> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    check_references(&mut tx, muni, input).await?;
    let now = Utc::now();
    let (mut columns, mut row): (Vec<&str>, Vec<sea_query::SimpleExpr>) = values(input).into_iter().unzip();
    columns.extend(["municipality_id", "staff_id", "created_at", "updated_at"]);
    row.extend([muni.into(), staff_id.into(), now.into(), now.into()]);
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns(columns)
                .values_panic(row)
                .to_owned(),
        )
        .await?;
    move_totals(&mut tx, muni, staff_id, input, 1).await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::CREATE,
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(detail(input)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The entry as it was, to take out of the totals; refused to anyone but its owner.
async fn owned(tx: &mut Tx, municipality_id: i64, id: i64, owner: i64) -> Result<ActivityInput> {
    let mut q = select_rows();
    q.and_where(Expr::col(("x", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("x", "id")).eq(id));
    let a: Activity = tx.fetch_optional(&q).await?.ok_or(StoreError::NotFound)?;
    if a.staff_id != owner {
        return Err(StoreError::Refused(
            "活動記録を修正できるのは記録した本人だけです".into(),
        ));
    }
    Ok(ActivityInput {
        done_on: a.done_on,
        area_id: a.area_id,
        duty_type: a.duty_type,
        minutes: a.minutes,
        out_of_hours: a.out_of_hours,
        compensation: a.compensation,
        official_car: a.official_car,
        meeting_id: a.meeting_id,
        issue_id: a.issue_id,
        note: a.note,
    })
}

/// Corrects an entry; only `owner` may, and `version` is what they saw.
pub async fn update(db: &Db, actor: &Actor, id: i64, version: i64, owner: i64, input: &ActivityInput) -> Result<()> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    let before = owned(&mut tx, muni, id, owner).await?;
    check_references(&mut tx, muni, input).await?;
    let mut up = Query::update();
    up.table(TABLE)
        .values(values(input))
        .value("version", Expr::col("version").add(1))
        .value("updated_at", Utc::now())
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("version").eq(version));
    if tx.execute(&up).await? == 0 {
        return Err(StoreError::Conflict);
    }
    move_totals(&mut tx, muni, owner, &before, -1).await?;
    move_totals(&mut tx, muni, owner, input, 1).await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::UPDATE,
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(detail(input)),
        },
    )
    .await?;
    tx.commit().await
}

/// Deletes an entry logged by mistake; only `owner` may.
pub async fn delete(db: &Db, actor: &Actor, id: i64, owner: i64) -> Result<()> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    let before = owned(&mut tx, muni, id, owner).await?;
    tx.execute(
        &Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    move_totals(&mut tx, muni, owner, &before, -1).await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::DELETE,
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(detail(&before)),
        },
    )
    .await?;
    tx.commit().await
}

/// How [`summed`] groups the totals: by these keys as asked; a key not
/// grouped by reads 0 (the duty type, an empty string).
#[derive(Debug, Clone, Copy, Default)]
pub struct GroupBy {
    pub staff: bool,
    pub area: bool,
    pub month: bool,
    pub duty: bool,
}

/// Which monthly totals [`summed`] adds up.
#[derive(Debug, Clone, Default)]
pub struct TotalsFilter<'a> {
    pub staff_id: Option<i64>,
    /// Only these districts (and areas): a team's report, a handover's dossier.
    pub area_ids: Option<&'a [i64]>,
}

/// The monthly totals of the months `from..=to` (keys like 202604) in
/// reach, summed in the database by `by`: the workload pages read a few
/// thousand sums instead of a year of rows.
pub async fn summed(
    db: &Db,
    municipality_id: i64,
    reach: &Reach,
    (from, to): (i32, i32),
    filter: &TotalsFilter<'_>,
    by: GroupBy,
) -> Result<Vec<MonthTotal>> {
    // A whole fiscal year not split by month is read from the yearly totals:
    // a twelfth of the rows.
    let whole_year = (from % 100 == 4 && to == from + 99 && !by.month).then_some(from / 100);
    let table = if whole_year.is_some() { YEARS } else { MONTHS };
    let mut q = Query::select();
    let mut key = |grouped: bool, col: &'static str, zero: Expr| {
        if grouped {
            q.column(col).group_by_col(col);
        } else {
            q.expr_as(zero, col);
        }
    };
    key(by.staff, "staff_id", Expr::val(0i64));
    key(by.area, "area_id", Expr::val(0i64));
    key(by.month, "month", Expr::val(0i32));
    key(by.duty, "duty_type", Expr::val(""));
    // PostgreSQL sums BIGINT into NUMERIC; the cast keeps one type on both databases.
    let sum = |col: &'static str| sea_query::Func::cast_as(Expr::col(col).sum(), "BIGINT");
    q.expr_as(sum("minutes"), "minutes")
        .expr_as(sum("out_of_hours_minutes"), "out_of_hours_minutes")
        .expr_as(sum("entries"), "entries")
        .from(table)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .cond_where(reach.cond((table, "staff_id"), (table, "area_id")))
        // Summing nothing gives one row of NULLs, not none.
        .and_having(Expr::col("entries").sum().gt(0));
    match whole_year {
        Some(fy) => q.and_where(Expr::col("fiscal_year").eq(fy)),
        None => q
            .and_where(Expr::col("month").gte(from))
            .and_where(Expr::col("month").lte(to)),
    };
    if let Some(s) = filter.staff_id {
        q.and_where(Expr::col("staff_id").eq(s));
    }
    if let Some(areas) = filter.area_ids {
        q.and_where(Expr::col("area_id").is_in(areas.to_vec()));
    }
    db.fetch_all(&q).await
}

/// A staff member as the workload pages name them.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct StaffName {
    pub id: i64,
    pub name: String,
    pub name_kana: String,
    pub department_name: Option<String>,
}

/// Names of the staff in `ids`, archived ones included (past years' entries).
pub async fn staff_names(db: &Db, municipality_id: i64, ids: &[i64]) -> Result<Vec<StaffName>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns([("s", "id"), ("s", "name"), ("s", "name_kana")])
        .expr_as(Expr::col(("d", "name")), "department_name")
        .from_as("staff", "s")
        .join_as(
            JoinType::LeftJoin,
            "departments",
            "d",
            Expr::col(("d", "id")).equals(("s", "department_id")),
        )
        .and_where(Expr::col(("s", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("s", "id")).is_in(ids.to_vec()))
        .order_by(("s", "name_kana"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}
