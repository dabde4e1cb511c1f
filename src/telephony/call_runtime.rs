//! Threads that run call tasks.
//!
//! A call task owns its webrtc-vad detector, which is `!Send`, so the task
//! cannot live on tokio's work-stealing pool. Each worker here is a plain
//! thread with a current-thread runtime and a `LocalSet`; a call is placed on
//! the worker with the fewest calls and stays there. The socket I/O stays on
//! the main runtime and talks to the call through channels.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::mpsc;

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

struct Worker {
    tx: mpsc::UnboundedSender<Job>,
    active: Arc<AtomicUsize>,
}

/// A small pool of single-threaded runtimes for `!Send` call tasks.
pub struct CallRuntime {
    workers: Vec<Worker>,
}

impl std::fmt::Debug for CallRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallRuntime").field("workers", &self.workers.len()).field("active", &self.active()).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CallRuntimeError {
    #[error("cannot start call worker: {0}")]
    Start(String),
    #[error("call workers have stopped")]
    Stopped,
}

impl CallRuntime {
    pub fn start(threads: usize) -> Result<Self, CallRuntimeError> {
        let mut workers = Vec::new();
        for index in 0..threads.max(1) {
            let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
            let active = Arc::new(AtomicUsize::new(0));
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| CallRuntimeError::Start(e.to_string()))?;
            let counter = Arc::clone(&active);
            std::thread::Builder::new()
                .name(format!("call-{index}"))
                .spawn(move || {
                    let local = tokio::task::LocalSet::new();
                    local.block_on(&runtime, async move {
                        while let Some(job) = rx.recv().await {
                            let counter = Arc::clone(&counter);
                            tokio::task::spawn_local(async move {
                                job().await;
                                counter.fetch_sub(1, Ordering::SeqCst);
                            });
                        }
                    });
                })
                .map_err(|e| CallRuntimeError::Start(e.to_string()))?;
            workers.push(Worker { tx, active });
        }
        Ok(CallRuntime { workers })
    }

    /// Calls running now.
    pub fn active(&self) -> usize {
        self.workers.iter().map(|w| w.active.load(Ordering::SeqCst)).sum()
    }

    /// Runs the future built by `make` on the least busy worker. `make` runs
    /// on that worker's thread, so the future may hold `!Send` state.
    pub fn spawn<F, Fut>(&self, make: F) -> Result<(), CallRuntimeError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let worker =
            self.workers.iter().min_by_key(|w| w.active.load(Ordering::SeqCst)).ok_or(CallRuntimeError::Stopped)?;
        worker.active.fetch_add(1, Ordering::SeqCst);
        let job: Job = Box::new(move || Box::pin(make()));
        worker.tx.send(job).map_err(|_| {
            worker.active.fetch_sub(1, Ordering::SeqCst);
            CallRuntimeError::Stopped
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[tokio::test]
    async fn runs_not_send_futures_and_balances() {
        let rt = CallRuntime::start(2).unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        for i in 0..4 {
            let tx = tx.clone();
            rt.spawn(move || async move {
                let local = Rc::new(i); // !Send state held across an await
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                let _ = tx.send((*local, std::thread::current().name().map(str::to_string)));
            })
            .unwrap();
        }
        assert_eq!(rt.active(), 4);
        let mut threads = std::collections::BTreeSet::new();
        for _ in 0..4 {
            let (_, name) = rx.recv().await.unwrap();
            threads.insert(name.unwrap());
        }
        assert_eq!(threads.len(), 2, "spread over both workers: {threads:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(rt.active(), 0);
    }
}
