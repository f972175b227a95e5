//! CSV import and export of the foundation records, as the web pages, the
//! API and the command line all use them: bytes in, report out; all or
//! nothing.

use chrono::NaiveDate;
pub mod runs;

use std::sync::Arc;

use kyodo_core::csv_import::{self, DataKind, ImportError, ImportProgress, ImportReport};
use kyodo_core::encoding::{self, TextEncoding};
use kyodo_core::scheme::SchemeSettings;

use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{Result, StoreError};

/// A CSV file to import: what it holds, its bytes (UTF-8 or CP932), and
/// whether to only check it.
pub struct ImportFile {
    pub kind: DataKind,
    pub bytes: Vec<u8>,
    pub dry_run: bool,
}

/// Imports a CSV file. Undecodable bytes, a bad header or any bad line
/// refuses the whole file with every problem listed; nothing is written.
/// The bytes are let go once decoded, so a large file is held once, not twice.
pub async fn import_csv(
    db: &Db,
    actor: &Actor,
    scheme: &SchemeSettings,
    file: ImportFile,
    today: NaiveDate,
    progress: Arc<ImportProgress>,
) -> Result<ImportReport> {
    let ImportFile { kind, bytes, dry_run } = file;
    let decoded = encoding::decode_csv(&bytes);
    drop(bytes);
    let (text, detected) = decoded.map_err(|e| {
        StoreError::Import(vec![ImportError::new(
            match &e {
                encoding::EncodingError::Undecodable { line } => u64::try_from(*line).unwrap_or(0),
                _ => 1,
            },
            None,
            e.to_string(),
        )])
    })?;
    let report = match kind {
        // A staff file can be a whole prefecture's: read a line at a time.
        DataKind::Staff => crate::staff::import(db, actor, scheme, text, dry_run, today, progress).await?,
        DataKind::Areas => {
            let lines = parse(&text, kind)?;
            crate::areas::import(db, actor, scheme.area_levels.len(), lines, dry_run).await?
        }
        DataKind::Departments => crate::departments::import(db, actor, parse(&text, kind)?, dry_run).await?,
        DataKind::Organisations => {
            crate::organisations::import(db, actor, scheme, parse(&text, kind)?, dry_run).await?
        }
        DataKind::AreaFigures => crate::grants::figures::import(db, actor, parse(&text, kind)?, dry_run).await?,
    };
    let count = report.created.len() + report.updated.len() + report.unchanged;
    if !dry_run && report.created.len() + report.updated.len() > 1000 {
        // A large import changes the table's shape: refresh the planner's
        // statistics now rather than when autovacuum gets to it.
        db.execute_raw(&format!("ANALYZE {}", kind.as_str())).await?;
    }
    if !dry_run {
        audit::record_now(
            db,
            actor,
            Event {
                action: kyodo_core::audit::kind::IMPORT,
                entity: kind.as_str(),
                entity_id: None,
                detail: Some(serde_json::json!({
                    "lines": count,
                    "encoding": detected.as_str(),
                    "created": report.created.len(),
                    "updated": report.updated.len(),
                    "unchanged": report.unchanged,
                })),
            },
        )
        .await?;
    }
    Ok(report)
}

/// The lines of a small table (districts, departments, organisations), all at once.
fn parse(text: &str, kind: DataKind) -> Result<Vec<csv_import::CsvLine>> {
    csv_import::parse_table(text, kind.columns()).map_err(StoreError::Import)
}

/// The CSV text of every active record of `kind`, in an order that imports again.
pub async fn export_text(db: &Db, municipality_id: i64, scheme: &SchemeSettings, kind: DataKind) -> Result<String> {
    let rows: Vec<Vec<String>> = match kind {
        DataKind::Areas => crate::areas::export_rows(db, municipality_id)
            .await?
            .iter()
            .map(|r| r.csv_record(scheme))
            .collect(),
        DataKind::Departments => crate::departments::export_rows(db, municipality_id)
            .await?
            .iter()
            .map(|r| r.csv_record())
            .collect(),
        DataKind::Organisations => crate::organisations::export_rows(db, municipality_id)
            .await?
            .iter()
            .map(|r| r.csv_record())
            .collect(),
        DataKind::Staff => crate::staff::export_rows(db, municipality_id)
            .await?
            .iter()
            .map(|r| r.csv_record(scheme))
            .collect(),
        DataKind::AreaFigures => crate::grants::figures::export_rows(db, municipality_id).await?,
    };
    Ok(csv_import::write_table(kind.columns(), rows))
}

/// Why an export could not be written in the asked encoding.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Encoding(#[from] encoding::EncodingError),
}

/// The export as bytes in `enc` (UTF-8 with BOM, or CP932), logged.
pub async fn export_csv(
    db: &Db,
    actor: &Actor,
    scheme: &SchemeSettings,
    kind: DataKind,
    enc: TextEncoding,
) -> std::result::Result<Vec<u8>, ExportError> {
    let text = export_text(db, actor.municipality_id, scheme, kind).await?;
    let bytes = encoding::encode_csv(&text, enc)?;
    audit::record_now(
        db,
        actor,
        Event {
            action: kyodo_core::audit::kind::EXPORT,
            entity: kind.as_str(),
            entity_id: None,
            detail: Some(serde_json::json!({"encoding": enc.as_str()})),
        },
    )
    .await?;
    Ok(bytes)
}
