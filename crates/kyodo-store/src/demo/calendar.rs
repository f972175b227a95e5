//! The demo's community calendar: each district's year as its bodies would
//! enter it (祭り, 清掃, 防災訓練, 敬老会, a monthly サロン), one event called
//! off, and half of the reports made to the community published.

use chrono::{Datelike, Days, NaiveDate};
use kyodo_core::events::{Admission, EventInput, EventKind, EventStatus};
use kyodo_core::organisations::Organisation;
use kyodo_core::wareki::{fiscal_year, fiscal_year_start};
use sea_query::{Expr, ExprTrait, Query};

use crate::audit::Actor;
use crate::db::Db;
use crate::error::Result;

/// The `n`th `weekday` (0 = Monday) of a month.
fn nth_weekday(year: i32, month: u32, weekday: u32, n: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let offset = (7 + weekday - first.weekday().num_days_from_monday()) % 7;
    first.checked_add_days(Days::new((offset + 7 * (n - 1)) as u64))
}

struct Plan {
    kind: EventKind,
    title: &'static str,
    month: u32,
    /// (weekday, nth) of the month.
    day: (u32, u32),
    time: Option<(&'static str, &'static str)>,
    days: u64,
    admission: Admission,
    description: &'static str,
}

const YEAR: &[Plan] = &[
    Plan {
        kind: EventKind::Cleanup,
        title: "地区一斉清掃",
        month: 6,
        day: (6, 1),
        time: Some(("07:00", "08:30")),
        days: 0,
        admission: Admission::Open,
        description: "軍手とごみ袋をご持参ください。雨天の場合は翌週に延期します。",
    },
    Plan {
        kind: EventKind::Festival,
        title: "夏祭り・盆踊り大会",
        month: 8,
        day: (5, 2),
        time: None,
        days: 1,
        admission: Admission::Open,
        description: "夜店と盆踊り。子ども神輿は土曜日の夕方に地区を回ります。",
    },
    Plan {
        kind: EventKind::Elderly,
        title: "敬老会",
        month: 9,
        day: (6, 2),
        time: Some(("10:00", "12:00")),
        days: 0,
        admission: Admission::Members,
        description: "75歳以上の方にご案内状をお送りしています。",
    },
    Plan {
        kind: EventKind::DisasterDrill,
        title: "地区防災訓練",
        month: 11,
        day: (6, 1),
        time: Some(("09:00", "11:30")),
        days: 0,
        admission: Admission::Open,
        description: "避難所開設と安否確認の訓練を行います。",
    },
    Plan {
        kind: EventKind::Lecture,
        title: "地域の歴史講座",
        month: 2,
        day: (5, 3),
        time: Some(("13:30", "15:00")),
        days: 0,
        admission: Admission::Open,
        description: "",
    },
];

fn input(o: &Organisation, area_id: i64, p: &Plan, on: NaiveDate) -> EventInput {
    EventInput {
        area_id,
        organisation_id: Some(o.id),
        kind: p.kind,
        title: p.title.to_owned(),
        description: (!p.description.is_empty()).then(|| p.description.to_owned()),
        starts_on: on,
        ends_on: (p.days > 0).then(|| on + Days::new(p.days)),
        start_time: p.time.map(|t| t.0.to_owned()),
        end_time: p.time.map(|t| t.1.to_owned()),
        place: Some("地区公民館".to_owned()),
        admission: p.admission,
        public: true,
        contact: Some(format!("{} 事務局", o.name)),
        status: EventStatus::Scheduled,
    }
}

