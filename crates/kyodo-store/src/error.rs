//! What can go wrong in the store, in terms the web layer can answer.

use kyodo_core::csv_import::ImportError;
use kyodo_core::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration {version} failed: {source}")]
    Migration {
        version: i64,
        #[source]
        source: sqlx::Error,
    },
    #[error("unsupported database URL (use sqlite://PATH or postgres://…)")]
    UnsupportedUrl,
    #[error("not found")]
    NotFound,
    /// Someone else changed the record since the caller read it.
    #[error("the record was changed by someone else")]
    Conflict,
    /// The input is wrong; each message says which field and why.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The action is refused for a reason the user can act on.
    #[error("refused: {0}")]
    Refused(String),
    /// An import was refused; nothing was written.
    #[error("import refused: {} problems", .0.len())]
    Import(Vec<ImportError>),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<FieldErrors> for StoreError {
    fn from(errors: FieldErrors) -> Self {
        StoreError::Invalid(errors)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
