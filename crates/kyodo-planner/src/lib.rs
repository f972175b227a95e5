//! The rotation planner (地域担当職員の配置計画): given the districts' teams,
//! the staff and the appointments already made, it proposes who starts
//! where and when for the years ahead, scores the proposal by the contract
//! in `docs/rotation-problem.md`, and proves how far from the best possible
//! it can be. Pure: no I/O, deterministic for a seed.

pub mod bound;
pub mod exact;
pub mod explain;
pub mod generate;
pub mod instance;
pub mod model;
mod rng;
pub mod schedule;
pub mod score;
mod staffing;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use explain::Explanation;
pub use instance::{Appointment, Current, Instance, Plan, Position, Rules, Staff, Unit, Weights};
pub use model::InstanceError;
pub use score::Terms;

use model::{Pos, Problem};
use rng::Rng;
use schedule::{Event, Prices, Timetable};
use score::Assigned;
use staffing::{Seat, Staffed, Staffing};

/// The coordinator's adjustments (調整): people who must not or must serve,
/// and terms of an earlier proposal to keep as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustments {
    #[serde(default)]
    pub banned: Vec<String>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub pinned: Vec<Appointment>,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Stop improving after this long (the plan is still feasible).
    pub time_limit: Duration,
    pub seed: u64,
    pub adjustments: Adjustments,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            time_limit: Duration::from_secs(2),
            seed: 1,
            adjustments: Adjustments::default(),
        }
    }
}

/// A plan, what it costs, and how good it is known to be.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub plan: Plan,
    pub terms: Terms,
    pub score: i64,
    /// No plan of this instance, with these adjustments, scores lower.
    pub lower_bound: i64,
    /// The score equals the bound: no better plan exists.
    pub optimal: bool,
    /// Why each planned appointment is there, in the plan's order.
    pub explanations: Vec<Explanation>,
    /// Required or pinned people the plan could not place as asked.
    pub unplaced: Vec<String>,
    pub iterations: u32,
    pub seconds: f64,
}