/// Each district's body (the scheme's area body, else the first body of
/// each area) enters its year and a monthly サロン; the other bodies their
/// 清掃 only. The first event after today is called off (中止), as happens with rain.
pub(super) async fn load(
    db: &Db,
    actor: &Actor,
    today: NaiveDate,
    area_body_kind: Option<&str>,
    orgs: &[Organisation],
) -> Result<()> {
    let fy = fiscal_year(today);
    let start = fiscal_year_start(fy);
    let year_of = |month: u32| if month >= 4 { start.year() } else { start.year() + 1 };
    let mut cancelled = false;
    let mut seen_areas = Vec::new();
    let mut first_lead = None;
    for o in orgs.iter().filter(|o| o.archived_at.is_none()) {
        let Some(area_id) = o.area_id else { continue };
        let lead = match area_body_kind {
            Some(kind) => o.kind == kind,
            None => !seen_areas.contains(&area_id),
        };
        seen_areas.push(area_id);
        for p in YEAR.iter().filter(|p| lead || p.kind == EventKind::Cleanup) {
            let Some(on) = nth_weekday(year_of(p.month), p.month, p.day.0, p.day.1) else {
                continue;
            };
            let mut entry = input(o, area_id, p, on);
            if !cancelled && on > today {
                entry.status = EventStatus::Cancelled;
                cancelled = true;
            }
            crate::events::create(db, actor, &entry).await?;
        }
        if !lead {
            continue;
        }
        first_lead.get_or_insert((o, area_id));
        // いきいきサロン: the second Tuesday of every month.
        for month in (4..=12).chain(1..=3) {
            let Some(on) = nth_weekday(year_of(month), month, 1, 2) else {
                continue;
            };
            crate::events::create(db, actor, &input(o, area_id, &SALON, on)).await?;
        }
    }
    if let Some((o, area_id)) = first_lead {
        annual(db, actor, today, o, area_id).await?;
    }
    Ok(())
}

/// The first district's 年間行事カレンダー of this 年度, issued, with two
/// advertisement boxes (the 実行委員会's 広告料収入).
async fn annual(db: &Db, actor: &Actor, today: NaiveDate, body: &Organisation, area_id: i64) -> Result<()> {
    use kyodo_core::events::annual::{AdvertInput, AnnualCalendarInput};
    let fy = fiscal_year(today);
    let input = AnnualCalendarInput {
        area_id: Some(area_id),
        organisation_id: None,
        fiscal_year: fy,
        title: None,
        entry_deadline: fiscal_year_start(fy).checked_sub_days(Days::new(30)),
        contact_points: Some(format!("{}事務局（地区の公民館内）", body.name)),
    };
    let calendar = crate::events::annual::create(db, actor, &input).await?;
    for (sponsor, text, fee) in [
        ("地域の台所 みどり食堂", "日替わり定食 11時〜14時", 5000),
        ("まちの電器店", "修理・点検はお気軽に", 3000),
    ] {
        let ad = AdvertInput {
            sponsor: sponsor.into(),
            text: Some(text.into()),
            fee,
        };
        crate::events::annual::add_advert(db, actor, calendar.id, &ad).await?;
    }
    crate::events::annual::publish(db, actor, calendar.id, fiscal_year_start(fy)).await?;
    Ok(())
}

const SALON: Plan = Plan {
    kind: EventKind::Salon,
    title: "いきいきサロン",
    month: 0,
    day: (1, 2),
    time: Some(("10:00", "12:00")),
    days: 0,
    admission: Admission::Open,
    description: "体操とお茶の会。どなたでもどうぞ。",
};

/// Publishes every other report made to the community, as a team would
/// after checking that the text names nobody.
pub(super) async fn publish_reports(db: &Db, actor: &Actor) -> Result<()> {
    let q = Query::select()
        .column("id")
        .from("issues")
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .and_where(Expr::col("reported_on").is_not_null())
        .and_where(Expr::col("report_text").is_not_null())
        .order_by("id", sea_query::Order::Asc)
        .to_owned();
    let ids: Vec<(i64,)> = db.fetch_all(&q).await?;
    for (id,) in ids.iter().step_by(2) {
        crate::issues::publication::set_report_public(db, actor, *id, true).await?;
    }
    Ok(())
}
