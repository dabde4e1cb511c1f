//! CPU time and resident memory of the server process, from `/proc/PID`
//! (Linux). With the in-process server that is this process, so the
//! harness's own callers are included; they are cheap next to Whisper and
//! Piper, and the report says so. A spawned server is measured alone.

use std::time::Instant;

/// A point-in-time reading.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub at: Instant,
    /// User + system CPU seconds so far.
    pub cpu_secs: f64,
    pub rss_bytes: u64,
}

/// Reads process `pid` (`None`: nothing to read, e.g. a server on another machine).
pub fn sample(pid: Option<u32>) -> Option<Sample> {
    let dir = format!("/proc/{}", pid?);
    let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("{dir}/status")).ok()?;
    let rss_kb: u64 = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.split_whitespace().next()?.parse().ok()?;
    // USER_HZ is 100 on every Linux we run on.
    Some(Sample { at: Instant::now(), cpu_secs: ticks / 100.0, rss_bytes: rss_kb * 1024 })
}

/// CPU cores used on average between two samples.
pub fn cores_used(a: &Sample, b: &Sample) -> f64 {
    let wall = b.at.duration_since(a.at).as_secs_f64();
    if wall <= 0.0 { 0.0 } else { (b.cpu_secs - a.cpu_secs) / wall }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process() {
        let s = super::sample(Some(std::process::id())).expect("/proc/PID is readable");
        assert!(s.rss_bytes > 1024 * 1024, "{s:?}");
        assert!(s.cpu_secs >= 0.0);
    }
}
