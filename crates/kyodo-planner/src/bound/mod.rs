//! The lower bound (下界): a Lagrangian relaxation. Units are solved alone
//! (`schedule`); what ties them together — each newcomer takes one seat of
//! a kind, each grade has only so many people in a year — is priced, and
//! the prices are improved by subgradient steps, and by line searches for
//! those a step moves too little (a class's seats, a limited year's held
//! positions). Any prices give a valid
//! bound; the best one found is reported, and the plan is optimal when its
//! score reaches it. For towns, `crate::exact` gives a second bound that
//! sees people one by one.

pub mod fill;
#[cfg(test)]
pub(crate) mod testing;

use std::collections::HashMap;

use crate::model::Problem;
use crate::schedule::{PositionShape, Prices, Timetable};

/// Newcomers who could take exactly the same kinds of seat, counted once.
pub struct NewcomerGroup {
    /// Indexes into `Prices::slot`.
    pub kinds: Vec<usize>,
    pub count: usize,
}

/// The parts of the relaxation that do not change with the prices.
pub struct Relaxation {
    pub groups: Vec<NewcomerGroup>,
    /// People of each grade who could hold a position in each year: the most
    /// position-years of the grade that can be filled (`grade * h + t`);
    /// after the grades, the most positions of any grade held in each year
    /// (`fill::most_held`, for the years it was worked out).
    pub capacity: Vec<f64>,
    /// Positions of each grade, then of all grades.
    pub positions_of_grade: Vec<usize>,
}

impl Relaxation {
    pub fn new(problem: &Problem, prices: &Prices, banned: &[bool]) -> Relaxation {
        let h = problem.horizon;
        let grades = problem.grades.len();
        // Per class: the lengths its positions allow, and its units.
        let mut lengths = vec![(u32::MAX, 0u32); problem.classes.len()];
        let mut units: Vec<Vec<usize>> = vec![Vec::new(); problem.classes.len()];
        let mut positions_of_grade = vec![0; grades + 1];
        for p in &problem.positions {
            let l = &mut lengths[p.class];
            *l = (l.0.min(p.min_len), l.1.max(p.max_len));
            if !units[p.class].contains(&p.unit) {
                units[p.class].push(p.unit);
            }
            positions_of_grade[p.grade] += 1;
            positions_of_grade[grades] += 1;
        }
        let mut groups: HashMap<Vec<usize>, usize> = HashMap::new();
        for (s, person) in problem.staff.iter().enumerate() {
            if !person.newcomer || banned[s] {
                continue;
            }
            let mut kinds = Vec::new();
            for (k, class) in problem.classes.iter().enumerate() {
                if class.grade != person.grade || units[k].iter().all(|&u| Some(u) == person.home) {
                    continue;
                }
                for t in 0..h {
                    let start = problem.year(t);
                    if start - person.hired < class.min_years {
                        continue;
                    }
                    for len in lengths[k].0..=lengths[k].1 {
                        if person.leaves.is_none_or(|l| start + len as i32 - 1 <= l) {
                            kinds.push(prices.slot_index(k, t, len));
                        }
                    }
                }
            }
            if !kinds.is_empty() {
                *groups.entry(kinds).or_default() += 1;
            }
        }
        let mut groups: Vec<NewcomerGroup> = groups
            .into_iter()
            .map(|(kinds, count)| NewcomerGroup { kinds, count })
            .collect();
        groups.sort_by(|a, b| a.kinds.cmp(&b.kinds));

        let mut capacity = vec![0.0; grades * h];
        capacity.extend(std::iter::repeat_n(problem.positions.len() as f64, h));
        let mut youngest = vec![i32::MAX; grades];
        for c in &problem.classes {
            youngest[c.grade] = youngest[c.grade].min(c.min_years);
        }
        let mut current_of: Vec<Vec<&crate::model::CurrentM>> = vec![Vec::new(); problem.staff.len()];
        for c in &problem.current {
            current_of[c.staff].push(c);
        }
        for (s, person) in problem.staff.iter().enumerate() {
            for t in 0..h {
                let year = problem.year(t);
                let holds = current_of[s].iter().find(|c| c.start <= year && year <= c.end);
                let grade = match holds {
                    // Whoever holds a position this year counts for its grade.
                    Some(c) => problem.positions[c.position].grade,
                    None if banned[s] => continue,
                    None if year - person.hired < youngest[person.grade] => continue,
                    None if person.leaves.is_some_and(|l| year > l) => continue,
                    None => person.grade,
                };
                capacity[grade * h + t] += 1.0;
            }
        }
        Relaxation {
            groups,
            capacity,
            positions_of_grade,
        }
    }
}

