//! Call recordings on disk: where they go, who may read them, and how long
//! they stay.
//!
//! Files live at `RECORDINGS_DIR/<tenant_id>/<call_id>.opus`, readable by the
//! server's user only. The database stores the part after `RECORDINGS_DIR`;
//! every path built from it is checked to stay inside the directory.
//!
//! Retention: [`purge_expired`] deletes, tenant by tenant, every recording
//! past its `recording_expires_at` (the call's end plus the tenant's
//! `recording_retention_days`), clears the call's recording columns and
//! writes one audit event per tenant. `serve` runs it hourly
//! ([`spawn_retention`]); tests call it directly with any "now".

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::store::{Db, StoreError, events, recordings};

/// How often `serve` purges expired recordings.
pub const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// Recordings deleted per tenant and query (the loop repeats until none are left).
const BATCH: i64 = 500;
/// Partial files older than this are left-overs of a crash and are removed.
const STALE_PART: Duration = Duration::from_secs(24 * 3600);

/// The path of a call's recording under `RECORDINGS_DIR`, if both ids are
/// plain (they are UUIDs; anything else is refused rather than escaped).
pub fn relative_path(tenant_id: &str, call_id: &str) -> Option<String> {
    let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (plain(tenant_id) && plain(call_id)).then(|| format!("{tenant_id}/{call_id}.opus"))
}

/// `dir/relative`, provided `relative` cannot leave `dir` (no `..`, no root).
pub fn resolve(dir: &Path, relative: &str) -> Option<PathBuf> {
    let rel = Path::new(relative);
    let normal = rel.components().all(|c| matches!(c, Component::Normal(_)));
    (normal && rel.components().count() > 0).then(|| dir.join(rel))
}

/// Creates a file only the server's user can read (recordings are personal data).
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// What one purge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Recordings unlinked (files deleted, or already missing).
    pub deleted: usize,
    /// Files that could not be deleted; their calls keep the link and the
    /// next run tries again.
    pub failed: usize,
    pub tenants: usize,
}

/// Deletes every recording expired at `now`, tenant by tenant.
pub async fn purge_expired(db: &Db, dir: &Path, now: DateTime<Utc>) -> Result<PurgeReport, StoreError> {
    let mut report = PurgeReport::default();
    for tenant in recordings::tenants_with_expired(db, now).await? {
        let mut deleted = Vec::new();
        let mut failed = 0;
        loop {
            let batch = recordings::expired(db, &tenant, now, BATCH).await?;
            let mut progressed = false;
            for rec in &batch {
                match delete_file(dir, &rec.path).await {
                    Ok(()) => {
                        recordings::detach(db, &tenant, &rec.call_id).await?;
                        deleted.push(rec.call_id.clone());
                        progressed = true;
                    }
                    Err(e) => {
                        tracing::error!(tenant = %tenant, call_id = %rec.call_id, error = %e, "could not delete an expired recording");
                        failed += 1;
                    }
                }
            }
            if batch.len() < BATCH as usize || !progressed {
                break;
            }
        }
        if !deleted.is_empty() {
            let meta = json!({ "deleted": deleted.len(), "call_ids": deleted, "failed": failed });
            if let Err(e) = events::audit(db, Some(&tenant), "system", "recordings.purge", None, None, meta).await {
                tracing::warn!(error = %e, "audit write failed");
            }
            tracing::info!(tenant = %tenant, deleted = deleted.len(), failed, "expired call recordings deleted");
        }
        report.deleted += deleted.len();
        report.failed += failed;
        report.tenants += 1;
    }
    remove_stale_parts(dir).await;
    Ok(report)
}

/// Deletes one recording file; one that is already gone counts as deleted.
async fn delete_file(dir: &Path, relative: &str) -> std::io::Result<()> {
    let Some(path) = resolve(dir, relative) else {
        // Not a path we wrote: nothing to delete, and it must not stay linked.
        tracing::warn!(relative, "recording path outside RECORDINGS_DIR ignored");
        return Ok(());
    };
    match tokio::fs::remove_file(&path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Removes `*.opus.part` files a crashed process left behind (never linked).
async fn remove_stale_parts(dir: &Path) {
    let Ok(mut tenants) = tokio::fs::read_dir(dir).await else { return };
    while let Ok(Some(tenant)) = tenants.next_entry().await {
        let Ok(mut files) = tokio::fs::read_dir(tenant.path()).await else { continue };
        while let Ok(Some(file)) = files.next_entry().await {
            let stale = file.metadata().await.ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
            if file.file_name().to_string_lossy().ends_with(".opus.part") && stale.is_some_and(|age| age > STALE_PART) {
                let _ = tokio::fs::remove_file(file.path()).await;
            }
        }
    }
}

/// Purges expired recordings every [`RETENTION_EVERY`], starting now.
pub fn spawn_retention(db: Db, dir: PathBuf) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RETENTION_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = purge_expired(&db, &dir, Utc::now()).await {
                tracing::error!(error = %e, "recording retention run failed; retrying in an hour");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_never_leave_the_directory() {
        let dir = Path::new("/srv/rec");
        assert_eq!(relative_path("t-1", "c-2").as_deref(), Some("t-1/c-2.opus"));
        assert_eq!(relative_path("../x", "c"), None);
        assert_eq!(relative_path("t", "a/b"), None);
        assert_eq!(relative_path("", "c"), None);
        assert_eq!(resolve(dir, "t/c.opus"), Some(PathBuf::from("/srv/rec/t/c.opus")));
        for bad in ["../etc/passwd", "/etc/passwd", "t/../../x", ""] {
            assert_eq!(resolve(dir, bad), None, "{bad}");
        }
    }
}
