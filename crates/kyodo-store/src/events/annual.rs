//! The printed 年間行事カレンダー: a district's or a body's calendar for a
//! 年度, its entry deadline, its contact points and its advertisement boxes.
//! The events themselves are the community calendar's (`events`).

use chrono::{NaiveDate, Utc};
use kyodo_core::events::annual::{Advert, AdvertInput, AnnualCalendar, AnnualCalendarInput, AnnualStatus};
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement};

use crate::audit::{self, Actor};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "annual_calendars";
const ADVERTS: &str = "calendar_adverts";

/// Whose calendars a caller reaches: the coordinator's all, a liaison's
/// those of the districts served, a body's its own.
pub use super::Reach;

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(
        [
            "id",
            "area_id",
            "organisation_id",
            "fiscal_year",
            "title",
            "entry_deadline",
            "contact_points",
            "status",
            "published_on",
            "updated_at",
            "version",
        ]
        .map(|c| ("c", c)),
    )
    .expr_as(
        Func::coalesce([Expr::col(("a", "name")), Expr::col(("o", "name"))]),
        "owner_name",
    )
    .expr_as(
        Func::coalesce([Expr::col(("c", "area_id")), Expr::col(("o", "area_id"))]),
        "owner_area_id",
    )
    .from_as(TABLE, "c")
    .join_as(
        JoinType::LeftJoin,
        "areas",
        "a",
        Expr::col(("a", "id")).equals(("c", "area_id")),
    )
    .join_as(
        JoinType::LeftJoin,
        "organisations",
        "o",
        Expr::col(("o", "id")).equals(("c", "organisation_id")),
    );
    q
}

/// Calendars in reach, the newest 年度 first.
pub async fn list(db: &Db, municipality_id: i64, reach: &Reach) -> Result<Vec<AnnualCalendar>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("c", "municipality_id")).eq(municipality_id));
    match reach {
        Reach::All => {}
        Reach::InAreas(ids) => {
            q.and_where(
                Expr::col(("c", "area_id"))
                    .is_in(ids.clone())
                    .or(Expr::col(("o", "area_id")).is_in(ids.clone())),
            );
        }
        Reach::Organisation(id) => {
            q.and_where(Expr::col(("c", "organisation_id")).eq(*id));
        }
    }
    q.order_by(("c", "fiscal_year"), Order::Desc)
        .order_by(("c", "id"), Order::Desc)
        .limit(500);
    db.fetch_all(&q).await
}

/// The published calendars, for the public site.
pub async fn published(db: &Db, municipality_id: i64) -> Result<Vec<AnnualCalendar>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("c", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("c", "status")).eq(AnnualStatus::Published.key()))
        .order_by(("c", "fiscal_year"), Order::Desc)
        .order_by(("c", "id"), Order::Desc)
        .limit(500);
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<AnnualCalendar> {
    let mut q = select_rows();
    q.and_where(Expr::col(("c", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("c", "id")).eq(id));
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

/// The district or body exists, and has no other calendar for the 年度.
async fn check_in(tx: &mut Tx, muni: i64, input: &AnnualCalendarInput, except: Option<i64>) -> Result<()> {
    let mut errors = FieldErrors::new();
    if let Some(a) = input.area_id
        && !common::row_exists(tx, "areas", muni, a).await?
    {
        errors.add("area_id", "地区が見つかりません");
    }
    if let Some(o) = input.organisation_id
        && !common::row_exists(tx, "organisations", muni, o).await?
    {
        errors.add("organisation_id", "団体が見つかりません");
    }
    let mut same = Query::select();
    same.expr(Expr::col("id").count())
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(muni))
        .and_where(Expr::col("fiscal_year").eq(input.fiscal_year));
    match (input.area_id, input.organisation_id) {
        (Some(a), _) => same.and_where(Expr::col("area_id").eq(a)),
        (_, Some(o)) => same.and_where(Expr::col("organisation_id").eq(o)),
        _ => &mut same,
    };
    if let Some(id) = except {
        same.and_where(Expr::col("id").ne(id));
    }
    if tx.fetch_i64(&same).await? > 0 {
        errors.add("fiscal_year", "この年度のカレンダーはすでにあります");
    }
    errors.into_result(()).map_err(StoreError::Invalid)
}

fn title_of(input: &AnnualCalendarInput) -> String {
    input.title.clone().unwrap_or_else(|| {
        format!(
            "{} 年間行事カレンダー",
            kyodo_core::wareki::format_fiscal_year(input.fiscal_year)
        )
    })
}

/// Opens a calendar for a 年度 (受付中).
pub async fn create(db: &Db, actor: &Actor, input: &AnnualCalendarInput) -> Result<AnnualCalendar> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    check_in(&mut tx, muni, input, None).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "area_id",
                    "organisation_id",
                    "fiscal_year",
                    "title",
                    "entry_deadline",
                    "contact_points",
                    "status",
                    "created_by",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    muni.into(),
                    input.area_id.into(),
                    input.organisation_id.into(),
                    input.fiscal_year.into(),
                    title_of(input).into(),
                    input.entry_deadline.into(),
                    input.contact_points.clone().into(),
                    AnnualStatus::Collecting.key().into(),
                    actor.user_id.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    let detail = serde_json::json!({"fiscal_year": input.fiscal_year, "area_id": input.area_id, "organisation_id": input.organisation_id});
    audit::record_on(&mut tx, actor, kyodo_core::audit::kind::CREATE, TABLE, id, detail).await?;
    tx.commit().await?;
    get(db, muni, id).await
}