/// Starting prices: a class whose newcomers outnumber the seats it could
/// ever have prices each seat at a newcomer's worth; one with fewer than it
/// must have, at nothing; in between, half. Most instances are proven
/// optimal at these prices, before any step.
pub fn initial_prices(problem: &Problem, relaxation: &Relaxation, prices: &mut Prices) {
    let h = problem.horizon;
    let new_person = problem.weights.new_person as f64;
    for (k, _) in problem.classes.iter().enumerate() {
        let (mut most, mut fewest) = (0, 0);
        for p in problem.positions.iter().filter(|p| p.class == k) {
            most += h.div_ceil(p.min_len as usize);
            fewest += h / p.max_len as usize;
        }
        let kinds: Vec<usize> = (0..h)
            .flat_map(|t| (0..=prices.max_len as u32).map(move |len| (t, len)))
            .map(|(t, len)| prices.slot_index(k, t, len))
            .collect();
        let supply: usize = relaxation
            .groups
            .iter()
            .filter(|g| g.kinds.iter().any(|x| kinds.contains(x)))
            .map(|g| g.count)
            .sum();
        let price = if supply >= most {
            new_person
        } else if supply <= fewest {
            0.0
        } else {
            new_person / 2.0
        };
        for x in kinds {
            prices.slot[x] = price;
        }
    }
    // A grade short of people in a year will leave that many position-years
    // empty: price filling one just under a vacancy.
    for (g, &positions) in relaxation.positions_of_grade.iter().enumerate() {
        for t in 0..h {
            let i = prices.cover_index(g, t);
            if relaxation.capacity[i] < positions as f64 {
                prices.cover[i] = (problem.weights.vacancy - 1).max(0) as f64;
            }
        }
    }
}

/// At most `most` positions — of `grade`, or of any grade when None — can
/// be held in year `t` (`fill::most_held`): the relaxation learns it, and
/// such a position held that year is priced just under a vacancy when
/// fewer than all can be. Whether it changed anything.
pub fn limit_held(
    problem: &Problem,
    relaxation: &mut Relaxation,
    prices: &mut Prices,
    t: usize,
    grade: Option<usize>,
    most: usize,
) -> bool {
    let i = grade.map_or(prices.held_index(t), |g| prices.cover_index(g, t));
    if most as f64 >= relaxation.capacity[i] {
        return false;
    }
    relaxation.capacity[i] = most as f64;
    let row = grade.unwrap_or(problem.grades.len());
    if most < relaxation.positions_of_grade[row] {
        prices.cover[i] = (problem.weights.vacancy - 1).max(0) as f64;
    }
    true
}

/// The price set by `set` in `0..=most` that gives the best bound (the
/// bound is concave in it): golden-section search in `steps` steps. Leaves
/// that price set and returns the bound there.
pub fn line_search(
    prices: &mut Prices,
    set: impl Fn(&mut Prices, f64),
    most: f64,
    steps: usize,
    dual_at: &impl Fn(&Prices) -> f64,
) -> f64 {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let at = |price: f64, prices: &mut Prices| {
        set(prices, price);
        dual_at(prices)
    };
    let (mut low, mut high) = (0.0, most);
    let mut a = high - ratio * (high - low);
    let mut b = low + ratio * (high - low);
    let (mut fa, mut fb) = (at(a, prices), at(b, prices));
    for _ in 0..steps {
        if fa < fb {
            low = a;
            (a, fa) = (b, fb);
            b = low + ratio * (high - low);
            fb = at(b, prices);
        } else {
            high = b;
            (b, fb) = (a, fa);
            a = high - ratio * (high - low);
            fa = at(a, prices);
        }
    }
    let (price, value) = if fa >= fb { (a, fa) } else { (b, fb) };
    set(prices, price);
    value
}