impl Outcome {
    /// The gap to the bound, relative to the bound's size (0 when optimal).
    pub fn gap(&self) -> f64 {
        (self.score - self.lower_bound) as f64 / (self.lower_bound.abs().max(1)) as f64
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Instance(#[from] InstanceError),
    #[error("調整: {0}")]
    Adjustment(String),
}

/// The subgradient stops after this many steps without a better bound,
/// with its step halved each time.
const PATIENCE: u32 = 12;
const MAX_ITERATIONS: u32 = 600;
const PRIMAL_EVERY: u32 = 10;
const RETIME_ROUNDS: u32 = 3;
/// The search for a better plan in the time left stops after this many
/// changes in a row that found nothing better, and starts again — from the
/// plans of the next best timetables (`STARTS` of them), then from new
/// staffings of the best plan's seats or of timetables priced at random
/// (`jittered`), in turn — at most `RESTARTS` times. Fresh
/// starts find what a long walk from one plan misses. A search that ends
/// by its rounds (or by proof) before the time limit gives the same plan
/// for the same seed.
const STALL: u32 = 10_000;
const RESTARTS: u32 = 24;
const STARTS: usize = 4;
/// Golden-section steps for a year's held-position price (in 0..vacancy)
/// and for a class's seat price (in 0..new_person).
const LINE_STEPS: usize = 24;
const CLASS_STEPS: usize = 10;
/// The most of the time limit the integer program may take (a town of four
/// districts needs 0.03–0.2 s of it, one of ten 年度 1.2 s).
const EXACT_SHARE: f64 = 0.5;
/// Districts planned again together in an exact neighbourhood, the most
/// of the time limit for them, and the neighbourhoods in a row without a
/// better plan after which the search takes over. Four districts of a
/// ten-district city solve in a few milliseconds. On five small `-hard`
/// cities and small-real-2 (seeds 1, 2) they took the plans 420 points
/// nearer CP-SAT's in all; without the stop, small-real-2 lost 10–30
/// points a run to the search's shorter time.
const NEIGHBOURHOOD: usize = 4;
const NEIGHBOURHOOD_SHARE: f64 = 0.6;
const NEIGHBOURHOOD_STALL: u32 = 50;

pub fn plan(instance: &Instance, options: &Options) -> Result<Outcome, PlanError> {
    let began = Instant::now();
    let problem = Problem::new(instance)?;
    let adjustments = Resolved::new(&problem, &options.adjustments)?;
    let h = problem.horizon;
    let max_len = problem.positions.iter().map(|p| p.max_len as usize).max().unwrap_or(1);
    let w = problem.weights;

    // Units that look alike are solved once.
    let all_shapes = schedule::shapes(&problem, &adjustments.pins);
    let mut shape_ids: HashMap<&Vec<schedule::PositionShape>, usize> = HashMap::new();
    let mut shapes: Vec<Vec<schedule::PositionShape>> = Vec::new();
    let mut shape_of_unit = Vec::with_capacity(problem.units.len());
    let mut units_of_shape = Vec::new();
    for shape in &all_shapes {
        let id = *shape_ids.entry(shape).or_insert_with(|| {
            shapes.push(shape.clone());
            units_of_shape.push(0);
            shapes.len() - 1
        });
        units_of_shape[id] += 1;
        shape_of_unit.push(id);
    }

    let mut prices = Prices::new(
        problem.classes.len(),
        problem.grades.len(),
        h,
        max_len,
        w.new_person as f64,
    );
    let mut relaxation = bound::Relaxation::new(&problem, &prices, &adjustments.banned);
    // Years a plan leaves empty: how many positions the department rules
    // let anyone hold in them is worked out once each.
    let mut limited = vec![false; h];
    bound::initial_prices(&problem, &relaxation, &mut prices);
    let mut rng = Rng::new(options.seed);
    let rules = Staffing {
        banned: &adjustments.banned,
        required: &adjustments.required,
    };
    let mut best: Option<(i64, Staffed)> = None;
    // Every plan staffed from timetables not tried before: the search
    // afterwards starts from the best few, as their seats differ.
    let mut pool: Vec<(i64, Staffed)> = Vec::new();
    let mut best_bound = f64::NEG_INFINITY;
    // A town's whole model (`exact`) sees who can serve where person by
    // person: solved once, when the first plan is not proven by the
    // Lagrangian bound. Its best plan joins the others.
    let mut exact_bound = None;
    let mut tried: Vec<Vec<Vec<Event>>> = Vec::new();
    let (mut theta, mut stale, mut iterations) = (1.0, 0, 0);
    // How long the last plan took to staff: none is started that would end
    // past the time limit.
    let mut last_primal = Duration::ZERO;

    // A quarter of the time is kept for timing districts again around the
    // years nobody can fill.
    let search_limit = options.time_limit.mul_f64(0.75);
    while iterations < MAX_ITERATIONS && began.elapsed() < search_limit {
        iterations += 1;
        let timetables: Vec<Timetable> = shapes.iter().map(|s| schedule::solve(s, h, &w, &prices)).collect();
        let dual = bound::evaluate(&problem, &relaxation, &prices, &shapes, &timetables, &units_of_shape);
        if dual.value > best_bound + 1e-9 {
            best_bound = dual.value;
            stale = 0;
        } else {
            stale += 1;
            if stale >= PATIENCE {
                theta /= 2.0;
                stale = 0;
            }
        }
        // Staffing costs far more than the timetables: plans are made at the
        // start and then every few steps, as the prices settle.
        let room = began.elapsed() + last_primal < search_limit;
        // A new limit changes the relaxation: the step just computed is
        // for the old one.
        let mut relaxed_again = false;
        if iterations == 1 || (iterations % PRIMAL_EVERY == 0 && room) {
            let primal_began = Instant::now();
            // Two plans from these prices: the timetables as priced, whose empty
            // years fall where they cost least, and timetables leaving no year
            // empty on purpose, where staffing finds out which years nobody can
            // fill. A set of timetables not tried before is worth staffing.
            let seat_prices = prices.without_cover();
            let full: Vec<Timetable> = shapes.iter().map(|s| schedule::solve(s, h, &w, &seat_prices)).collect();
            for candidate in [&timetables, &full] {
                let events: Vec<Vec<Event>> = candidate.iter().map(|t| t.events.clone()).collect();
                if tried.contains(&events) {
                    continue;
                }
                tried.push(events);
                let staffed = staff_plan(&problem, &adjustments, &rules, candidate, &shape_of_unit, &mut rng);
                let score = score::evaluate(&problem, &staffed.plan()).terms.score(&problem);
                if best.as_ref().is_none_or(|(s, _)| score < *s) {
                    best = Some((score, staffed.clone()));
                }
                pool.push((score, staffed));
            }
            if let Some((_, staffed)) = &best {
                let vacant = vacant_years(&problem, &staffed.plan());
                for (t, limited) in limited.iter_mut().enumerate() {
                    if !*limited && vacant.iter().any(|v| v >> t & 1 == 1) {
                        *limited = true;
                        for grade in (0..problem.grades.len()).map(Some).chain([None]) {
                            let most = bound::fill::most_held(&problem, &adjustments.banned, t, grade);
                            relaxed_again |= bound::limit_held(&problem, &mut relaxation, &mut prices, t, grade, most);
                        }
                    }
                }
            }
            last_primal = primal_began.elapsed();
        }
        let mut target = best.as_ref().map_or(dual.value + 1.0, |(s, _)| *s as f64);
        if exact_bound.is_none() && !proven(best_bound, target, w.score_step()) {
            let limit = options.time_limit.mul_f64(EXACT_SHARE);
            let (bound, plan) = solve_exactly(&problem, &adjustments, limit);
            exact_bound = Some(bound);
            if let Some((score, staffed)) = plan
                && best.as_ref().is_none_or(|(s, _)| score < *s)
            {
                target = score as f64;
                best = Some((score, staffed.clone()));
                pool.push((score, staffed));
            }
        }
        let exact = exact_bound.unwrap_or(f64::NEG_INFINITY);
        if proven(best_bound.max(exact), target, w.score_step()) || theta < 1e-4 {
            break;
        }
        // Prices worth far more to the bound than a subgradient step moves
        // them are set by line searches, the others held: after the first
        // plan, each class's seats at one price; when a year's held
        // positions are newly limited, that year's prices.
        if iterations == 1 || relaxed_again {
            let dual_at = |prices: &Prices| {
                let timetables: Vec<Timetable> = shapes.iter().map(|s| schedule::solve(s, h, &w, prices)).collect();
                bound::evaluate(&problem, &relaxation, prices, &shapes, &timetables, &units_of_shape).value
            };
            // Each search solves every district a dozen times or two: a
            // large city stops when its time is up.
            if iterations == 1 {
                for k in 0..problem.classes.len() {
                    // Only a class priced between none and a newcomer's
                    // worth at the start (`initial_prices`) is in doubt.
                    let first = prices.slot[prices.slot_index(k, 0, 0)];
                    if first <= 0.0 || first >= w.new_person as f64 {
                        continue;
                    }
                    if began.elapsed() >= search_limit {
                        break;
                    }
                    let set = |prices: &mut Prices, price: f64| bound::set_class_price(prices, k, price);
                    let value = bound::line_search(&mut prices, set, w.new_person as f64, CLASS_STEPS, &dual_at);
                    best_bound = best_bound.max(value);
                }
            }
            let mut rows = Vec::new();
            for t in (0..h).filter(|&t| relaxed_again && limited[t]) {
                rows.extend((0..problem.grades.len()).map(|g| prices.cover_index(g, t)));
                rows.push(prices.held_index(t));
            }
            for i in rows {
                if began.elapsed() >= search_limit {
                    break;
                }
                let set = |prices: &mut Prices, price: f64| prices.cover[i] = price;
                let value = bound::line_search(&mut prices, set, w.vacancy as f64, LINE_STEPS, &dual_at);
                best_bound = best_bound.max(value);
            }
            continue;
        }
        if !bound::step(&mut prices, &dual, target, theta, w.new_person as f64, w.vacancy as f64) {
            break;
        }
    }

    // The loop runs at least once: a plan always exists (every seat may stay empty).
    let (mut best_score, mut chosen) = best.unwrap_or_default();
    let lower_bound = rounded_bound(best_bound.max(exact_bound.unwrap_or(f64::NEG_INFINITY)), w.score_step());
    // Where nobody could be found, the years stay empty: the district's
    // other terms are timed again knowing it (a later start, a shorter
    // term may now avoid a clash), and the plan staffed again.
    for _ in 0..RETIME_ROUNDS {
        if began.elapsed() >= options.time_limit {
            break;
        }
        let vacant = vacant_years(&problem, &chosen.plan());
        if vacant.iter().all(|&v| v == 0) {
            break;
        }
        let seat_prices = prices.without_cover();
        let mut next = Vec::with_capacity(problem.units.len());
        for (u, unit) in problem.units.iter().enumerate() {
            let mut shape = all_shapes[u].clone();
            for (slot, &p) in unit.positions.iter().enumerate() {
                shape[slot].vacant = vacant[p];
            }
            next.push(schedule::solve(&shape, h, &w, &seat_prices));
        }
        let own: Vec<usize> = (0..problem.units.len()).collect();
        let staffed = staff_plan(&problem, &adjustments, &rules, &next, &own, &mut rng);
        let score = score::evaluate(&problem, &staffed.plan()).terms.score(&problem);
        if score >= best_score {
            break;
        }
        (best_score, chosen) = (score, staffed);
    }
    // A town or a small city: a few districts at a time are planned again
    // exactly, for a share of the time; then the search goes on from there.
    if adjustments.leave_people_free() && best_score > lower_bound && exact::neighbourhoods_fit(&problem, NEIGHBOURHOOD)
    {
        let deadline = (Instant::now() + options.time_limit.mul_f64(NEIGHBOURHOOD_SHARE))
            .min(began + options.time_limit.mul_f64(0.97));
        let from = (best_score, chosen.plan());
        let banned = &adjustments.banned;
        if let Some((score, plan)) =
            replan_neighbourhoods(instance, &problem, banned, from, lower_bound, deadline, &mut rng)
        {
            (best_score, chosen) = (score, Staffed::from_plan(&plan));
        }
    }
    // The time left goes to searching for a better plan (staffing/search).
    let limits = staffing::Limits {
        // What follows the search (checks, explanations) takes a moment.
        deadline: began + options.time_limit.mul_f64(0.97),
        stall: STALL,
        target: lower_bound,
    };
    pool.retain(|(_, staffed)| staffed.seats != chosen.seats);
    pool.sort_by_key(|(score, _)| *score);
    pool.truncate(STARTS);
    pool.insert(0, (best_score, chosen.clone()));
    for round in 0..=RESTARTS {
        if best_score <= lower_bound || Instant::now() >= limits.deadline {
            break;
        }
        let from = match pool.get(round as usize) {
            Some((_, staffed)) => staffed.clone(),
            None if round % 2 == 0 => staffing::fill(&problem, &chosen.seats, &rules, &mut rng),
            None => {
                let noisy = jittered(&all_shapes, h, &w, &prices.without_cover(), &mut rng);
                let own: Vec<usize> = (0..problem.units.len()).collect();
                staff_plan(&problem, &adjustments, &rules, &noisy, &own, &mut rng)
            }
        };
        let (staffed, score) = staffing::improve(&problem, from, &rules, &mut rng, &limits);
        if score < best_score {
            (best_score, chosen) = (score, staffed);
        }
    }
    let mut chosen = chosen.plan();
    let evaluation = feasible(&problem, &mut chosen);
    let score = evaluation.terms.score(&problem);
    let lower_bound = lower_bound.min(score);
    let unplaced: Vec<String> = adjustments
        .required
        .iter()
        .filter(|&&s| !chosen.iter().any(|a| a.staff == s))
        .chain(
            adjustments
                .pinned
                .iter()
                .filter(|pin| !chosen.contains(pin))
                .map(|pin| &pin.staff),
        )
        .map(|&s| problem.staff[s].id.clone())
        .collect();
    chosen.sort_by_key(|a| (a.start, problem.positions[a.position].unit, a.position));
    let explanations = explain::explain(&problem, &chosen);
    Ok(Outcome {
        plan: Plan {
            appointments: chosen
                .iter()
                .map(|a| problem.appointment(a.position, a.staff, a.start, a.end))
                .collect(),
        },
        terms: evaluation.terms,
        score,
        lower_bound,
        optimal: score == lower_bound && unplaced.is_empty(),
        explanations,
        unplaced,
        iterations,
        seconds: began.elapsed().as_secs_f64(),
    })
}

/// Districts, `NEIGHBOURHOOD` at a time, planned again exactly with the
/// rest of the plan held (`exact::replan_units`), until `deadline`, the
/// `target` score, or `NEIGHBOURHOOD_STALL` neighbourhoods in a row with
/// nothing better. The plan it ends with, if it took any.
fn replan_neighbourhoods(
    instance: &Instance,
    problem: &Problem,
    banned: &[bool],
    (mut best_score, mut plan): (i64, Vec<Assigned>),
    target: i64,
    deadline: Instant,
    rng: &mut Rng,
) -> Option<(i64, Vec<Assigned>)> {
    let (mut taken, mut stale) = (false, 0);
    while best_score > target && Instant::now() < deadline && stale < NEIGHBOURHOOD_STALL {
        stale += 1;
        let mut units: Vec<usize> = Vec::with_capacity(NEIGHBOURHOOD);
        while units.len() < NEIGHBOURHOOD.min(problem.units.len()) {
            let u = rng.below(problem.units.len());
            if !units.contains(&u) {
                units.push(u);
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(next) = exact::replan_units(instance, problem, &plan, &units, banned, left) else {
            continue;
        };
        // A plan as good is taken too, so that the neighbourhoods walk.
        if let Some(score) = lawful_score(problem, &next)
            && score <= best_score
        {
            if score < best_score {
                stale = 0;
            }
            (best_score, plan, taken) = (score, next, true);
        }
    }
    taken.then_some((best_score, plan))
}

/// The town's integer program (`exact`): its bound (-inf when it has none)
/// and its plan, scored — unless the plan must keep people required or
/// pinned, of which the program knows nothing.
fn solve_exactly(problem: &Problem, adjustments: &Resolved, limit: Duration) -> (f64, Option<(i64, Staffed)>) {
    let Some(solved) = exact::solve(problem, &adjustments.banned, limit) else {
        return (f64::NEG_INFINITY, None);
    };
    let plan = solved
        .plan
        .filter(|_| adjustments.leave_people_free())
        .and_then(|plan| lawful_score(problem, &plan).map(|score| (score, Staffed::from_plan(&plan))));
    (solved.bound, plan)
}

/// The contract's score of a plan from the integer program, None if it
/// breaks a rule (a bug: the program keeps every rule).
fn lawful_score(problem: &Problem, plan: &[Assigned]) -> Option<i64> {
    let evaluation = score::evaluate(problem, plan);
    debug_assert!(evaluation.violations.is_empty(), "{:?}", evaluation.violations);
    evaluation
        .violations
        .is_empty()
        .then(|| evaluation.terms.score(problem))
}

/// The least score a plan can have at or above `bound`: every score is a
/// whole number of `step`s (`Weights::score_step`).
fn rounded_bound(bound: f64, step: i64) -> i64 {
    ((bound - 1e-6) / step as f64).ceil() as i64 * step
}

/// A bound that rounds up to the score proves it.
fn proven(bound: f64, score: f64, step: i64) -> bool {
    rounded_bound(bound, step) as f64 >= score
}

/// Per position, the horizon years nobody holds in `plan`, as bits.
fn vacant_years(problem: &Problem, plan: &[Assigned]) -> Vec<u64> {
    let mut held: Vec<u64> = problem.positions.iter().map(Pos::fixed_bits).collect();
    for a in plan {
        for year in a.start..=a.end {
            if let Some(t) = problem.index(year) {
                held[a.position] |= 1 << t;
            }
        }
    }
    let all = (1u64 << problem.horizon) - 1;
    held.iter().map(|h| !h & all).collect()
}

/// Each unit's timetable under its own random change of the seat prices
/// (up to half a newcomer's worth either way): start years the priced
/// timetables would never choose, for a fresh start of the search.
fn jittered(
    shapes: &[Vec<schedule::PositionShape>],
    h: usize,
    w: &instance::Weights,
    prices: &Prices,
    rng: &mut Rng,
) -> Vec<Timetable> {
    shapes
        .iter()
        .map(|shape| {
            let mut prices = prices.clone();
            for price in &mut prices.slot {
                *price += (rng.unit() - 0.5) * w.new_person as f64;
            }
            schedule::solve(shape, h, w, &prices)
        })
        .collect()
}

/// Seats from the timetables, then people in them.
fn staff_plan(
    problem: &Problem,
    adjustments: &Resolved,
    rules: &Staffing,
    timetables: &[Timetable],
    shape_of_unit: &[usize],
    rng: &mut Rng,
) -> Staffed {
    let mut seats = Vec::new();
    for (u, unit) in problem.units.iter().enumerate() {
        for event in &timetables[shape_of_unit[u]].events {
            if let Event::Start { slot, t, len } = *event {
                let position = unit.positions[slot];
                let start = problem.year(t);
                let pinned = adjustments
                    .pinned
                    .iter()
                    .find(|a| a.position == position && a.start == start);
                seats.push(Seat {
                    position,
                    start,
                    len,
                    pinned: pinned.map(|a| a.staff),
                });
            }
        }
    }
    staffing::fill(problem, &seats, rules, rng)
}

/// The plan with anything that breaks a hard rule taken out, so that what
/// is returned is always feasible (leaving a seat empty never breaks one).
fn feasible(problem: &Problem, plan: &mut Vec<Assigned>) -> score::Evaluation {
    loop {
        let evaluation = score::evaluate(problem, plan);
        if evaluation.violations.is_empty() {
            return evaluation;
        }
        // Staffing checks every rule as it places; reaching here is a bug,
        // and dropping the last appointment keeps the answer safe.
        debug_assert!(false, "staffing broke a rule: {:?}", evaluation.violations);
        plan.pop();
    }
}

/// Adjustments by index, checked against the instance.
struct Resolved {
    banned: Vec<bool>,
    required: Vec<usize>,
    pinned: Vec<Assigned>,
    /// Per position: (horizon year, length) of its pinned terms.
    pins: Vec<Vec<(usize, u32)>>,
}

impl Resolved {
    /// Nobody is required or pinned: a plan made without knowing the
    /// adjustments (the integer program's) may be used as it is.
    fn leave_people_free(&self) -> bool {
        self.required.is_empty() && self.pinned.is_empty()
    }

    fn new(problem: &Problem, adjustments: &Adjustments) -> Result<Resolved, PlanError> {
        let person = |id: &String| {
            problem
                .staff_index
                .get(id)
                .copied()
                .ok_or_else(|| PlanError::Adjustment(format!("職員「{id}」がありません")))
        };
        let mut banned = vec![false; problem.staff.len()];
        for id in &adjustments.banned {
            banned[person(id)?] = true;
        }
        let mut required = Vec::new();
        for id in &adjustments.required {
            let s = person(id)?;
            if banned[s] {
                return Err(PlanError::Adjustment(format!(
                    "職員 {id} は任命しない指定と必ず任命する指定の両方があります"
                )));
            }
            required.push(s);
        }
        let mut pinned = Vec::new();
        let mut pins = vec![Vec::new(); problem.positions.len()];
        for a in &adjustments.pinned {
            let position = problem
                .position_index
                .get(&a.position)
                .copied()
                .ok_or_else(|| PlanError::Adjustment(format!("ポジション「{}」がありません", a.position)))?;
            let staff = person(&a.staff)?;
            let describe = || format!("{} を {} に {}〜{}年度", a.staff, a.position, a.start, a.end);
            let Some(t) = problem.index(a.start) else {
                return Err(PlanError::Adjustment(format!(
                    "{}: 開始年度が計画期間の外です",
                    describe()
                )));
            };
            if !problem.eligible(staff, position, a.start, a.end) || banned[staff] {
                return Err(PlanError::Adjustment(format!(
                    "{}: 任命の条件を満たしません",
                    describe()
                )));
            }
            let p = &problem.positions[position];
            let last = problem.index(a.end).unwrap_or(problem.horizon - 1);
            if (t..=last).any(|y| p.fixed[y]) {
                return Err(PlanError::Adjustment(format!("{}: 現任の任期と重なります", describe())));
            }
            let clash = pinned.iter().any(|b: &Assigned| {
                (b.position == position || b.staff == staff) && b.start <= a.end && a.start <= b.end
            });
            if clash {
                return Err(PlanError::Adjustment(format!(
                    "{}: 固定した他の任命と重なります",
                    describe()
                )));
            }
            pins[position].push((t, (a.end - a.start + 1) as u32));
            pinned.push(Assigned {
                position,
                staff,
                start: a.start,
                end: a.end,
            });
        }
        Ok(Resolved {
            banned,
            required,
            pinned,
            pins,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_rounds_up_to_the_next_score_a_plan_can_have() {
        // Scores of the contract's weights are tens: a bound of -3,432 proves
        // a plan of -3,430, and one of 990.5 a plan of 1,000.
        assert_eq!(rounded_bound(-3432.0, 10), -3430);
        assert_eq!(rounded_bound(990.5, 10), 1000);
        assert!(proven(-3432.0, -3430.0, 10));
        assert!(!proven(-3441.0, -3430.0, 10));
        // A bound already on a step stays there, whatever its rounding error.
        assert_eq!(rounded_bound(-3430.0 + 1e-9, 10), -3430);
        assert_eq!(rounded_bound(-3430.0 - 1e-9, 10), -3430);
        assert_eq!(rounded_bound(7.2, 1), 8);
    }
}
