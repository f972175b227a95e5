//! `kyodo grants`: the block grant from the command line.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::Subcommand;
use kyodo_core::text::grouped;
use kyodo_store::Db;

#[derive(Subcommand)]
pub enum GrantsCommand {
    /// Every organisation's amount under a 年度's saved formula, against last
    /// year and the budget; an xlsx with --output.
    Simulate {
        /// 全国地方公共団体コード; may be left out when there is one municipality.
        #[arg(long)]
        municipality: Option<String>,
        /// 年度: 2027, 令和9.
        #[arg(long)]
        fiscal_year: String,
        /// The scheme's name, when the 年度 has more than one.
        #[arg(long)]
        name: Option<String>,
        /// Write the calculation as an Excel workbook (.xlsx) here.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

pub async fn run(db: &Db, command: &GrantsCommand) -> Result<()> {
    let GrantsCommand::Simulate {
        municipality,
        fiscal_year,
        name,
        output,
    } = command;
    let muni = super::municipality(db, municipality.as_deref()).await?;
    let fy = kyodo_core::wareki::parse_fiscal_year(fiscal_year)
        .ok_or_else(|| anyhow!("--fiscal-year: 年度は「2027」「令和9」のように指定してください"))?;
    let schemes: Vec<_> = kyodo_store::grants::schemes::list(db, muni.id)
        .await?
        .into_iter()
        .filter(|s| s.fiscal_year == fy && name.as_ref().is_none_or(|n| &s.name == n))
        .collect();
    let scheme = match schemes.as_slice() {
        [one] => one,
        [] => {
            return Err(anyhow!(
                "{}の交付金の算定式がありません",
                kyodo_core::wareki::format_fiscal_year(fy)
            ));
        }
        several => {
            let names: Vec<&str> = several.iter().map(|s| s.name.as_str()).collect();
            return Err(anyhow!(
                "算定式が複数あります。--name で選んでください: {}",
                names.join("、")
            ));
        }
    };
    let calc =
        kyodo_store::grants::schemes::calculate(db, &muni.scheme, scheme, &scheme.formula, &scheme.staffed.0).await?;
    if let Some(path) = output {
        let sheet = kyodo_web::grants::schemes::calculation_sheet(&scheme.formula, &calc);
        let bytes = kyodo_web::xlsx::workbook(vec![sheet]).map_err(|e| anyhow!("xlsx: {}", e.message()))?;
        std::fs::write(path, bytes).with_context(|| format!("{} に書き込めません", path.display()))?;
        eprintln!("{} に書き出しました（{}団体）", path.display(), calc.allocations.len());
        return Ok(());
    }
    println!(
        "{}　{}（基準日 {}）",
        kyodo_core::wareki::format_fiscal_year(fy),
        scheme.name,
        scheme.reference_date
    );
    println!("団体\t交付額\t前年度\t増減");
    for a in &calc.allocations {
        println!(
            "{}\t{}\t{}\t{}",
            a.name,
            grouped(a.amount),
            a.last_year.map(grouped).unwrap_or_default(),
            a.change().map(grouped).unwrap_or_default()
        );
    }
    println!("合計\t{}\t{}", grouped(calc.total), grouped(calc.last_year_total));
    if let Some(left) = calc.budget_left() {
        println!(
            "予算額 {} 円、残り {} 円",
            grouped(calc.budget_yen.unwrap_or_default()),
            grouped(left)
        );
    }
    Ok(())
}
