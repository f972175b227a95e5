//! One unit's timetable (交代の時期): for each position, when new terms start,
//! how long they run, and which years stay empty. The costs of a timetable —
//! vacancies, whole-team changes, starts in the same year, terms off the
//! standard — belong to the unit alone, so each unit is solved exactly by
//! dynamic programming over the years, with prices from the bound
//! (`Prices`) standing in for everything the units share.

use crate::instance::Weights;
use crate::model::Problem;

/// What the units share, priced: `slot[class][t][len]` is earned by a new
/// term of that class starting in horizon year `t` with length `len` (a
/// seat a newcomer could take); `cover[grade][t]` is paid for each filled
/// position-year of that grade (people of the grade are finite), and
/// `cover[grades][t]` for each filled position-year of any grade (the
/// department rules let only so many be held in a year).
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    pub slot: Vec<f64>,
    pub cover: Vec<f64>,
    pub horizon: usize,
    pub max_len: usize,
}

impl Prices {
    pub fn new(classes: usize, grades: usize, horizon: usize, max_len: usize, slot: f64) -> Prices {
        Prices {
            slot: vec![slot; classes * horizon * (max_len + 1)],
            cover: vec![0.0; (grades + 1) * horizon],
            horizon,
            max_len,
        }
    }

    /// The same prices with filling a position-year free: timetables for
    /// plans, where staffing finds out which years nobody can fill.
    pub fn without_cover(&self) -> Prices {
        let mut prices = self.clone();
        prices.cover.fill(0.0);
        prices
    }

    pub fn slot_index(&self, class: usize, t: usize, len: u32) -> usize {
        (class * self.horizon + t) * (self.max_len + 1) + len as usize
    }

    pub fn cover_index(&self, grade: usize, t: usize) -> usize {
        grade * self.horizon + t
    }

    /// The price of any position held in year `t`.
    pub fn held_index(&self, t: usize) -> usize {
        self.cover.len() - self.horizon + t
    }
}

