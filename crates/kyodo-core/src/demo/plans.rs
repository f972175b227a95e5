//! The demo's plans: each area body's 年度計画 for this 年度 with a year of
//! progress; Niimi's recognised bodies work by an adopted 将来計画, Arao's
//! 地区協議会 keep a 地区防災計画 too.

use chrono::{Datelike, NaiveDate};

use crate::plans::goals::{Goal, IndicatorValue};
use crate::plans::projects::{BudgetLine, FundingSource, ProjectStatus};
use crate::plans::{PlanKind, PlanSection};
use crate::wareki::fiscal_year_start;

#[derive(Debug, Clone)]
pub struct DemoProject {
    pub name: &'static str,
    pub theme: Option<&'static str>,
    pub months: &'static str,
    pub responsible: &'static str,
    pub budget: Vec<BudgetLine>,
    pub status: ProjectStatus,
    pub outcome: Option<&'static str>,
    pub participants: Option<i64>,
    /// The city department it works with (関係部署), by name.
    pub department: Option<&'static str>,
    /// The future plan's indicators it moves, with the value reached.
    pub indicators: Vec<IndicatorValue>,
}

#[derive(Debug, Clone)]
pub struct DemoPlan {
    pub organisation_code: String,
    pub kind: PlanKind,
    pub title: String,
    pub first_year: i32,
    pub last_year: i32,
    pub themes: Vec<String>,
    pub sections: Vec<PlanSection>,
    pub adopted_on: Option<NaiveDate>,
    pub goals: Vec<Goal>,
    pub projects: Vec<DemoProject>,
}

const THEMES: [&str; 5] = ["地域づくり", "防災", "福祉", "子育て", "交通安全"];

/// The future plan's goals: (indicator, unit, baseline, target).
const GOALS: [(&str, &str, f64, f64); 3] = [
    ("助け合いの送迎回数", "回", 150.0, 300.0),
    ("防災訓練の参加者数", "人", 100.0, 200.0),
    ("夏まつりの参加者数", "人", 350.0, 500.0),
];

fn goals() -> Vec<Goal> {
    GOALS
        .iter()
        .map(|(name, unit, baseline, target)| Goal {
            name: (*name).to_owned(),
            unit: (*unit).to_owned(),
            baseline: Some(*baseline),
            target: Some(*target),
        })
        .collect()
}

/// The indicator `goal` of [`GOALS`] at `value`, where the body has goals.
fn moves(with_goals: bool, goal: usize, value: f64) -> Vec<IndicatorValue> {
    if !with_goals {
        return Vec::new();
    }
    vec![IndicatorValue {
        goal: GOALS[goal].0.to_owned(),
        value: Some(value),
    }]
}

fn line(item: &str, source: FundingSource, amount: i64, actual: Option<i64>) -> BudgetLine {
    BudgetLine {
        item: item.to_owned(),
        source,
        amount,
        actual,
    }
}

fn section(key: &str, text: &str) -> PlanSection {
    PlanSection {
        key: key.to_owned(),
        text: text.to_owned(),
    }
}

/// The projects of a body's year; `done` says how far the year has come,
/// `with_goals` whether its future plan has goals to record against.
fn projects(done: bool, with_goals: bool) -> Vec<DemoProject> {
    let mut all = year_projects(done, with_goals);
    if done {
        // A year carried out: every project done, with what came of it.
        for p in &mut all {
            p.status = ProjectStatus::Done;
            p.outcome.get_or_insert("計画どおり実施");
        }
    }
    all
}

