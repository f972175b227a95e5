//! A plausible fictional municipality for each preset: districts,
//! departments, organisations, staff and appointments. Names are invented;
//! the shape of the scheme is the seed city's. Deterministic, so demos and
//! benchmarks see the same data every time.

use chrono::NaiveDate;

use crate::scheme::Preset;

/// A small deterministic generator (numbers from Knuth's MMIX LCG).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64()).unwrap_or(0) % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FAMILY: [(&str, &str); 30] = [
    ("田中", "タナカ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("坂本", "サカモト"),
    ("森", "モリ"),
    ("荒木", "アラキ"),
    ("村上", "ムラカミ"),
    ("古賀", "コガ"),
    ("緒方", "オガタ"),
    ("宮本", "ミヤモト"),
    ("西村", "ニシムラ"),
    ("前田", "マエダ"),
    ("藤田", "フジタ"),
    ("岡本", "オカモト"),
    ("原田", "ハラダ"),
    ("平野", "ヒラノ"),
    ("上田", "ウエダ"),
    ("福田", "フクダ"),
    ("永田", "ナガタ"),
    ("野口", "ノグチ"),
    ("吉田", "ヨシダ"),
    ("髙木", "タカギ"),
    ("山﨑", "ヤマサキ"),
    ("渡邉", "ワタナベ"),
    ("松尾", "マツオ"),
    ("内田", "ウチダ"),
];

const GIVEN: [(&str, &str); 30] = [
    ("大輔", "ダイスケ"),
    ("健太", "ケンタ"),
    ("翔太", "ショウタ"),
    ("誠", "マコト"),
    ("隆", "タカシ"),
    ("浩二", "コウジ"),
    ("和也", "カズヤ"),
    ("拓也", "タクヤ"),
    ("直樹", "ナオキ"),
    ("修", "オサム"),
    ("陽介", "ヨウスケ"),
    ("聡", "サトシ"),
    ("亮", "リョウ"),
    ("悠斗", "ユウト"),
    ("光一", "コウイチ"),
    ("花子", "ハナコ"),
    ("恵子", "ケイコ"),
    ("美咲", "ミサキ"),
    ("由美", "ユミ"),
    ("智子", "トモコ"),
    ("真由美", "マユミ"),
    ("彩", "アヤ"),
    ("愛", "アイ"),
    ("裕子", "ユウコ"),
    ("千尋", "チヒロ"),
    ("陽子", "ヨウコ"),
    ("舞", "マイ"),
    ("香織", "カオリ"),
    ("友美", "トモミ"),
    ("奈々", "ナナ"),
];

/// A person's name and its reading, e.g. ("田中 大輔", "タナカ ダイスケ").
pub fn person(rng: &mut Rng) -> (String, String) {
    let (f, fk) = rng.pick(&FAMILY);
    let (g, gk) = rng.pick(&GIVEN);
    (format!("{f} {g}"), format!("{fk} {gk}"))
}

mod documents;
mod establishment;
mod evacuation_support;
pub mod grants;
pub use documents::sample_pdf;
pub use evacuation_support::supported_residents;
mod issues;
mod plans;
pub use establishment::{DemoGroup, DemoWay};
pub use issues::{DemoIssue, issues};
pub use plans::{DemoPlan, DemoProject};

