//! SQLite: `VACUUM INTO` for the backup, a checked file renamed into place
//! for the restore.

use std::path::{Path, PathBuf};

use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use super::{BackupError, BackupFormat, Contents, Result, io, partial_path, sync_file, sync_parent};
use crate::db::Db;

pub(super) async fn backup(url: &str, db_path: &Path, output: &Path, partial: &Path) -> Result<BackupFormat> {
    if !db_path.is_file() {
        return Err(BackupError::MissingDatabase(db_path.to_owned()));
    }
    if let (Ok(a), Ok(b)) = (db_path.canonicalize(), output.canonicalize())
        && a == b
    {
        return Err(BackupError::OutputIsDatabase(output.to_owned()));
    }
    let _ = std::fs::remove_file(partial);
    let db = Db::connect(url).await?;
    let Db::Sqlite { read, .. } = &db else {
        unreachable!("a sqlite: URL opens SQLite");
    };
    let mut conn = read.acquire().await?;
    let contents = contents(&mut conn).await?;
    if !contents.kyodo {
        drop(conn);
        db.close().await;
        return Err(BackupError::NotKyodo(db_path.display().to_string()));
    }
    // A read transaction of its own: one snapshot, and writers are not blocked in WAL mode.
    let done = sqlx::query("VACUUM INTO ?")
        .bind(partial.to_string_lossy().into_owned())
        .execute(&mut *conn)
        .await;
    drop(conn);
    db.close().await;
    done?;
    check_file(partial).await?;
    Ok(BackupFormat::Sqlite)
}

async fn open_file(path: &Path) -> Result<SqliteConnection> {
    let options = SqliteConnectOptions::new().filename(path).create_if_missing(false);
    Ok(SqliteConnection::connect_with(&options).await?)
}

/// Checks a copied database and makes it one self-contained file (no WAL).
async fn check_file(path: &Path) -> Result<()> {
    let corrupt = |reason: String| BackupError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let mut conn = open_file(path).await.map_err(|e| corrupt(e.to_string()))?;
    let checked: Result<()> = async {
        sqlx::query("PRAGMA journal_mode = DELETE")
            .execute(&mut conn)
            .await
            .map_err(|e| corrupt(e.to_string()))?;
        let verdict: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut conn)
            .await
            .map_err(|e| corrupt(e.to_string()))?;
        if verdict != ["ok"] {
            return Err(corrupt(format!(
                "整合性の検査で誤りが見つかりました: {}",
                verdict.join("; ")
            )));
        }
        if !contents(&mut conn).await?.kyodo {
            return Err(corrupt("kyodo_migrations 表がありません".to_owned()));
        }
        Ok(())
    }
    .await;
    conn.close().await?;
    checked
}

async fn contents(conn: &mut SqliteConnection) -> Result<Contents> {
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .fetch_one(&mut *conn)
            .await?;
    let kyodo: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'kyodo_migrations'")
            .fetch_one(&mut *conn)
            .await?;
    let with_municipalities: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'municipalities'")
            .fetch_one(&mut *conn)
            .await?;
    let municipalities = if with_municipalities > 0 {
        sqlx::query_scalar("SELECT count(*) FROM municipalities")
            .fetch_one(&mut *conn)
            .await?
    } else {
        0
    };
    Ok(Contents {
        tables,
        kyodo: kyodo > 0,
        municipalities,
    })
}

/// Copies the backup beside the target, checks it there, and renames it into
/// place; the target's journal files go with the file they belonged to.
pub(super) async fn restore(input: &Path, target: &Path, force: bool) -> Result<bool> {
    let staged = partial_path(target, "restore");
    let _ = std::fs::remove_file(&staged);
    tokio::fs::copy(input, &staged)
        .await
        .map_err(io(&staged, "書き込めません"))?;
    let result = async {
        check_file(&staged).await.map_err(|e| match e {
            BackupError::Corrupt { reason, .. } => BackupError::Corrupt {
                path: input.to_owned(),
                reason,
            },
            other => other,
        })?;
        let replaced = match std::fs::metadata(target) {
            Ok(m) if m.len() > 0 => {
                let mut conn = open_file(target).await?;
                let contents = contents(&mut conn).await;
                let checkpoint = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await;
                conn.close().await?;
                let contents = contents?;
                checkpoint?;
                if let (Some(why), false) = (contents.occupied(), force) {
                    return Err(BackupError::NotEmpty(why));
                }
                contents.tables > 0
            }
            _ => false,
        };
        sync_file(&staged)?;
        Ok(replaced)
    }
    .await;
    let replaced = match result {
        Ok(replaced) => replaced,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    // A journal left beside the new file would be replayed into it.
    for suffix in ["-wal", "-shm", "-journal"] {
        let stale = PathBuf::from(format!("{}{suffix}", target.display()));
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&stale, "消せません")(e)),
        }
    }
    std::fs::rename(&staged, target).map_err(io(target, "書き込めません"))?;
    sync_parent(target);
    Ok(replaced)
}
