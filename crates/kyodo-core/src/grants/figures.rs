//! An area's figures on a reference date (基準日): 人口, 世帯数, 面積,
//! 65歳以上人口, as the 住民基本台帳 gives them. Kept per date, so that a
//! past year's calculation can be run again on the figures it used.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::csv_import::Column;
use crate::validation::{FieldErrors, Fields};

/// What a per-unit component multiplies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// 人口割.
    Population,
    /// 世帯割.
    Households,
    /// 面積割 (per km², kept in hundredths of a km²).
    Area,
    /// 65歳以上人口 (敬老会補助 and the like).
    Elderly,
}

impl Basis {
    pub const ALL: [Basis; 4] = [Basis::Population, Basis::Households, Basis::Area, Basis::Elderly];

    pub fn key(self) -> &'static str {
        match self {
            Basis::Population => "population",
            Basis::Households => "households",
            Basis::Area => "area",
            Basis::Elderly => "elderly",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.key() == key)
    }

    /// The component's usual name: 人口割.
    pub fn label(self) -> &'static str {
        match self {
            Basis::Population => "人口割",
            Basis::Households => "世帯割",
            Basis::Area => "面積割",
            Basis::Elderly => "高齢者割",
        }
    }

    /// The figure's name: 人口.
    pub fn figure_label(self) -> &'static str {
        match self {
            Basis::Population => "人口",
            Basis::Households => "世帯数",
            Basis::Area => "面積",
            Basis::Elderly => "65歳以上人口",
        }
    }

    /// The unit a price is per: 1人あたり.
    pub fn unit_label(self) -> &'static str {
        match self {
            Basis::Population | Basis::Elderly => "1人あたり",
            Basis::Households => "1世帯あたり",
            Basis::Area => "1km²あたり",
        }
    }

    /// How many of the figure's stored units make one priced unit: area is
    /// kept in hundredths of a km² and priced per km².
    pub fn scale(self) -> i64 {
        match self {
            Basis::Area => 100,
            _ => 1,
        }
    }
}

/// The figures of an area or an organisation's 区域 (summed over its areas).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Figures {
    pub population: i64,
    pub households: i64,
    /// 面積 in hundredths of a km² (1 = 0.01 km² = 1 ha).
    pub area_centi_km2: i64,
    pub elderly: i64,
}

impl Figures {
    pub fn get(&self, basis: Basis) -> i64 {
        match basis {
            Basis::Population => self.population,
            Basis::Households => self.households,
            Basis::Area => self.area_centi_km2,
            Basis::Elderly => self.elderly,
        }
    }

    pub fn add(&mut self, other: &Figures) {
        self.population += other.population;
        self.households += other.households;
        self.area_centi_km2 += other.area_centi_km2;
        self.elderly += other.elderly;
    }

    /// 高齢化率 in tenths of a percent (permille): 385 is 38.5%.
    pub fn elderly_permille(&self) -> i64 {
        if self.population == 0 {
            0
        } else {
            self.elderly * 1000 / self.population
        }
    }
}

/// 面積 as people write it: 「12.34」 km².
pub fn format_area(centi_km2: i64) -> String {
    format!("{}.{:02}", centi_km2 / 100, centi_km2 % 100)
}

/// Reads 「12.34」「１２．３」「12」 (km², at most two decimals) as hundredths.
pub fn parse_area(s: &str) -> Option<i64> {
    crate::text::parse_hundredths(s.trim())
}

/// One area's figures on one date, as typed or imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AreaFigures {
    pub area_id: i64,
    /// 基準日.
    pub as_of: NaiveDate,
    pub population: i64,
    pub households: i64,
    pub area_centi_km2: i64,
    pub elderly: i64,
}

impl AreaFigures {
    pub fn figures(&self) -> Figures {
        Figures {
            population: self.population,
            households: self.households,
            area_centi_km2: self.area_centi_km2,
            elderly: self.elderly,
        }
    }
}

/// The CSV of figures: one line per area and date.
pub const CSV_COLUMNS: &[Column] = &[
    Column::required("area_code", "地区コード"),
    Column::required("as_of", "基準日"),
    Column::required("population", "人口"),
    Column::required("households", "世帯数"),
    Column::optional("area", "面積（km²）"),
    Column::optional("elderly", "65歳以上人口"),
];

/// A line of figures, validated; the area is still its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiguresInput {
    pub area_code: String,
    pub as_of: NaiveDate,
    pub figures: Figures,
}

impl FiguresInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let area_code = Some(f.required("area_code", "地区コード", 50)).filter(|c| !c.is_empty());
        let as_of = f.date("as_of", "基準日", true);
        let population = f.count("population", "人口", true);
        let households = f.count("households", "世帯数", true);
        let elderly = f.count("elderly", "65歳以上人口", false);
        let area = match get("area").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) {
            None => Some(0),
            Some(s) => {
                let parsed = parse_area(&s);
                if parsed.is_none() {
                    f.errors
                        .add("area", "面積はkm²で、小数第2位までの数で入力してください（例: 12.34）");
                }
                parsed
            }
        };
        if let (Some(p), Some(e)) = (population, elderly)
            && e > p
        {
            f.errors.add("elderly", "65歳以上人口が人口を超えています");
        }
        let input = match (area_code, as_of, population, households, area) {
            (Some(area_code), Some(as_of), Some(population), Some(households), Some(area_centi_km2)) => {
                Some(FiguresInput {
                    area_code,
                    as_of,
                    figures: Figures {
                        population,
                        households,
                        area_centi_km2,
                        elderly: elderly.unwrap_or(0),
                    },
                })
            }
            _ => None,
        };
        f.finish(input)
            .map(|i| i.expect("every required value is present when there are no errors"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_reads_km2_to_two_decimals() {
        assert_eq!(parse_area("12.34"), Some(1234));
        assert_eq!(parse_area("１２．３"), Some(1230));
        assert_eq!(parse_area("7"), Some(700));
        assert_eq!(parse_area("1.234"), None);
        assert_eq!(parse_area("-1"), None);
        assert_eq!(format_area(1205), "12.05");
    }

    #[test]
    fn a_line_names_each_bad_cell() {
        let line = |k: &str| match k {
            "area_code" => Some("A01".to_owned()),
            "as_of" => Some("R8.4.1".to_owned()),
            "population" => Some("１，２００".to_owned()),
            "households" => Some("abc".to_owned()),
            "elderly" => Some("1300".to_owned()),
            "area" => Some("3.456".to_owned()),
            _ => None,
        };
        let errors = FiguresInput::parse(&line).unwrap_err();
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"households") && fields.contains(&"area") && fields.contains(&"elderly"),
            "{fields:?}"
        );
    }

    #[test]
    fn the_elderly_rate_is_in_permille() {
        let f = Figures {
            population: 1000,
            elderly: 385,
            ..Default::default()
        };
        assert_eq!(f.elderly_permille(), 385);
        assert_eq!(Figures::default().elderly_permille(), 0);
    }
}
