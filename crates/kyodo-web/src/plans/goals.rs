//! Goals and indicators (目標と指標) on the plan pages: the future plan's
//! goal rows in its form and as a table; on a 年度計画, how far the year's
//! projects moved each goal; on a project, the indicators it moves.

use std::collections::HashMap;

use kyodo_core::plans::goals::{Goal, GoalProgress, IndicatorValue, MAX_GOALS, format_number, progress};
use kyodo_core::plans::projects::Project;

use crate::pages::{self, Cell, FieldSpec, Section};

/// Form field names, which must live as long as the page: (name, unit, baseline, target).
const GOAL_FIELDS: [(&str, &str, &str, &str); MAX_GOALS] = [
    ("goal0_name", "goal0_unit", "goal0_baseline", "goal0_target"),
    ("goal1_name", "goal1_unit", "goal1_baseline", "goal1_target"),
    ("goal2_name", "goal2_unit", "goal2_baseline", "goal2_target"),
    ("goal3_name", "goal3_unit", "goal3_baseline", "goal3_target"),
    ("goal4_name", "goal4_unit", "goal4_baseline", "goal4_target"),
    ("goal5_name", "goal5_unit", "goal5_baseline", "goal5_target"),
    ("goal6_name", "goal6_unit", "goal6_baseline", "goal6_target"),
    ("goal7_name", "goal7_unit", "goal7_baseline", "goal7_target"),
];

/// (goal, value) of a project's indicator rows.
const INDICATOR_FIELDS: [(&str, &str); MAX_GOALS] = [
    ("ind0_goal", "ind0_value"),
    ("ind1_goal", "ind1_value"),
    ("ind2_goal", "ind2_value"),
    ("ind3_goal", "ind3_value"),
    ("ind4_goal", "ind4_value"),
    ("ind5_goal", "ind5_value"),
    ("ind6_goal", "ind6_value"),
    ("ind7_goal", "ind7_value"),
];

fn number(n: Option<f64>) -> String {
    n.map(format_number).unwrap_or_default()
}

/// 「138人」: a value in its goal's unit.
fn with_unit(n: Option<f64>, goal: &Goal) -> String {
    n.map(|n| format!("{}{}", format_number(n), goal.unit))
        .unwrap_or_default()
}

/// The goal rows of a future plan's form: those it has and two empty ones.
pub fn goal_fields(rows: usize) -> Vec<FieldSpec> {
    let mut fields = Vec::new();
    for (i, (name, unit, baseline, target)) in GOAL_FIELDS.iter().take(rows.clamp(2, MAX_GOALS)).enumerate() {
        fields.push(FieldSpec::text(name, "指標").hint(if i == 0 {
            "目標を測る指標。例: 防災訓練の参加者数"
        } else {
            ""
        }));
        fields.push(FieldSpec::text(unit, "単位").hint(if i == 0 { "例: 人、回、%" } else { "" }));
        fields.push(FieldSpec::text(baseline, "基準値"));
        fields.push(FieldSpec::text(target, "目標値"));
    }
    fields
}

/// How many goal rows a form shows for `goals` already written.
pub fn goal_rows(goals: usize) -> usize {
    (goals + 2).min(MAX_GOALS)
}

pub fn goal_values(goals: &[Goal], v: &mut HashMap<String, String>) {
    for (g, (name, unit, baseline, target)) in goals.iter().zip(GOAL_FIELDS) {
        v.insert(name.to_owned(), g.name.clone());
        v.insert(unit.to_owned(), g.unit.clone());
        v.insert(baseline.to_owned(), number(g.baseline));
        v.insert(target.to_owned(), number(g.target));
    }
}

/// The future plan's goals as a table.
pub fn goals_section(goals: &[Goal]) -> Section {
    Section {
        title: "目標と指標".into(),
        personal: false,
        columns: vec!["指標", "基準値", "目標値"],
        rows: goals
            .iter()
            .map(|g| {
                (
                    vec![
                        Cell::text(g.name.clone()),
                        Cell::text(with_unit(g.baseline, g)),
                        Cell::text(with_unit(g.target, g)),
                    ],
                    None,
                )
            })
            .collect(),
        empty: "指標はまだ決めていません",
        form: None,
    }
}

/// On a 年度計画: what this year's projects reached against each goal of the future plan.
pub fn progress_section(goals: &[Goal], projects: &[&Project]) -> Section {
    let recorded: Vec<&[IndicatorValue]> = projects.iter().map(|p| p.indicators.0.as_slice()).collect();
    Section {
        title: "指標の実績（将来計画の目標に対して）".into(),
        personal: false,
        columns: vec!["指標", "今年度の実績", "基準値", "目標値", "事業"],
        rows: progress(goals, &recorded)
            .into_iter()
            .map(
                |GoalProgress {
                     goal,
                     reached,
                     projects,
                 }| {
                    (
                        vec![
                            Cell::text(goal.name.clone()),
                            Cell::text(with_unit(reached, goal)),
                            Cell::text(with_unit(goal.baseline, goal)),
                            Cell::text(with_unit(goal.target, goal)),
                            Cell::text(format!("{projects}件")),
                        ],
                        None,
                    )
                },
            )
            .collect(),
        empty: "将来計画に指標がありません",
        form: None,
    }
}

/// A project's indicator rows, one per goal of the future plan (at most
/// [`MAX_GOALS`]), each choosing among the goals.
pub fn indicator_fields(goals: &[Goal]) -> Vec<FieldSpec> {
    let options = pages::options(goals, |g| g.name.clone(), |g| format!("{}（{}）", g.name, g.unit));
    INDICATOR_FIELDS
        .iter()
        .take(goals.len())
        .enumerate()
        .flat_map(|(i, (goal, value))| {
            [
                FieldSpec::select(goal, "動かす指標", options.clone()).hint(if i == 0 {
                    "この事業で進める将来計画の指標"
                } else {
                    ""
                }),
                FieldSpec::text(value, "実績値").hint(if i == 0 {
                    "年度の途中や終わりに記録します"
                } else {
                    ""
                }),
            ]
        })
        .collect()
}

pub fn indicator_values(values: &[IndicatorValue], v: &mut HashMap<String, String>) {
    for (x, (goal, value)) in values.iter().zip(INDICATOR_FIELDS) {
        v.insert(goal.to_owned(), x.goal.clone());
        v.insert(value.to_owned(), number(x.value));
    }
}

/// A project's indicators as text: 「防災訓練の参加者数 138」.
pub fn indicators_text(values: &[IndicatorValue]) -> String {
    values
        .iter()
        .map(|x| match x.value {
            Some(n) => format!("{} {}", x.goal, format_number(n)),
            None => x.goal.clone(),
        })
        .collect::<Vec<_>>()
        .join("、")
}
