//! `kyodo plan`: the rotation planner from the command line, on a contract
//! file or on a municipality's live data, and the benchmark instances.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use kyodo_planner::generate::{Shape, Size};
use kyodo_planner::{Instance, Options, Outcome};

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Plan liaison appointments for the years ahead (配置計画).
    Rotation {
        /// An instance in the contract's JSON (docs/rotation-problem.md).
        #[arg(long, conflicts_with = "municipality")]
        input: Option<PathBuf>,
        /// Build the instance from this municipality's live data instead.
        #[arg(long)]
        municipality: Option<String>,
        /// Years to plan, with --municipality.
        #[arg(long, default_value_t = 6)]
        years: u32,
        /// Where to write the plan (JSON); standard output when left out.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Stop improving after this many seconds.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write a generated instance: tiny, small, mid or large city.
    Generate {
        #[arg(long)]
        size: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 2027)]
        first_year: i32,
        /// 課長級 managers per hundred districts (135 by default, 200 with
        /// --shape real; 110 is short).
        #[arg(long)]
        managers_per_100_units: Option<usize>,
        #[command(flatten)]
        shape: ShapeArgs,
        #[arg(long)]
        output: PathBuf,
    },
}

/// The city's shape beyond its size (kyodo_planner::generate::Shape): a
/// named one, and any of its parts set on their own.
#[derive(clap::Args)]
pub struct ShapeArgs {
    /// default (the first benchmark set) or real (skewed departments with
    /// full caps, 2 managers per district of whom a third leave, 4 chiefs).
    #[arg(long, default_value = "default")]
    shape: String,
    /// Department sizes as a power law: the k-th largest ∝ 1/k^skew (0–3).
    #[arg(long)]
    department_skew: Option<f64>,
    /// Whether the two largest departments' caps are full from the first year.
    #[arg(long)]
    caps_full: Option<bool>,
    /// The share of managers leaving within the horizon (0–1).
    #[arg(long)]
    leaving_share: Option<f64>,
    /// 課長補佐・係長級 chiefs per hundred districts.
    #[arg(long)]
    chiefs_per_100_units: Option<usize>,
    /// Years planned (1–10).
    #[arg(long)]
    horizon: Option<u32>,
}

impl ShapeArgs {
    /// The shape, and the manager pool that goes with it; checked.
    fn shape(&self) -> Result<(Shape, Option<usize>)> {
        let (mut shape, managers) = match self.shape.as_str() {
            "default" => (Shape::default(), None),
            "real" => (Shape::REAL, Some(Shape::REAL_MANAGERS_PER_100_UNITS)),
            _ => bail!("--shape は default か real です"),
        };
        if let Some(skew) = self.department_skew {
            if !(0.0..=3.0).contains(&skew) {
                bail!("--department-skew は0〜3にしてください");
            }
            shape.department_skew = Some(skew);
        }
        if let Some(full) = self.caps_full {
            shape.caps_full = full;
        }
        if let Some(share) = self.leaving_share {
            if !(0.0..=1.0).contains(&share) {
                bail!("--leaving-share は0〜1にしてください");
            }
            shape.leaving_share = share;
        }
        if let Some(chiefs) = self.chiefs_per_100_units {
            if !(50..=5_000).contains(&chiefs) {
                bail!("--chiefs-per-100-units は50〜5000にしてください");
            }
            shape.chiefs_per_100_units = Some(chiefs);
        }
        if let Some(horizon) = self.horizon {
            let max = kyodo_core::rotation::MAX_YEARS;
            if !(1..=max).contains(&horizon) {
                bail!("--horizon は1〜{max}にしてください");
            }
            shape.horizon = horizon;
        }
        Ok((shape, managers))
    }
}

/// Plan an instance and write the plan.
pub fn rotation(instance: &Instance, output: Option<&PathBuf>, seconds: f64, seed: u64) -> Result<()> {
    if !(seconds.is_finite() && seconds > 0.0) {
        bail!("--seconds は正の数にしてください");
    }
    let options = Options {
        time_limit: Duration::from_secs_f64(seconds),
        seed,
        ..Options::default()
    };
    let outcome = kyodo_planner::plan(instance, &options).map_err(|e| anyhow!("{e}"))?;
    let json = serde_json::to_string_pretty(&outcome.plan)?;
    match output {
        Some(path) => std::fs::write(path, json + "\n").with_context(|| format!("{} に書けません", path.display()))?,
        None => println!("{json}"),
    }
    report(&outcome);
    Ok(())
}

/// The score's terms and the bound, on standard error when the plan goes
/// to standard output.
fn report(o: &Outcome) {
    let t = &o.terms;
    eprintln!(
        "score {} vacancy={} whole_team_change={} concentration={} term_deviation={} new_person={}",
        o.score, t.vacancy, t.whole_team_change, t.concentration, t.term_deviation, t.new_person
    );
    eprintln!(
        "lower_bound {} gap {:.3}% {} ({} appointments, {} iterations, {:.2}s)",
        o.lower_bound,
        o.gap() * 100.0,
        if o.optimal { "optimal" } else { "not proven optimal" },
        o.plan.appointments.len(),
        o.iterations,
        o.seconds
    );
}

/// Years to plan from live data, checked.
pub fn years(years: u32) -> Result<u32> {
    let max = kyodo_core::rotation::MAX_YEARS;
    if !(1..=max).contains(&years) {
        bail!("--years は1〜{max}にしてください");
    }
    Ok(years)
}

pub fn read_instance(path: &PathBuf) -> Result<Instance> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{} を読めません", path.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow!("{} は配置計画の条件として読めません: {e}", path.display()))
}

pub fn generate(
    size: &str,
    managers: Option<usize>,
    shape: &ShapeArgs,
    seed: u64,
    first_year: i32,
    output: &PathBuf,
) -> Result<()> {
    let mut size = Size::named(size).ok_or_else(|| anyhow!("--size は tiny, small, mid, large のいずれかです"))?;
    let (shape, shape_managers) = shape.shape()?;
    if let Some(m) = managers.or(shape_managers) {
        if !(50..=400).contains(&m) {
            bail!("--managers-per-100-units は50〜400にしてください");
        }
        size.managers_per_100_units = m;
    }
    let instance = kyodo_planner::generate::generate_shaped(size, shape, first_year, seed);
    let json = serde_json::to_string(&instance)?;
    std::fs::write(output, json + "\n").with_context(|| format!("{} に書けません", output.display()))?;
    eprintln!(
        "{}: {} units, {} staff, {} current appointments",
        output.display(),
        instance.units.len(),
        instance.staff.len(),
        instance.current.len()
    );
    Ok(())
}