#[derive(Debug, Clone)]
pub struct DemoArea {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DemoDepartment {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DemoOrganisation {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub area_code: String,
    pub stage: Option<String>,
    /// (role, name)
    pub officers: Vec<(String, String)>,
    /// (name, title, phone)
    pub key_people: Vec<(String, String, String)>,
}

#[derive(Debug, Clone)]
pub struct DemoStaff {
    pub employee_number: String,
    pub name: String,
    pub name_kana: String,
    pub department_code: String,
    pub grade: String,
    pub hire_date: NaiveDate,
    pub home_area_code: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DemoAppointment {
    pub employee_number: String,
    pub area_code: String,
    pub position_key: String,
    pub start: NaiveDate,
    /// The last day served and why, for one that ended before its term.
    pub ended: Option<(NaiveDate, crate::appointments::EndReason)>,
    /// Serving today (the rest are predecessors).
    pub current: bool,
}

#[derive(Debug, Clone)]
pub struct DemoData {
    pub areas: Vec<DemoArea>,
    pub departments: Vec<DemoDepartment>,
    pub organisations: Vec<DemoOrganisation>,
    pub staff: Vec<DemoStaff>,
    pub appointments: Vec<DemoAppointment>,
    /// Area bodies on their way to recognition (Niimi).
    pub ways: Vec<DemoWay>,
    /// The area bodies' plans.
    pub plans: Vec<DemoPlan>,
}

/// The area tree of each preset: (name, children).
fn area_tree(key: &str) -> Vec<(&'static str, Vec<&'static str>)> {
    match key {
        "kumamoto" => vec![
            ("中央区", vec!["白川", "五福", "碩台", "黒髪"]),
            ("東区", vec!["健軍", "若葉", "東町", "託麻"]),
            ("西区", vec!["花園", "城西", "池上", "小島"]),
            ("南区", vec!["城南", "富合", "飽田"]),
            ("北区", vec!["清水", "龍田", "北部", "植木"]),
        ],
        "niimi" => vec![
            ("唐松・広瀬", vec!["唐松", "広瀬"]),
            ("熊野・井倉", vec!["熊野", "井倉"]),
            ("哲西", vec!["矢田", "大竹"]),
            ("大佐", vec!["小阪部", "田治部"]),
            ("神郷", vec!["下神代", "油野"]),
            ("新見中央", vec!["西方", "高尾"]),
        ],
        "tama" => vec![
            ("聖蹟桜ヶ丘エリア", vec![]),
            ("永山エリア", vec![]),
            ("多摩センターエリア", vec![]),
            ("唐木田エリア", vec![]),
            ("愛宕エリア", vec![]),
            ("和田・東寺方エリア", vec![]),
        ],
        "osaki" => vec![
            ("古川", vec!["古川中央", "古川東", "古川西"]),
            ("松山", vec!["松山"]),
            ("三本木", vec!["三本木"]),
            ("鹿島台", vec!["鹿島台"]),
            ("岩出山", vec!["岩出山"]),
            ("鳴子温泉", vec!["鳴子", "鬼首"]),
            ("田尻", vec!["田尻"]),
        ],
        _ => vec![
            ("荒尾", vec![]),
            ("万田", vec![]),
            ("緑ケ丘", vec![]),
            ("八幡", vec![]),
            ("有明", vec![]),
            ("平井", vec![]),
            ("府本", vec![]),
            ("清里", vec![]),
            ("桜山", vec![]),
        ],
    }
}

/// For Kumamoto, the centres (level 1) hold elementary-school districts (level 2).
fn school_districts(centre: &str) -> Vec<String> {
    ["第一", "第二"]
        .iter()
        .map(|n| format!("{centre}{n}小学校区"))
        .collect()
}

fn departments(preset: &Preset) -> Vec<DemoDepartment> {
    let scheme = &preset.scheme;
    // Niimi's coordinating section is a 係 of 総務部 総合政策課 (協働推進係).
    let niimi = preset.key == "niimi";
    let tree: [(&str, [&str; 3]); 6] = [
        (
            "総務部",
            ["総務課", if niimi { "総合政策課" } else { "人事課" }, "財政課"],
        ),
        ("市民部", [if niimi { "税務課" } else { "" }, "市民課", "防災安全課"]),
        ("健康福祉部", ["福祉課", "高齢者支援課", "子育て支援課"]),
        ("建設部", ["土木課", "都市計画課", "建築住宅課"]),
        ("産業部", ["農林水産課", "商工観光課", "環境保全課"]),
        ("教育委員会", ["教育総務課", "学校教育課", "生涯学習課"]),
    ];
    let mut out = Vec::new();
    for (i, (bu, kas)) in tree.iter().enumerate() {
        let bu_code = format!("D{:02}", i + 1);
        out.push(DemoDepartment {
            code: bu_code.clone(),
            name: (*bu).to_owned(),
            parent_code: None,
        });
        for (j, ka) in kas.iter().enumerate() {
            // The coordinating section sits in 市民部 under the scheme's own name.
            let name = if ka.is_empty() {
                scheme.coordinating_section.clone()
            } else {
                (*ka).to_owned()
            };
            let code = format!("{bu_code}{:02}", j + 1);
            let has_section = niimi && name == "総合政策課";
            out.push(DemoDepartment {
                code: code.clone(),
                name,
                parent_code: Some(bu_code.clone()),
            });
            if has_section {
                out.push(DemoDepartment {
                    code: format!("{code}01"),
                    name: scheme.coordinating_section.clone(),
                    parent_code: Some(code),
                });
            }
        }
    }
    out
}

/// Builds the demo data for `preset` as of `today`.
pub fn generate(preset: &Preset, today: NaiveDate) -> DemoData {
    let scheme = &preset.scheme;
    let mut rng = Rng::new(0x6b79_6f64_6f00 ^ preset.municipality_code.bytes().map(u64::from).sum::<u64>());
    let mut areas = Vec::new();
    for (i, (name, children)) in area_tree(preset.key).iter().enumerate() {
        let code = format!("A{:02}", i + 1);
        areas.push(DemoArea {
            code: code.clone(),
            name: (*name).to_owned(),
            parent_code: None,
        });
        for (j, child) in children.iter().enumerate() {
            let child_code = format!("{code}{:02}", j + 1);
            areas.push(DemoArea {
                code: child_code.clone(),
                name: (*child).to_owned(),
                parent_code: Some(code.clone()),
            });
            if scheme.area_levels.len() > 2 {
                for (k, school) in school_districts(child).into_iter().enumerate() {
                    areas.push(DemoArea {
                        code: format!("{child_code}{:02}", k + 1),
                        name: school,
                        parent_code: Some(child_code.clone()),
                    });
                }
            }
        }
    }
    let depth = |a: &DemoArea| (a.code.len() - 3) / 2;
    let units: Vec<DemoArea> = areas
        .iter()
        .filter(|a| depth(a) == scheme.liaison_level)
        .cloned()
        .collect();

    let departments = departments(preset);
    let sections: Vec<&DemoDepartment> = departments.iter().filter(|d| d.parent_code.is_some()).collect();

    // Staff: enough of every grade for each unit's positions, and more besides.
    let fy = crate::wareki::fiscal_year(today);
    let mut staff = Vec::new();
    let per_grade = units.len() * 3 + 12;
    for (g, grade) in scheme.grades.iter().enumerate() {
        let count = if grade.key == "director" { 8 } else { per_grade };
        for n in 0..count {
            let (name, kana) = person(&mut rng);
            // Seniors were hired long ago; junior staff within the last decade.
            let years_ago = match grade.key.as_str() {
                "director" => 28 + rng.below(8),
                "manager" => 22 + rng.below(10),
                "chief" => 12 + rng.below(10),
                _ => 1 + rng.below(10),
            };
            let hire_year = fy - i32::try_from(years_ago).unwrap_or(0);
            let department = rng.pick(&sections);
            staff.push(DemoStaff {
                employee_number: format!("{}{:01}{:03}", 1 + g, g, n + 1),
                name,
                name_kana: kana,
                department_code: department.code.clone(),
                grade: grade.key.clone(),
                hire_date: crate::wareki::fiscal_year_start(hire_year),
                home_area_code: Some(rng.pick(&units).code.clone()),
            });
        }
    }

    // Appointments: each unit's positions filled with eligible staff, terms
    // staggered so that a team never changes all at once, each after a
    // predecessor whose term ran before it; in the second unit the 一般職員's
    // predecessor left early (異動) and the successor serves the rest of the term.
    let mut appointments = Vec::new();
    let mut used = std::collections::HashSet::new();
    for (u, unit) in units.iter().enumerate() {
        // One department once per unit, over the unit's whole history here.
        let mut unit_departments = std::collections::HashSet::new();
        for (p, position) in scheme.positions.iter().enumerate() {
            // Demo centres are staffed as if each covered two school districts.
            let holders = crate::appointments::slots(position, scheme, 2) as usize;
            for h in 0..holders {
                let term = i32::from(position.term_years.max(1));
                let served = i32::try_from((u + p + h) % usize::try_from(term).unwrap_or(1)).unwrap_or(0);
                let start_fy = fy - served;
                let left_early = u == 1 && p + 1 == scheme.positions.len() && h == 0 && served == 0 && term >= 2;
                let mut pick = |start: NaiveDate| {
                    let found = staff.iter().find(|s| {
                        !used.contains(&s.employee_number)
                            && !unit_departments.contains(&s.department_code)
                            && s.home_area_code.as_deref() != Some(unit.code.as_str())
                            && s.grade != "director"
                            && crate::appointments::meets_position(position, &s.grade, s.hire_date, start)
                    })?;
                    used.insert(found.employee_number.clone());
                    unit_departments.insert(found.department_code.clone());
                    Some(found.employee_number.clone())
                };
                // The predecessor: a full term before, or (left early) from
                // last April to the end of September.
                let (before_start, before_ended) = if left_early {
                    (
                        crate::wareki::fiscal_year_start(fy - 1),
                        Some((
                            NaiveDate::from_ymd_opt(fy, 9, 30).unwrap_or(today),
                            crate::appointments::EndReason::Transfer,
                        )),
                    )
                } else {
                    (crate::wareki::fiscal_year_start(start_fy - term), None)
                };
                if let Some(employee_number) = pick(before_start) {
                    appointments.push(DemoAppointment {
                        employee_number,
                        area_code: unit.code.clone(),
                        position_key: position.key.clone(),
                        start: before_start,
                        ended: before_ended,
                        current: false,
                    });
                }
                let start = match before_ended {
                    Some((last, _)) => last.succ_opt().unwrap_or(last),
                    None => crate::wareki::fiscal_year_start(start_fy),
                };
                if let Some(employee_number) = pick(start) {
                    appointments.push(DemoAppointment {
                        employee_number,
                        area_code: unit.code.clone(),
                        position_key: position.key.clone(),
                        start,
                        ended: None,
                        current: true,
                    });
                }
            }
        }
    }

    // Organisations: the district's own council, two neighbourhood
    // associations, and a few partners.
    let main_kind = scheme.organisation_kinds.first().cloned().unwrap_or_default();
    let local_kind = scheme
        .organisation_kinds
        .get(1)
        .cloned()
        .unwrap_or_else(|| main_kind.clone());
    let last_stage = scheme.lifecycle_stages.last().cloned();
    let niimi = preset.key == "niimi";
    let mut organisations = Vec::new();
    let mut ways = Vec::new();
    for (u, unit) in units.iter().enumerate() {
        let main_suffix = match main_kind.as_str() {
            "地区協議会" => "地区協議会",
            "地域運営組織" => "まちづくり協議会",
            "校区自治協議会" => "校区自治協議会",
            "まちづくり協議会" => "まちづくり協議会",
            _ => "地域協議会",
        };
        // Niimi's bodies start at the first stage and walk their way
        // (`ways`); the other presets' bodies are long established.
        let stage = if niimi {
            scheme.lifecycle_stages.first().cloned()
        } else {
            last_stage.clone()
        };
        let mut officers = Vec::new();
        // A Niimi body that took over a 地域振興会 has that society's officers.
        if !(niimi && u <= 2) {
            for role in scheme.officer_roles.iter().take(4) {
                officers.push((role.clone(), person(&mut rng).0));
            }
        }
        let key_people = (0..3)
            .map(|k| {
                let title = ["区長", "民生委員", "元会長"][k];
                (
                    person(&mut rng).0,
                    title.to_owned(),
                    format!("090-{:04}-{:04}", 1000 + rng.below(9000), 1000 + rng.below(9000)),
                )
            })
            .collect();
        let code = format!("O{:03}", u * 10 + 1);
        let name = match (niimi, u) {
            (true, 0) => "唐松まちづくり協議会".to_owned(),
            (true, 1) => "熊野の将来を考える会".to_owned(),
            _ => format!("{}{main_suffix}", unit.name),
        };
        organisations.push(DemoOrganisation {
            code: code.clone(),
            name,
            kind: main_kind.clone(),
            area_code: unit.code.clone(),
            stage,
            officers,
            key_people,
        });
        // Niimi's 行政地区 each have a 地域振興会, the bodies' forerunners.
        let districts: Vec<&DemoArea> = areas
            .iter()
            .filter(|a| a.parent_code.as_deref() == Some(unit.code.as_str()))
            .collect();
        let mut societies = Vec::new();
        for n in 0..2 {
            let local_code = format!("O{:03}", u * 10 + 2 + n);
            let (name, area_code, officers) = match districts.get(n).filter(|_| niimi) {
                Some(d) => (
                    format!("{}地域振興会", d.name),
                    d.code.clone(),
                    scheme
                        .officer_roles
                        .iter()
                        .take(3)
                        .map(|r| (r.clone(), person(&mut rng).0))
                        .collect(),
                ),
                None => (
                    format!("{}{}区自治会", unit.name, ["東", "西"][n]),
                    unit.code.clone(),
                    vec![(scheme.officer_roles[0].clone(), person(&mut rng).0)],
                ),
            };
            societies.push((local_code.clone(), name.clone()));
            organisations.push(DemoOrganisation {
                code: local_code,
                name,
                kind: local_kind.clone(),
                area_code,
                stage: None,
                officers,
                key_people: Vec::new(),
            });
        }
        if niimi {
            ways.push(establishment::niimi_way(
                u,
                &code,
                &districts,
                &societies,
                &scheme.lifecycle_stages,
                fy,
            ));
        } else if scheme.area_body_kind.as_ref() == Some(&main_kind) {
            ways.push(establishment::established(
                &code,
                &unit.code,
                fy - 5 - i32::try_from(u % 4).unwrap_or(0),
            ));
        }
    }
    for (i, (name, kind)) in [("NPO法人まちつむぎ", "NPO"), ("地域共創大学 地域連携センター", "大学")]
        .iter()
        .enumerate()
    {
        if scheme.organisation_kinds.iter().any(|k| k == kind)
            && let Some(unit) = units.first()
        {
            organisations.push(DemoOrganisation {
                code: format!("P{:03}", i + 1),
                name: (*name).to_owned(),
                kind: (*kind).to_owned(),
                area_code: unit.code.clone(),
                stage: None,
                officers: Vec::new(),
                key_people: Vec::new(),
            });
        }
    }
    let bodies: Vec<(String, bool)> = ways
        .iter()
        .map(|w| (w.organisation_code.clone(), w.granted.is_some()))
        .collect();
    let plans = plans::plans(niimi, &bodies, fy);
    DemoData {
        areas,
        departments,
        organisations,
        staff,
        appointments,
        ways,
        plans,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn arao_teams_are_full_eligible_and_staggered() {
        let preset = crate::scheme::preset("arao").unwrap();
        let data = generate(&preset, today());
        assert_eq!(data.areas.len(), 9);
        let current: Vec<&DemoAppointment> = data.appointments.iter().filter(|a| a.current).collect();
        assert_eq!(current.len(), 27, "three per district");
        assert_eq!(data.appointments.len(), 54, "each after a predecessor");
        let early: Vec<&DemoAppointment> = data.appointments.iter().filter(|a| a.ended.is_some()).collect();
        assert_eq!(early.len(), 1, "one left early, for the remaining-term example");
        let by_number: std::collections::HashMap<_, _> =
            data.staff.iter().map(|s| (s.employee_number.as_str(), s)).collect();
        for a in &data.appointments {
            let s = by_number[a.employee_number.as_str()];
            assert_eq!(s.grade, a.position_key, "grade matches position");
            assert_ne!(
                s.home_area_code.as_deref(),
                Some(a.area_code.as_str()),
                "not their home district"
            );
            if a.position_key == "staff" {
                let hired = crate::wareki::fiscal_year(s.hire_date);
                assert!(
                    crate::wareki::fiscal_year(a.start) - hired >= 2,
                    "third year since hire"
                );
            }
        }
        for unit in data.areas.iter() {
            let starts: std::collections::HashSet<_> = current
                .iter()
                .filter(|a| a.area_code == unit.code)
                .map(|a| a.start)
                .collect();
            assert!(starts.len() > 1, "{} changes all at once", unit.name);
        }
    }

    #[test]
    fn kumamoto_has_five_wards_and_centres_with_schools() {
        let preset = crate::scheme::preset("kumamoto").unwrap();
        let data = generate(&preset, today());
        assert_eq!(data.areas.iter().filter(|a| a.parent_code.is_none()).count(), 5);
        let centres = data.areas.iter().filter(|a| a.code.len() == 5).count();
        assert_eq!(centres, 19);
    }

    #[test]
    fn generation_is_deterministic_and_codes_unique() {
        for key in crate::scheme::PRESET_KEYS {
            let preset = crate::scheme::preset(key).unwrap();
            let a = generate(&preset, today());
            let b = generate(&preset, today());
            assert_eq!(a.staff.len(), b.staff.len());
            assert_eq!(a.staff[0].name, b.staff[0].name);
            let mut numbers: Vec<_> = a.staff.iter().map(|s| &s.employee_number).collect();
            numbers.sort();
            numbers.dedup();
            assert_eq!(numbers.len(), a.staff.len(), "{key}");
        }
    }
}
