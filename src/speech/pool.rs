//! A bounded pool of worker threads for CPU-heavy inference.
//!
//! Whisper and Piper each take tens to hundreds of milliseconds of pure CPU per
//! request. Running that on tokio's workers would stall every call's audio
//! pacing, so jobs go through a bounded channel to dedicated `std` threads.
//! The bound is the backpressure: when all workers are busy and the queue is
//! full, async submitters wait (or `try_submit` fails fast with `Busy`), so
//! memory and latency stay bounded under load. Jobs start in FIFO order.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::error::{Result, SpeechError};

/// Counters shared by the pool and its workers.
#[derive(Debug, Default)]
struct Gauges {
    /// Submitted (including those waiting for a queue slot) but not started.
    waiting: AtomicUsize,
    /// Being processed right now.
    running: AtomicUsize,
}

pub(crate) struct Pool<J: Send + 'static> {
    engine: &'static str,
    tx: mpsc::Sender<J>,
    gauges: Arc<Gauges>,
    capacity: usize,
    workers: usize,
}

impl<J: Send + 'static> Pool<J> {
    /// Starts one thread per worker. `workers` are built by the caller (so
    /// model-loading errors surface here, not inside a thread).
    pub(crate) fn start<W>(engine: &'static str, workers: Vec<W>, capacity: usize) -> Result<Self>
    where
        W: FnMut(J) + Send + 'static,
    {
        let capacity = capacity.max(1);
        let (tx, rx) = mpsc::channel::<J>(capacity);
        let rx = Arc::new(Mutex::new(rx));
        let gauges = Arc::new(Gauges::default());
        let count = workers.len();
        for (index, mut work) in workers.into_iter().enumerate() {
            let rx = Arc::clone(&rx);
            let gauges = Arc::clone(&gauges);
            std::thread::Builder::new()
                .name(format!("{engine}-{index}"))
                .spawn(move || {
                    loop {
                        // Only idle workers contend for the lock; the holder
                        // sleeps in blocking_recv until a job arrives.
                        let job = {
                            let mut guard = rx.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                            guard.blocking_recv()
                        };
                        let Some(job) = job else { break };
                        gauges.waiting.fetch_sub(1, Ordering::SeqCst);
                        gauges.running.fetch_add(1, Ordering::SeqCst);
                        // A panic in one job must not take the worker down with
                        // it; the job's reply channel is dropped, so its caller
                        // sees an error.
                        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| work(job)));
                        gauges.running.fetch_sub(1, Ordering::SeqCst);
                        if outcome.is_err() {
                            tracing::error!(engine, "speech worker job panicked");
                        }
                    }
                })
                .map_err(|e| SpeechError::Transcription(format!("cannot start {engine} worker thread: {e}")))?;
        }
        Ok(Self { engine, tx, gauges, capacity, workers: count })
    }

    /// Queues a job, waiting for a free slot when the queue is full.
    pub(crate) async fn submit(&self, job: J) -> Result<()> {
        self.gauges.waiting.fetch_add(1, Ordering::SeqCst);
        if self.tx.send(job).await.is_err() {
            self.gauges.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(SpeechError::Closed(self.engine));
        }
        Ok(())
    }

    /// Queues a job or fails at once with `Busy` when the queue is full.
    pub(crate) fn try_submit(&self, job: J) -> Result<()> {
        self.gauges.waiting.fetch_add(1, Ordering::SeqCst);
        match self.tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.gauges.waiting.fetch_sub(1, Ordering::SeqCst);
                Err(match e {
                    mpsc::error::TrySendError::Full(_) => {
                        SpeechError::Busy { engine: self.engine, capacity: self.capacity }
                    }
                    mpsc::error::TrySendError::Closed(_) => SpeechError::Closed(self.engine),
                })
            }
        }
    }

    pub(crate) fn queue_depth(&self) -> usize {
        self.gauges.waiting.load(Ordering::SeqCst)
    }

    pub(crate) fn running(&self) -> usize {
        self.gauges.running.load(Ordering::SeqCst)
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn workers(&self) -> usize {
        self.workers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::oneshot;

    type Job = (u32, oneshot::Sender<u32>);

    fn slow_pool(workers: usize, capacity: usize) -> Pool<Job> {
        let workers = (0..workers)
            .map(|_| {
                |(n, reply): Job| {
                    std::thread::sleep(Duration::from_millis(20));
                    let _ = reply.send(n * 2);
                }
            })
            .collect();
        Pool::start("test", workers, capacity).unwrap()
    }

    #[tokio::test]
    async fn try_submit_reports_busy_when_full_and_recovers() {
        let pool = slow_pool(1, 1);
        let mut replies = Vec::new();
        let mut busy = 0;
        for n in 0..10 {
            let (tx, rx) = oneshot::channel();
            match pool.try_submit((n, tx)) {
                Ok(()) => replies.push(rx),
                Err(SpeechError::Busy { capacity: 1, .. }) => busy += 1,
                Err(other) => panic!("{other}"),
            }
        }
        assert!(busy >= 7, "only {busy} rejected");
        for rx in replies {
            rx.await.unwrap();
        }
        assert_eq!(pool.queue_depth(), 0);
        let (tx, rx) = oneshot::channel();
        pool.try_submit((21, tx)).unwrap();
        assert_eq!(rx.await.unwrap(), 42);
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_kill_the_worker() {
        let workers = vec![|(n, reply): Job| {
            assert!(n != 13, "unlucky");
            let _ = reply.send(n);
        }];
        let pool = Pool::start("test", workers, 4).unwrap();
        let (tx, rx) = oneshot::channel();
        pool.submit((13, tx)).await.unwrap();
        assert!(rx.await.is_err(), "the panicked job's caller sees an error");
        let (tx, rx) = oneshot::channel();
        pool.submit((7, tx)).await.unwrap();
        assert_eq!(rx.await.unwrap(), 7);
        // The worker marks itself idle just after replying: give it a moment.
        for _ in 0..100 {
            if pool.running() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(pool.running(), 0);
    }
}
