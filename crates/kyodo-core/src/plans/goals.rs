//! A future plan's goals with their indicators (目標と指標: baseline, target,
//! unit), and what each project of a 年度計画 records against them (実績値).
//! Counts and rates, not money: a value may have two decimals (85.5%).

use serde::{Deserialize, Serialize};

use crate::validation::FieldErrors;

/// The most goals a future plan has, and indicators a project records.
pub const MAX_GOALS: usize = 8;

/// A goal of a future plan, measured by its indicator (指標).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Goal {
    /// The indicator's name (「防災訓練の参加者数」).
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// 単位 (人、回、%).
    #[serde(default)]
    #[schema(max_length = 20)]
    pub unit: String,
    /// 基準値: where it stood when the plan was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    /// 目標値: where it should stand at the plan's end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

/// An indicator a project moves, and the value it reached this year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IndicatorValue {
    /// The goal's name, as the future plan has it.
    #[schema(min_length = 1, max_length = 100)]
    pub goal: String,
    /// 実績値, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

/// A project's indicators as kept in the database (JSON text).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Indicators(pub Vec<IndicatorValue>);

impl TryFrom<String> for Indicators {
    type Error = serde_json::Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text)
    }
}

/// 「1,234」「８５．５」「85.5%」: a number of at most two decimals.
pub fn parse_number(raw: &str) -> Result<Option<f64>, &'static str> {
    let s = crate::text::normalize_digits(&crate::text::fold_ascii(raw));
    let s = s.trim().trim_end_matches(['%', '人', '回', '件']).replace(',', "");
    if s.is_empty() {
        return Ok(None);
    }
    let decimals = s.split_once('.').map_or(0, |(_, d)| d.len());
    match s.parse::<f64>() {
        Ok(n) if n.is_finite() && n.abs() < 1e12 && decimals <= 2 => Ok(Some(n)),
        Ok(_) if decimals > 2 => Err("小数点以下は2桁までで入力してください"),
        _ => Err("「120」「85.5」のように数字で入力してください"),
    }
}

/// A value as people write it: 「1,234」「85.5」.
pub fn format_number(n: f64) -> String {
    let rounded = (n * 100.0).round() / 100.0;
    let whole = rounded.trunc() as i64;
    let fraction = format!("{:.2}", (rounded - whole as f64).abs());
    let fraction = fraction
        .trim_start_matches('0')
        .trim_end_matches('0')
        .trim_end_matches('.');
    let sign = if rounded < 0.0 && whole == 0 { "-" } else { "" };
    format!("{sign}{}{fraction}", crate::text::grouped(whole))
}

fn number(get: &dyn Fn(&str) -> Option<String>, field: &str, label: &str, errors: &mut FieldErrors) -> Option<f64> {
    parse_number(&get(field).unwrap_or_default()).unwrap_or_else(|m| {
        errors.add(field, format!("{label}: {m}"));
        None
    })
}

/// Goal rows from form fields `goal{i}_name`, `_unit`, `_baseline`, `_target`;
/// a row without a name is left out.
pub fn parse_goals(get: &dyn Fn(&str) -> Option<String>, errors: &mut FieldErrors) -> Vec<Goal> {
    let mut goals: Vec<Goal> = Vec::new();
    for i in 0..MAX_GOALS {
        let text = |k: &str| {
            get(&format!("goal{i}_{k}"))
                .map(|v| crate::text::normalize_input(&v))
                .unwrap_or_default()
        };
        let (name, unit) = (text("name"), text("unit"));
        let baseline = number(get, &format!("goal{i}_baseline"), "基準値", errors);
        let target = number(get, &format!("goal{i}_target"), "目標値", errors);
        if name.is_empty() {
            if baseline.is_some() || target.is_some() || !unit.is_empty() {
                errors.add(&format!("goal{i}_name"), "指標の名前を入力してください");
            }
            continue;
        }
        if name.chars().count() > 100 || unit.chars().count() > 20 {
            errors.add(
                &format!("goal{i}_name"),
                "指標の名前は100文字、単位は20文字以内で入力してください",
            );
        }
        if goals.iter().any(|g| g.name == name) {
            errors.add(&format!("goal{i}_name"), format!("指標「{name}」が重複しています"));
        }
        goals.push(Goal {
            name,
            unit,
            baseline,
            target,
        });
    }
    goals
}