/// Changes the title, deadline and contact points; `version` is what the editor saw.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    version: i64,
    input: &AnnualCalendarInput,
) -> Result<AnnualCalendar> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    check_in(&mut tx, muni, input, Some(id)).await?;
    let q = Query::update()
        .table(TABLE)
        .value("area_id", input.area_id)
        .value("organisation_id", input.organisation_id)
        .value("fiscal_year", input.fiscal_year)
        .value("title", title_of(input))
        .value("entry_deadline", input.entry_deadline)
        .value("contact_points", input.contact_points.clone())
        .value("updated_at", Utc::now())
        .value("version", Expr::col("version").add(1))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(muni))
        .and_where(Expr::col("version").eq(version))
        .to_owned();
    if tx.execute(&q).await? == 0 {
        return Err(common::missing_or_conflict(&mut tx, TABLE, muni, id).await);
    }
    let detail = serde_json::json!({"title": title_of(input), "entry_deadline": input.entry_deadline});
    audit::record_on(&mut tx, actor, kyodo_core::audit::kind::UPDATE, TABLE, id, detail).await?;
    crate::public::bump_in(&mut tx, muni).await?;
    tx.commit().await?;
    get(db, muni, id).await
}

/// Issues the calendar (発行): it goes on the public site, dated today.
/// Events entered later still show there; the print says when it was issued.
pub async fn publish(db: &Db, actor: &Actor, id: i64, today: NaiveDate) -> Result<AnnualCalendar> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    let q = Query::update()
        .table(TABLE)
        .value("status", AnnualStatus::Published.key())
        .value("published_on", today)
        .value("updated_at", Utc::now())
        .value("version", Expr::col("version").add(1))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(muni))
        .to_owned();
    if tx.execute(&q).await? == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record_on(
        &mut tx,
        actor,
        "publish",
        TABLE,
        id,
        serde_json::json!({"published_on": today}),
    )
    .await?;
    crate::public::bump_in(&mut tx, muni).await?;
    tx.commit().await?;
    get(db, muni, id).await
}

/// The calendar's advertisement boxes, in the order they were taken.
pub async fn adverts(db: &Db, municipality_id: i64, calendar_id: i64) -> Result<Vec<Advert>> {
    let q = Query::select()
        .columns(["id", "calendar_id", "sponsor", "text", "fee"])
        .from(ADVERTS)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("calendar_id").eq(calendar_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

pub async fn add_advert(db: &Db, actor: &Actor, calendar_id: i64, input: &AdvertInput) -> Result<i64> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    if !common::row_exists(&mut tx, TABLE, muni, calendar_id).await? {
        return Err(StoreError::NotFound);
    }
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(ADVERTS)
                .columns(["municipality_id", "calendar_id", "sponsor", "text", "fee", "created_at"])
                .values_panic([
                    muni.into(),
                    calendar_id.into(),
                    input.sponsor.clone().into(),
                    input.text.clone().into(),
                    input.fee.into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    let detail = serde_json::json!({"calendar_id": calendar_id, "sponsor": input.sponsor, "fee": input.fee});
    audit::record_on(&mut tx, actor, kyodo_core::audit::kind::CREATE, ADVERTS, id, detail).await?;
    crate::public::bump_in(&mut tx, muni).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_advert(db: &Db, actor: &Actor, calendar_id: i64, advert_id: i64) -> Result<()> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    let q = Query::delete()
        .from_table(ADVERTS)
        .and_where(Expr::col("id").eq(advert_id))
        .and_where(Expr::col("calendar_id").eq(calendar_id))
        .and_where(Expr::col("municipality_id").eq(muni))
        .to_owned();
    if tx.execute(&q).await? == 0 {
        return Err(StoreError::NotFound);
    }
    let detail = serde_json::json!({"calendar_id": calendar_id});
    audit::record_on(
        &mut tx,
        actor,
        kyodo_core::audit::kind::DELETE,
        ADVERTS,
        advert_id,
        detail,
    )
    .await?;
    crate::public::bump_in(&mut tx, muni).await?;
    tx.commit().await?;
    Ok(())
}
