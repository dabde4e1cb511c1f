//! Latency percentiles through hdrhistogram (microsecond resolution, three
//! significant digits), so p95/p99 are exact to 0.1% however many turns.

use hdrhistogram::Histogram;
use serde::Serialize;

/// Percentiles of a set of millisecond samples.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub count: u64,
    pub min_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Summary {
    /// Negative samples (agent talked before the caller finished) count as 0.
    pub fn of(samples_ms: &[f64]) -> Summary {
        let Ok(mut h) = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3) else {
            return Summary::default();
        };
        for &s in samples_ms {
            let us = (s.max(0.0) * 1000.0).round() as u64;
            // Out-of-range values (over an hour) saturate rather than vanish.
            h.saturating_record(us.max(1));
        }
        if h.is_empty() {
            return Summary::default();
        }
        let q = |p: f64| h.value_at_quantile(p) as f64 / 1000.0;
        Summary {
            count: h.len(),
            min_ms: h.min() as f64 / 1000.0,
            p50_ms: q(0.50),
            p90_ms: q(0.90),
            p95_ms: q(0.95),
            p99_ms: q(0.99),
            max_ms: h.max() as f64 / 1000.0,
            mean_ms: h.mean() / 1000.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let samples: Vec<f64> = (1..=1000).map(f64::from).collect();
        let s = Summary::of(&samples);
        assert_eq!(s.count, 1000);
        assert!((s.p50_ms - 500.0).abs() <= 0.5, "{s:?}");
        assert!((s.p95_ms - 950.0).abs() <= 1.0, "{s:?}");
        assert!((s.max_ms - 1000.0).abs() <= 1.0, "{s:?}");
        assert_eq!(Summary::of(&[]).count, 0);
    }
}