/// Every seat of class `k` priced at `price`, whatever its year and
/// length. The subgradient moves each seat's price alone and zig-zags
/// between them when a class has fewer newcomers than seats (all of them
/// take the cheapest); one price for the class, found by `line_search`,
/// is where it should start (large-real-3: a bound of -99,852 instead of
/// -121,248 under a plan of -98,060).
pub fn set_class_price(prices: &mut Prices, k: usize, price: f64) {
    for t in 0..prices.horizon {
        for len in 0..=prices.max_len as u32 {
            let i = prices.slot_index(k, t, len);
            prices.slot[i] = price;
        }
    }
}

/// The relaxation solved at some prices: its value (a lower bound on every
/// plan's score) and the direction that improves the prices.
pub struct Dual {
    pub value: f64,
    pub slot_gradient: Vec<f64>,
    pub cover_gradient: Vec<f64>,
}

/// Evaluate the relaxation at `prices`, given every unit's best timetable
/// (`timetables[shape]`, `units_of_shape[shape]` units having that shape).
pub fn evaluate(
    problem: &Problem,
    relaxation: &Relaxation,
    prices: &Prices,
    shapes: &[Vec<PositionShape>],
    timetables: &[Timetable],
    units_of_shape: &[usize],
) -> Dual {
    let h = problem.horizon;
    let new_person = problem.weights.new_person as f64;
    let mut value = 0.0;
    let mut slot_gradient = vec![0.0; prices.slot.len()];
    let mut cover_gradient = vec![0.0; prices.cover.len()];
    for (g, &n) in relaxation.positions_of_grade.iter().enumerate() {
        for t in 0..h {
            cover_gradient[g * h + t] = n as f64 - relaxation.capacity[g * h + t];
        }
    }
    for ((shape, timetable), &count) in shapes.iter().zip(timetables).zip(units_of_shape) {
        let count_f = count as f64;
        value += count_f * timetable.value;
        for event in &timetable.events {
            match *event {
                crate::schedule::Event::Start { slot, t, len } => {
                    slot_gradient[prices.slot_index(shape[slot].class, t, len)] -= count_f;
                }
                crate::schedule::Event::Gap { slot, t } => {
                    cover_gradient[shape[slot].grade * h + t] -= count_f;
                    cover_gradient[prices.held_index(t)] -= count_f;
                }
            }
        }
    }
    for group in &relaxation.groups {
        let best = group
            .kinds
            .iter()
            .copied()
            .min_by(|&a, &b| prices.slot[a].total_cmp(&prices.slot[b]));
        if let Some(kind) = best
            && prices.slot[kind] < new_person
        {
            value += group.count as f64 * (prices.slot[kind] - new_person);
            slot_gradient[kind] += group.count as f64;
        }
    }
    for (cover, capacity) in prices.cover.iter().zip(&relaxation.capacity) {
        value -= cover * capacity;
    }
    Dual {
        value,
        slot_gradient,
        cover_gradient,
    }
}

/// One projected subgradient step towards `target` (the best plan's score).
pub fn step(prices: &mut Prices, dual: &Dual, target: f64, theta: f64, new_person: f64, vacancy: f64) -> bool {
    let norm: f64 = dual
        .slot_gradient
        .iter()
        .chain(&dual.cover_gradient)
        .map(|g| g * g)
        .sum();
    if norm == 0.0 {
        return false;
    }
    let size = theta * (target - dual.value).max(1.0) / norm;
    for (price, g) in prices.slot.iter_mut().zip(&dual.slot_gradient) {
        *price = (*price + size * g).clamp(0.0, new_person);
    }
    for (price, g) in prices.cover.iter_mut().zip(&dual.cover_gradient) {
        *price = (*price + size * g).clamp(0.0, vacancy);
    }
    true
}