fn year_projects(done: bool, with_goals: bool) -> Vec<DemoProject> {
    use FundingSource as F;
    let spent = |n: i64| done.then_some(n);
    vec![
        DemoProject {
            name: "助け合い事業（生活支援・送迎支援）",
            theme: Some("福祉"),
            months: "4,5,6,7,8,9,10,11,12,1,2,3",
            responsible: "福祉部会",
            budget: vec![
                line("燃料費", F::Grant, 180_000, Some(152_300)),
                line("保険料", F::Grant, 40_000, Some(40_000)),
                line("利用料収入充当", F::OwnFunds, 60_000, Some(48_000)),
            ],
            status: ProjectStatus::InProgress,
            outcome: Some("買い物・通院の送迎 延べ212回"),
            participants: Some(212),
            department: Some("福祉課"),
            indicators: moves(with_goals, 0, 212.0),
        },
        DemoProject {
            name: "防災訓練と避難所運営訓練",
            theme: Some("防災"),
            months: "9,10",
            responsible: "防災部会",
            budget: vec![
                line("消耗品費", F::Grant, 50_000, Some(46_800)),
                line("食糧費（炊き出し）", F::Dues, 30_000, Some(28_500)),
            ],
            status: ProjectStatus::Done,
            outcome: Some("10月に地区合同の避難訓練。要支援者の避難支援も確認"),
            participants: Some(138),
            department: Some("防災安全課"),
            indicators: moves(with_goals, 1, 138.0),
        },
        DemoProject {
            name: "夏まつり",
            theme: Some("地域づくり"),
            months: "7,8",
            responsible: "地域づくり部会",
            budget: vec![
                line("委託料（音響）", F::Grant, 80_000, Some(80_000)),
                line("消耗品費", F::Sponsorship, 50_000, Some(61_200)),
            ],
            status: ProjectStatus::Done,
            outcome: Some("子どもから高齢者まで参加。出店12"),
            participants: Some(420),
            department: None,
            indicators: moves(with_goals, 2, 420.0),
        },
        DemoProject {
            name: "通学路の見守りと危険箇所の点検",
            theme: Some("子育て"),
            months: "4,5,6,7,9,10,11,12,1,2,3",
            responsible: "子育て部会",
            budget: vec![line("消耗品費（ベスト・旗）", F::Grant, 20_000, spent(18_400))],
            status: if done {
                ProjectStatus::Done
            } else {
                ProjectStatus::InProgress
            },
            outcome: None,
            participants: None,
            department: Some("土木課"),
            indicators: Vec::new(),
        },
        DemoProject {
            name: "地域の将来を語る会",
            theme: Some("地域づくり"),
            months: "2",
            responsible: "役員会",
            budget: vec![line("報償費（講師）", F::Grant, 30_000, spent(30_000))],
            status: ProjectStatus::NotStarted,
            outcome: None,
            participants: None,
            department: None,
            indicators: Vec::new(),
        },
    ]
}

/// The demo plans of the area bodies `bodies` (code, recognised), in `fy`.
pub fn plans(niimi: bool, bodies: &[(String, bool)], fy: i32) -> Vec<DemoPlan> {
    let mut out = Vec::new();
    for (code, recognised) in bodies {
        if niimi && !recognised {
            continue;
        }
        let adopted_annual = Some(fiscal_year_start(fy).with_day(20).unwrap_or(fiscal_year_start(fy)));
        if niimi {
            let first = fy - 2;
            out.push(DemoPlan {
                organisation_code: code.clone(),
                kind: PlanKind::Future,
                title: "地域の将来計画".into(),
                first_year: first,
                last_year: first + 4,
                themes: THEMES.iter().map(|t| (*t).to_owned()).collect(),
                sections: vec![
                    section("vision", "人と人とがつながり、誰もが安心して暮らし続けられる地域"),
                    section(
                        "issues",
                        "高齢化と担い手不足、買い物・通院の移動手段、空き家の増加、子どもの居場所（ワークショップで洗い出したこと）",
                    ),
                ],
                adopted_on: Some(fiscal_year_start(first - 1).with_month(6).and_then(|d| d.with_day(20)).unwrap_or(fiscal_year_start(first))),
                goals: goals(),
                projects: Vec::new(),
            });
        } else {
            out.push(DemoPlan {
                organisation_code: code.clone(),
                kind: PlanKind::DisasterPrevention,
                title: "地区防災計画".into(),
                first_year: fy,
                last_year: fy,
                themes: Vec::new(),
                sections: vec![
                    section("character", "高齢者のみの世帯が多く、川沿いに低い土地がある"),
                    section("hazards", "大雨による浸水、土砂災害、地震"),
                    section("activities", "年1回の避難訓練、防災マップの更新、備蓄品の点検"),
                    section("shelters", "公民館（一次避難所）、小学校体育館（指定避難所）"),
                    section(
                        "roles",
                        "区長が情報伝達、防災部会が避難誘導、民生委員が要支援者の安否確認",
                    ),
                ],
                adopted_on: adopted_annual,
                goals: Vec::new(),
                projects: Vec::new(),
            });
        }
        if niimi {
            // Last year's plan, carried out: the grant settled against it.
            let last = fy - 1;
            out.push(DemoPlan {
                organisation_code: code.clone(),
                kind: PlanKind::Annual,
                title: format!("{}事業計画", crate::wareki::format_fiscal_year(last)),
                first_year: last,
                last_year: last,
                themes: Vec::new(),
                sections: vec![section("policy", "将来計画に沿って、福祉と防災を重点に取り組む")],
                adopted_on: Some(fiscal_year_start(last).with_day(20).unwrap_or(fiscal_year_start(last))),
                goals: Vec::new(),
                projects: projects(true, niimi),
            });
        }
        out.push(DemoPlan {
            organisation_code: code.clone(),
            kind: PlanKind::Annual,
            title: format!("{}事業計画", crate::wareki::format_fiscal_year(fy)),
            first_year: fy,
            last_year: fy,
            themes: Vec::new(),
            sections: vec![section("policy", "将来計画に沿って、福祉と防災を重点に取り組む")],
            adopted_on: adopted_annual,
            goals: Vec::new(),
            projects: projects(false, niimi),
        });
    }
    out
}
