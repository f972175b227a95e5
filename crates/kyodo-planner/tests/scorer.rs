//! On generated instances of every shape, the planner's plan is feasible and
//! its score and terms are exactly what `scripts/rotation_score.py` says.

use std::process::Command;
use std::time::Duration;

use kyodo_planner::generate::{Size, generate};
use kyodo_planner::{Options, plan};
use proptest::prelude::*;

fn scorer() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/rotation_score.py")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_plan_scores_the_same_by_the_contracts_scorer(
        seed in 0u64..1_000_000,
        units in 2usize..12,
        staff_per_unit in 8usize..40,
        flex in 0u32..3,
        horizon in 1u32..8,
        distinct in any::<bool>(),
        home in any::<bool>(),
        no_return in any::<bool>(),
    ) {
        let size = Size { units, staff: units * staff_per_unit, departments: 3 + units / 2, managers_per_100_units: 100 + units * 4 };
        let mut instance = generate(size, 2027, seed);
        instance.horizon = horizon;
        instance.rules.term_flex = flex;
        instance.rules.distinct_departments_in_unit = distinct;
        instance.rules.exclude_home_unit = home;
        instance.rules.no_return_to_unit = no_return;
        // Agreement with the scorer, not the plan's quality, is tested here:
        // a short search is enough.
        let options = Options { seed, time_limit: Duration::from_millis(300), ..Options::default() };
        let outcome = plan(&instance, &options).expect("generated instances are valid");
        prop_assert!(outcome.lower_bound <= outcome.score);

        let dir = std::env::temp_dir().join(format!("kyodo-scorer-{}-{seed}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (i, p) = (dir.join("instance.json"), dir.join("plan.json"));
        std::fs::write(&i, serde_json::to_string(&instance).unwrap()).unwrap();
        std::fs::write(&p, serde_json::to_string(&outcome.plan).unwrap()).unwrap();
        let out = Command::new("python3").arg(scorer()).arg(&i).arg(&p).arg("--json").output().expect("python3 runs");
        std::fs::remove_dir_all(&dir).ok();
        let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the scorer answers JSON");
        prop_assert_eq!(&verdict["feasible"], &serde_json::json!(true), "{}", verdict);
        prop_assert_eq!(verdict["score"].as_i64(), Some(outcome.score));
        prop_assert_eq!(&verdict["terms"], &serde_json::to_value(outcome.terms).unwrap());
    }
}
