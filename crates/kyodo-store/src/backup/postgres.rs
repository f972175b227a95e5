//! PostgreSQL: `pg_dump --format=custom` of kyodo's schema for the backup,
//! `pg_restore` in one transaction for the restore, both run as processes.

use std::path::Path;

use sqlx::PgPool;

use super::{BackupError, BackupFormat, Contents, Result, io};
use crate::db::Db;

/// A libpq connection URI without its password, and the password apart, so
/// that it reaches pg_dump through the environment instead of the process list.
fn libpq_url(url: &str) -> Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).map_err(|_| BackupError::UnsupportedUrl)?;
    let password = parsed
        .password()
        .map(|p| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned());
    if password.is_some() {
        parsed.set_password(None).map_err(|_| BackupError::UnsupportedUrl)?;
    }
    Ok((parsed.to_string(), password))
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn pg_tool(tool: &'static str, url: Option<&str>, args: &[String]) -> Result<String> {
    let mut command = tokio::process::Command::new(tool);
    command.args(args);
    if let Some(url) = url {
        let (url, password) = libpq_url(url)?;
        command.arg(format!("--dbname={url}"));
        if let Some(p) = password {
            command.env("PGPASSWORD", p);
        }
    }
    let out = command.output().await.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => BackupError::ToolMissing(tool),
        _ => BackupError::ToolFailed {
            tool,
            message: e.to_string(),
        },
    })?;
    if !out.status.success() {
        // The last lines say what went wrong; a failed restore can print many.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        return Err(BackupError::ToolFailed {
            tool,
            message: lines[lines.len().saturating_sub(5)..].join("\n"),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn current_schema(pool: &PgPool) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(pool)
        .await?)
}

async fn contents(pool: &PgPool, schema: &str) -> Result<Contents> {
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = $1")
        .bind(schema)
        .fetch_one(pool)
        .await?;
    let has = |table: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = $2")
            .bind(schema)
            .bind(table)
            .fetch_one(pool)
    };
    let kyodo = has("kyodo_migrations").await? > 0;
    let municipalities = if has("municipalities").await? > 0 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {}.municipalities",
            quote_ident(schema)
        )))
        .fetch_one(pool)
        .await?
    } else {
        0
    };
    Ok(Contents {
        tables,
        kyodo,
        municipalities,
    })
}

pub(super) async fn backup(url: &str, partial: &Path) -> Result<BackupFormat> {
    let db = Db::connect(url).await?;
    let Db::Postgres(pool) = &db else {
        unreachable!("a postgres: URL opens PostgreSQL");
    };
    let schema = current_schema(pool).await;
    let contents = match &schema {
        Ok(Some(s)) => contents(pool, s).await.map(Some),
        _ => Ok(None),
    };
    db.close().await;
    let schema = match (schema?, contents?) {
        (Some(s), Some(c)) if c.kyodo => s,
        _ => return Err(BackupError::NotKyodo(libpq_url(url)?.0)),
    };
    let _ = std::fs::remove_file(partial);
    // kyodo lives in one schema (`public` on a database of its own); dumping
    // just that schema keeps other schemas of a shared database out.
    pg_tool(
        "pg_dump",
        Some(url),
        &[
            "--format=custom".to_owned(),
            format!("--schema={}", quote_ident(&schema)),
            format!("--file={}", partial.display()),
        ],
    )
    .await?;
    dump_toc(partial).await?;
    Ok(BackupFormat::PostgresDump)
}

/// The archive's table of contents, and the schema its kyodo tables are in.
async fn dump_toc(path: &Path) -> Result<(String, String)> {
    let toc = pg_tool("pg_restore", None, &["--list".to_owned(), path.display().to_string()])
        .await
        .map_err(|e| match e {
            BackupError::ToolFailed { message, .. } => BackupError::Corrupt {
                path: path.to_owned(),
                reason: message,
            },
            other => other,
        })?;
    let schema = toc
        .lines()
        .filter(|l| !l.starts_with(';'))
        .find_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words.windows(2).position(|w| w == ["TABLE", "DATA"])?;
            (words.get(at + 3) == Some(&"kyodo_migrations")).then(|| words.get(at + 2).map(|s| s.to_string()))?
        })
        .ok_or_else(|| BackupError::Corrupt {
            path: path.to_owned(),
            reason: "kyodo_migrations 表がありません".to_owned(),
        })?;
    Ok((toc, schema))
}