/// A project's indicators from `ind{i}_goal` and `ind{i}_value`; a row
/// without a goal is left out.
pub fn parse_indicators(get: &dyn Fn(&str) -> Option<String>, errors: &mut FieldErrors) -> Vec<IndicatorValue> {
    let mut out: Vec<IndicatorValue> = Vec::new();
    for i in 0..MAX_GOALS {
        let goal = get(&format!("ind{i}_goal"))
            .map(|v| crate::text::normalize_input(&v))
            .unwrap_or_default();
        let value = number(get, &format!("ind{i}_value"), "実績値", errors);
        if goal.is_empty() {
            if value.is_some() {
                errors.add(&format!("ind{i}_goal"), "実績値の指標を選んでください");
            }
            continue;
        }
        if out.iter().any(|x| x.goal == goal) {
            errors.add(&format!("ind{i}_goal"), format!("指標「{goal}」が重複しています"));
            continue;
        }
        out.push(IndicatorValue { goal, value });
    }
    out
}

/// A goal with how far the year's projects moved it: the sum of the values
/// they recorded, and how many projects move it.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalProgress<'a> {
    pub goal: &'a Goal,
    pub reached: Option<f64>,
    pub projects: usize,
}

pub fn progress<'a>(goals: &'a [Goal], projects: &[&[IndicatorValue]]) -> Vec<GoalProgress<'a>> {
    goals
        .iter()
        .map(|goal| {
            let moving: Vec<&IndicatorValue> = projects
                .iter()
                .flat_map(|p| p.iter())
                .filter(|v| v.goal == goal.name)
                .collect();
            let values: Vec<f64> = moving.iter().filter_map(|v| v.value).collect();
            GoalProgress {
                goal,
                reached: (!values.is_empty()).then(|| values.iter().sum()),
                projects: moving.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn getter(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let owned: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k: &str| owned.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn numbers_are_read_as_people_write_them() {
        assert_eq!(parse_number("１，２３４"), Ok(Some(1234.0)));
        assert_eq!(parse_number("85.5%"), Ok(Some(85.5)));
        assert_eq!(parse_number(""), Ok(None));
        assert!(parse_number("1.234").is_err());
        assert!(parse_number("たくさん").is_err());
        assert_eq!(format_number(1234.0), "1,234");
        assert_eq!(format_number(85.5), "85.5");
        assert_eq!(format_number(0.25), "0.25");
    }

    #[test]
    fn goal_rows_need_a_name_and_differ() {
        let mut errors = FieldErrors::new();
        let goals = parse_goals(
            &getter(&[
                ("goal0_name", "防災訓練の参加者数"),
                ("goal0_unit", "人"),
                ("goal0_baseline", "100"),
                ("goal0_target", "200"),
                ("goal1_name", ""),
                ("goal1_target", "5"),
                ("goal2_name", "防災訓練の参加者数"),
            ]),
            &mut errors,
        );
        assert_eq!(goals.len(), 2);
        assert_eq!(goals[0].target, Some(200.0));
        assert!(errors.get("goal1_name").is_some());
        assert!(errors.get("goal2_name").unwrap().contains("重複"));
    }

    #[test]
    fn progress_sums_what_the_projects_recorded() {
        let goals = vec![
            Goal {
                name: "参加者数".into(),
                unit: "人".into(),
                baseline: Some(100.0),
                target: Some(200.0),
            },
            Goal {
                name: "送迎回数".into(),
                unit: "回".into(),
                baseline: None,
                target: None,
            },
        ];
        let a = [IndicatorValue {
            goal: "参加者数".into(),
            value: Some(138.0),
        }];
        let b = [
            IndicatorValue {
                goal: "参加者数".into(),
                value: Some(42.0),
            },
            IndicatorValue {
                goal: "送迎回数".into(),
                value: None,
            },
        ];
        let p = progress(&goals, &[&a, &b]);
        assert_eq!((p[0].reached, p[0].projects), (Some(180.0), 2));
        assert_eq!((p[1].reached, p[1].projects), (None, 1));
    }
}
