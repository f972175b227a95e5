//! The Niimi demo's bodies on their way (設立までの流れ): the seed's two
//! forerunners, 唐松まちづくり協議会 and 熊野の将来を考える会, recognised;
//! one body whose application waits for the coordinator; others earlier on.

use chrono::{Datelike, NaiveDate};

use super::DemoArea;
use crate::organisations::establishment::{Disposition, Requirement};
use crate::wareki::fiscal_year_start;

/// An existing group in a body's inventory.
#[derive(Debug, Clone)]
pub struct DemoGroup {
    pub name: String,
    pub kind: &'static str,
    pub role: &'static str,
    pub disposition: Disposition,
    pub decided_on: Option<NaiveDate>,
    /// A registered organisation (its code) the group is.
    pub source_code: Option<String>,
    pub is_parent: bool,
}

/// What a demo body has done, replayed through the real steps.
#[derive(Debug, Clone)]
pub struct DemoWay {
    pub organisation_code: String,
    pub records: Vec<(Requirement, NaiveDate, &'static str)>,
    pub area_codes: Vec<String>,
    pub groups: Vec<DemoGroup>,
    /// The stages it moves to after the first, in order, and when.
    pub stages: Vec<(String, NaiveDate)>,
    /// Applied for recognition, on that day.
    pub applied: Option<NaiveDate>,
    /// Granted: the date and 認可番号.
    pub granted: Option<(NaiveDate, String)>,
}

fn day(fy: i32, months_in: u32, d: u32) -> NaiveDate {
    let start = fiscal_year_start(fy);
    start
        .checked_add_months(chrono::Months::new(months_in))
        .and_then(|m| m.with_day0(d.saturating_sub(1)))
        .unwrap_or(start)
}

/// The body of unit `u` (its code), the unit's 行政地区 and their 地域振興会
/// (code, name), and how far it has come; `fy` is this 年度.
pub fn niimi_way(
    u: usize,
    code: &str,
    districts: &[&DemoArea],
    societies: &[(String, String)],
    stages: &[String],
    fy: i32,
) -> DemoWay {
    use Requirement as R;
    // How many years ago it began, and how far it has come (0: nothing yet).
    let (began, reached) = match u {
        0 | 1 => (4, 5),
        2 => (2, 4),
        3 => (1, 2),
        4 => (0, 1),
        _ => (0, 0),
    };
    let start = fy - began;
    let mut records = Vec::new();
    let mut stage_moves = Vec::new();
    if reached >= 1 {
        records.push((
            R::Briefing,
            day(start, 1, 20),
            "地域担当職員と総合政策課が小規模多機能自治の説明会を開催。参加 48名",
        ));
    }
    if reached >= 2 {
        records.push((
            R::PreparatoryCommittee,
            day(start, 4, 10),
            "各行政地区の代表と地域振興会役員で設立準備会を結成",
        ));
        stage_moves.push(stages.get(1).map(|s| (s.clone(), day(start, 4, 12))));
    }
    let mut area_codes = Vec::new();
    let mut groups = Vec::new();
    if reached >= 3 {
        records.push((
            R::Workshop,
            day(start, 7, 14),
            "子どもから大人までが参加し、地域の魅力と課題を洗い出すワークショップを3回開催",
        ));
        records.push((
            R::FuturePlanDraft,
            day(start + 1, 0, 25),
            "ワークショップの結果をもとに将来計画（案）を作成",
        ));
        area_codes = districts.iter().map(|d| d.code.clone()).collect();
        for (i, (society_code, society_name)) in societies.iter().enumerate() {
            groups.push(DemoGroup {
                name: society_name.clone(),
                kind: "地域振興会",
                role: "行政地区の連絡調整、環境整備、敬老会",
                disposition: Disposition::Integrate,
                decided_on: Some(day(start + 1, 1, 15)),
                source_code: Some(society_code.clone()),
                is_parent: i == 0,
            });
        }
        groups.push(DemoGroup {
            name: "老人クラブ連合会".into(),
            kind: "老人クラブ",
            role: "高齢者の見守り、健康づくり",
            disposition: Disposition::Link,
            decided_on: Some(day(start + 1, 1, 15)),
            source_code: None,
            is_parent: false,
        });
        groups.push(DemoGroup {
            name: "小学校PTA".into(),
            kind: "PTA",
            role: "登下校の見守り",
            disposition: Disposition::Continue,
            decided_on: Some(day(start + 1, 1, 15)),
            source_code: None,
            is_parent: false,
        });
        stage_moves.push(stages.get(2).map(|s| (s.clone(), day(start + 1, 1, 20))));
    }
    if reached >= 4 {
        records.push((
            R::FoundingAssembly,
            day(start + 1, 2, 20),
            "設立総会を開催し、規約・役員・将来計画を議決",
        ));
        records.push((R::FuturePlanAdopted, day(start + 1, 2, 20), "設立総会で将来計画を議決"));
        records.push((R::Bylaws, day(start + 1, 2, 20), "規約を制定（設立総会で議決）"));
    }
    let granted = (reached >= 5).then(|| (day(start + 1, 3, 1), format!("新総政第{}号", 100 + u * 7)));
    DemoWay {
        organisation_code: code.to_owned(),
        records,
        area_codes,
        groups,
        stages: stage_moves.into_iter().flatten().collect(),
        applied: (reached >= 4).then(|| day(start + 1, 2, 25)),
        granted,
    }
}

/// A body long established (the other presets): its district as its area,
/// its founding assembly and bylaws in `founded` (a 年度).
pub fn established(code: &str, area_code: &str, founded: i32) -> DemoWay {
    let on = day(founded, 0, 20);
    DemoWay {
        organisation_code: code.to_owned(),
        records: vec![
            (Requirement::FoundingAssembly, on, "設立総会を開催"),
            (Requirement::Bylaws, on, "規約を制定"),
        ],
        area_codes: vec![area_code.to_owned()],
        groups: Vec::new(),
        stages: Vec::new(),
        applied: None,
        granted: None,
    }
}
