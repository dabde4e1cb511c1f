//! One set of migrations for both backends.
//!
//! Migrations under `migrations/` are written in portable SQL using
//! PostgreSQL's type names. For SQLite two types are translated on the fly:
//! `TIMESTAMPTZ` and `JSONB` become `TEXT` (sqlx stores UTC timestamps as
//! RFC 3339 text and JSON as text there). Everything else is common SQL.
//!
//! Applied versions are recorded in `schema_migrations`; each migration runs
//! in its own transaction (both databases have transactional DDL), so a
//! failure leaves the schema at the previous version.

use sqlx::Executor;

use super::{Db, Result, StoreError};

/// (version, name, SQL), in order. Embedded so the binary needs no files.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../migrations/0001_init.sql")),
    (2, "recordings", include_str!("../../migrations/0002_recordings.sql")),
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

fn for_sqlite(sql: &str) -> String {
    sql.replace("TIMESTAMPTZ", "TEXT").replace("JSONB", "TEXT")
}

/// Splits a migration into statements at semicolons that end a line.
fn statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(";\n").map(str::trim).filter(|s| {
        s.lines().any(|l| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with("--")
        })
    })
}

pub(super) async fn run(db: &Db) -> Result<Vec<&'static str>> {
    let mut applied = Vec::new();
    crate::with_pool!(db, |pool| {
        pool.execute(CREATE_TABLE).await?;
        let done: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(pool).await?;
        for (version, name, sql) in MIGRATIONS {
            if done.contains(version) {
                continue;
            }
            let sql = match db {
                Db::Sqlite(_) => for_sqlite(sql),
                Db::Postgres(_) => sql.to_string(),
            };
            let mut tx = pool.begin().await?;
            for statement in statements(&sql) {
                tx.execute(sqlx::AssertSqlSafe(statement))
                    .await
                    .map_err(|e| StoreError::Migration(format!("{version:04}_{name}: {e}\n  in: {statement}")))?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(version)
                .bind(*name)
                .bind(super::now().to_rfc3339())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            applied.push(*name);
        }
        Ok::<_, StoreError>(())
    })?;
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_and_skips_comment_only_chunks() {
        let sql = "-- header\nCREATE TABLE a (x TEXT);\n-- only a comment;\nCREATE INDEX i ON a (x);\n";
        let got: Vec<_> = statements(sql).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[1].starts_with("CREATE INDEX"));
    }

    #[test]
    fn sqlite_dialect_translates_only_types() {
        assert_eq!(for_sqlite("a TIMESTAMPTZ, b JSONB, c TEXT"), "a TEXT, b TEXT, c TEXT");
    }
}