/// Restores a custom archive onto the schema the target connection uses. An
/// existing schema is renamed aside and dropped only after pg_restore
/// committed, so a failed restore leaves the target as it was.
pub(super) async fn restore(input: &Path, url: &str, force: bool) -> Result<bool> {
    let (toc, schema) = dump_toc(input).await?;
    let db = Db::connect(url).await?;
    let Db::Postgres(pool) = &db else {
        unreachable!("a postgres: URL opens PostgreSQL");
    };
    let result = restore_on(pool, input, url, force, &toc, &schema).await;
    db.close().await;
    result
}

async fn restore_on(pool: &PgPool, input: &Path, url: &str, force: bool, toc: &str, schema: &str) -> Result<bool> {
    let quoted = quote_ident(schema);
    let exists: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname = $1")
        .bind(schema)
        .fetch_one(pool)
        .await?;
    let mut created = false;
    match current_schema(pool).await? {
        Some(s) if s == schema => {}
        Some(target) => {
            return Err(BackupError::SchemaMismatch {
                backup: schema.to_owned(),
                target: Some(target),
            });
        }
        None if exists > 0 => {
            return Err(BackupError::SchemaMismatch {
                backup: schema.to_owned(),
                target: None,
            });
        }
        None => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {quoted}")))
                .execute(pool)
                .await?;
            created = true;
            if current_schema(pool).await?.as_deref() != Some(schema) {
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {quoted}")))
                    .execute(pool)
                    .await;
                return Err(BackupError::SchemaMismatch {
                    backup: schema.to_owned(),
                    target: None,
                });
            }
        }
    }
    let contents = contents(pool, schema).await?;
    if let (Some(why), false) = (contents.occupied(), force) {
        return Err(BackupError::NotEmpty(why));
    }
    let aside = (contents.tables > 0).then(|| {
        let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S");
        format!("{schema}_before_restore_{stamp}")
    });
    if let Some(aside) = &aside {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ALTER SCHEMA {quoted} RENAME TO {}; CREATE SCHEMA {quoted}",
            quote_ident(aside)
        )))
        .execute(pool)
        .await?;
    }
    // The schema exists now; the archive's own CREATE SCHEMA would fail on it.
    let list: String = toc
        .lines()
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let is_schema = words.get(3) == Some(&"SCHEMA") || words.get(3..6) == Some(&["COMMENT", "-", "SCHEMA"]);
            if is_schema && !l.starts_with(';') {
                format!(";{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let list_path = std::env::temp_dir().join(format!("kyodo-restore-{}.list", std::process::id()));
    std::fs::write(&list_path, list).map_err(io(&list_path, "書き込めません"))?;
    let restored = pg_tool(
        "pg_restore",
        Some(url),
        &[
            "--single-transaction".to_owned(),
            "--exit-on-error".to_owned(),
            "--no-owner".to_owned(),
            "--no-privileges".to_owned(),
            format!("--use-list={}", list_path.display()),
            input.display().to_string(),
        ],
    )
    .await;
    let _ = std::fs::remove_file(&list_path);
    // One simple query runs as one transaction: the swap back is all or nothing.
    match (&restored, &aside) {
        (Ok(_), Some(aside)) => {
            let drop_aside = format!("DROP SCHEMA {} CASCADE", quote_ident(aside));
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(drop_aside)).execute(pool).await {
                tracing::warn!(schema = %aside, error = %e, "the replaced schema could not be dropped");
            }
        }
        (Err(_), Some(aside)) => {
            let swap_back = format!(
                "DROP SCHEMA {quoted} CASCADE; ALTER SCHEMA {} RENAME TO {quoted}",
                quote_ident(aside)
            );
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(swap_back)).execute(pool).await {
                tracing::error!(schema = %aside, error = %e, "the previous schema could not be put back");
            }
        }
        (Err(_), None) if created => {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {quoted} CASCADE")))
                .execute(pool)
                .await;
        }
        _ => {}
    }
    restored?;
    Ok(aside.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let (url, password) = libpq_url("postgres://kyodo:p%40ss@db.example:5432/kyodo?sslmode=require").unwrap();
        assert_eq!(url, "postgres://kyodo@db.example:5432/kyodo?sslmode=require");
        assert_eq!(password.as_deref(), Some("p@ss"));
        let (url, password) = libpq_url("postgres://postgres@127.0.0.1/k?options=-csearch_path%3Dt1").unwrap();
        assert_eq!(url, "postgres://postgres@127.0.0.1/k?options=-csearch_path%3Dt1");
        assert_eq!(password, None);
    }
}