/// A position as its unit's timetable sees it; units whose positions look
/// alike share one solution.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PositionShape {
    pub class: usize,
    pub grade: usize,
    pub term: u32,
    pub min_len: u32,
    pub max_len: u32,
    /// Horizon years held by a current appointment, as bits.
    pub fixed: u64,
    /// Terms the coordinator fixed: (horizon year, length).
    pub pinned: Vec<(usize, u32)>,
    /// Horizon years known to stay empty (nobody can fill them), as bits.
    pub vacant: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A new term of the unit's `slot`-th position starts in horizon year `t`.
    Start { slot: usize, t: usize, len: u32 },
    /// The unit's `slot`-th position stays empty in horizon year `t`.
    Gap { slot: usize, t: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Timetable {
    /// The priced cost (the true cost when all prices are zero).
    pub value: f64,
    pub events: Vec<Event>,
}

const CONTINUE: u32 = 0;
const GAP: u32 = 1;
/// Action codes above GAP are START + length.
const START: u32 = 1;
const BITS: u32 = 4;

/// The best timetable of one unit under `prices`.
pub fn solve(shape: &[PositionShape], horizon: usize, weights: &Weights, prices: &Prices) -> Timetable {
    let n = shape.len();
    if n == 0 {
        return Timetable {
            value: 0.0,
            events: Vec::new(),
        };
    }
    // State: for each position the years its running new term still has
    // after this one, 0..max_len-1, in mixed radix.
    let radix: Vec<usize> = shape.iter().map(|p| p.max_len as usize).collect();
    let states: usize = radix.iter().product();
    let mut cost = vec![f64::INFINITY; states];
    cost[0] = 0.0;
    // back[t][state] = (previous state, packed actions)
    let mut back = vec![vec![(u32::MAX, 0u32); states]; horizon];
    let mut next = vec![f64::INFINITY; states];
    let mut options: Vec<Vec<(u32, f64, usize)>> = vec![Vec::new(); n];
    let mut rem = vec![0usize; n];

    for (t, back_t) in back.iter_mut().enumerate() {
        next.fill(f64::INFINITY);
        for (state, &reached) in cost.iter().enumerate() {
            if reached == f64::INFINITY {
                continue;
            }
            decode(state, &radix, &mut rem);
            for (i, p) in shape.iter().enumerate() {
                options[i].clear();
                let cover = prices.cover[prices.cover_index(p.grade, t)] + prices.cover[prices.held_index(t)];
                if rem[i] > 0 {
                    options[i].push((CONTINUE, cover, rem[i] - 1));
                } else if p.fixed >> t & 1 == 1 {
                    options[i].push((CONTINUE, cover, 0));
                } else if p.vacant >> t & 1 == 1 {
                    options[i].push((GAP, weights.vacancy as f64, 0));
                } else if let Some(&(_, len)) = p.pinned.iter().find(|(pt, _)| *pt == t) {
                    options[i].push((
                        START + len,
                        start_cost(p, t, len, weights, prices) + cover,
                        len as usize - 1,
                    ));
                } else {
                    options[i].push((GAP, weights.vacancy as f64, 0));
                    for len in p.min_len..=p.max_len {
                        if fits(p, t, len, horizon) {
                            let c = start_cost(p, t, len, weights, prices) + cover;
                            options[i].push((START + len, c, len as usize - 1));
                        }
                    }
                }
            }
            // Every combination of the positions' options.
            let mut pick = vec![0usize; n];
            loop {
                let mut c = reached;
                let mut starts = 0;
                let mut to = 0;
                let mut packed = 0u32;
                for i in (0..n).rev() {
                    let (action, option_cost, r) = options[i][pick[i]];
                    c += option_cost;
                    starts += usize::from(action > GAP);
                    to = to * radix[i] + r;
                    packed = packed << BITS | action;
                }
                c += unit_cost(starts, n, weights) as f64;
                if c < next[to] {
                    next[to] = c;
                    back_t[to] = (state as u32, packed);
                }
                let mut i = 0;
                while i < n {
                    pick[i] += 1;
                    if pick[i] < options[i].len() {
                        break;
                    }
                    pick[i] = 0;
                    i += 1;
                }
                if i == n {
                    break;
                }
            }
        }
        std::mem::swap(&mut cost, &mut next);
    }

    let (mut state, value) = cost.iter().enumerate().fold(
        (0, f64::INFINITY),
        |best, (s, &c)| if c < best.1 { (s, c) } else { best },
    );
    let mut events = Vec::new();
    for t in (0..horizon).rev() {
        let (previous, packed) = back[t][state];
        for slot in 0..n {
            let action = packed >> (BITS * slot as u32) & ((1 << BITS) - 1);
            match action {
                CONTINUE => {}
                GAP => events.push(Event::Gap { slot, t }),
                _ => events.push(Event::Start {
                    slot,
                    t,
                    len: action - START,
                }),
            }
        }
        state = previous as usize;
    }
    events.reverse();
    Timetable { value, events }
}

fn decode(mut state: usize, radix: &[usize], rem: &mut [usize]) {
    for (r, &base) in rem.iter_mut().zip(radix) {
        *r = state % base;
        state /= base;
    }
}

/// A term may not run into a year a current appointment holds or one known
/// to stay empty, nor over the start of a term the coordinator fixed.
fn fits(p: &PositionShape, t: usize, len: u32, horizon: usize) -> bool {
    let last = (t + len as usize).min(horizon);
    (t..last).all(|y| (p.fixed | p.vacant) >> y & 1 == 0) && !p.pinned.iter().any(|&(pt, _)| pt > t && pt < last)
}

fn start_cost(p: &PositionShape, t: usize, len: u32, weights: &Weights, prices: &Prices) -> f64 {
    let deviation = (i64::from(len) - i64::from(p.term)).abs() * weights.term_deviation;
    deviation as f64 - prices.slot[prices.slot_index(p.class, t, len)]
}

/// What a unit pays in one year for `starts` new terms among `positions`.
pub fn unit_cost(starts: usize, positions: usize, weights: &Weights) -> i64 {
    let whole = positions >= 2 && starts >= positions;
    starts.saturating_sub(1) as i64 * weights.concentration + i64::from(whole) * weights.whole_team_change
}

/// The shape of every unit of `problem`, pins included.
pub fn shapes(problem: &Problem, pins: &[Vec<(usize, u32)>]) -> Vec<Vec<PositionShape>> {
    problem
        .units
        .iter()
        .map(|unit| {
            unit.positions
                .iter()
                .map(|&p| {
                    let pos = &problem.positions[p];
                    PositionShape {
                        class: pos.class,
                        grade: pos.grade,
                        term: pos.term,
                        min_len: pos.min_len,
                        max_len: pos.max_len,
                        fixed: pos.fixed_bits(),
                        pinned: pins[p].clone(),
                        vacant: 0,
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(class: usize, term: u32, flex: u32, fixed: u64) -> PositionShape {
        PositionShape {
            class,
            grade: class,
            term,
            min_len: term.saturating_sub(flex).max(1),
            max_len: term + flex,
            fixed,
            pinned: Vec::new(),
            vacant: 0,
        }
    }

    fn zero(classes: usize, horizon: usize) -> Prices {
        Prices::new(classes, classes, horizon, 4, 0.0)
    }

    #[test]
    fn a_free_team_staggers_its_starts_instead_of_changing_all_at_once() {
        let shape = [position(0, 2, 1, 0), position(1, 3, 1, 0), position(2, 3, 1, 0)];
        let w = Weights::default();
        let t = solve(&shape, 6, &w, &zero(3, 6));
        // Year 0 must start all three (1000 + 60); after that the team can stagger.
        let starts_in = |y| {
            t.events
                .iter()
                .filter(|e| matches!(e, Event::Start { t, .. } if *t == y))
                .count()
        };
        assert_eq!(starts_in(0), 3);
        assert!(t.events.iter().all(|e| matches!(e, Event::Start { .. })));
        // One later pair of starts in the same year (30) is cheaper than the
        // two stretched terms (2 × 20) that would avoid it.
        assert_eq!(t.value, 1060.0 + 30.0);
    }

    #[test]
    fn current_terms_are_worked_around_and_no_year_is_left_empty() {
        // Held by current appointments: years 0-1, 0, and 0-2.
        let shape = [
            position(0, 2, 0, 0b11),
            position(1, 3, 0, 0b1),
            position(2, 3, 0, 0b111),
        ];
        let t = solve(&shape, 6, &Weights::default(), &zero(3, 6));
        let mut starts: Vec<(usize, usize)> = t
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Start { slot, t, .. } => Some((*slot, *t)),
                Event::Gap { .. } => None,
            })
            .collect();
        starts.sort_unstable();
        assert_eq!(starts, vec![(0, 2), (0, 4), (1, 1), (1, 4), (2, 3)]);
        assert_eq!(t.value, 30.0);
    }

    #[test]
    fn a_price_on_seats_shortens_terms_when_it_pays() {
        let shape = [position(0, 3, 1, 0)];
        let mut prices = zero(1, 6);
        prices.slot.iter_mut().for_each(|p| *p = 100.0);
        let t = solve(&shape, 6, &Weights::default(), &prices);
        // Three seats in six years: one two-year term (100 less 20), then a
        // standard one, then a standard one running past the horizon.
        assert_eq!(t.events.len(), 3);
        assert_eq!(t.value, -280.0);
    }

    #[test]
    fn a_pinned_term_is_kept() {
        let mut p = position(0, 2, 1, 0);
        p.pinned = vec![(1, 3)];
        let t = solve(&[p], 6, &Weights::default(), &zero(1, 6));
        assert!(t.events.contains(&Event::Start { slot: 0, t: 1, len: 3 }));
        assert!(t.events.contains(&Event::Start { slot: 0, t: 0, len: 1 }));
    }
}
