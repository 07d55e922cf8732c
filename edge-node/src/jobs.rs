//! Long operations the officer watches (a large bundle import, a first sync): each is a job with
//! a progress count that the UI polls. Jobs live in memory; the last [`KEEP`] are kept.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// How many finished jobs are remembered.
pub const KEEP: usize = 32;

/// One job as the UI sees it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Job {
    /// Its number.
    pub id: u64,
    /// What it does, in words.
    pub what: String,
    /// Units of work done.
    pub done: u64,
    /// Units of work in all, once known (0 while unknown).
    pub total: u64,
    /// Whether it has ended.
    pub finished: bool,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// What it did, in words, once finished.
    pub result: Option<String>,
}

/// The node's jobs.
#[derive(Debug, Default)]
pub struct Jobs {
    inner: Mutex<(u64, Vec<Job>)>,
}

impl Jobs {
    fn with<T>(&self, f: impl FnOnce(&mut (u64, Vec<Job>)) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Starts a job and returns its number.
    pub fn start(&self, what: &str) -> u64 {
        self.with(|(next, jobs)| {
            *next += 1;
            jobs.push(Job {
                id: *next,
                what: what.to_owned(),
                done: 0,
                total: 0,
                finished: false,
                error: None,
                result: None,
            });
            let finished = jobs.iter().filter(|j| j.finished).count();
            if finished > KEEP {
                let mut drop = finished - KEEP;
                jobs.retain(|j| {
                    let gone = j.finished && drop > 0;
                    if gone {
                        drop -= 1;
                    }
                    !gone
                });
            }
            *next
        })
    }

    /// Reports progress.
    pub fn progress(&self, id: u64, done: u64, total: u64) {
        self.with(|(_, jobs)| {
            if let Some(j) = jobs.iter_mut().find(|j| j.id == id) {
                j.done = done;
                j.total = total;
            }
        })
    }

    /// Ends a job with its outcome.
    pub fn finish(&self, id: u64, outcome: Result<String, String>) {
        self.with(|(_, jobs)| {
            if let Some(j) = jobs.iter_mut().find(|j| j.id == id) {
                j.finished = true;
                match outcome {
                    Ok(r) => j.result = Some(r),
                    Err(e) => j.error = Some(e),
                }
            }
        })
    }

    /// One job.
    pub fn get(&self, id: u64) -> Option<Job> {
        self.with(|(_, jobs)| jobs.iter().find(|j| j.id == id).cloned())
    }

    /// The jobs still running.
    pub fn running(&self) -> Vec<Job> {
        self.with(|(_, jobs)| jobs.iter().filter(|j| !j.finished).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_report_progress_and_outcome_and_old_ones_are_forgotten() {
        let jobs = Jobs::default();
        let id = jobs.start("import bundle");
        jobs.progress(id, 3, 10);
        assert_eq!(jobs.running().len(), 1);
        assert_eq!(jobs.get(id).unwrap().done, 3);
        jobs.finish(id, Ok("10 documents".into()));
        let job = jobs.get(id).unwrap();
        assert!(job.finished && job.result.as_deref() == Some("10 documents"));
        assert!(jobs.running().is_empty());
        for _ in 0..(KEEP + 5) {
            let j = jobs.start("sync");
            jobs.finish(j, Err("unreachable".into()));
        }
        assert!(
            jobs.get(id).is_none(),
            "the oldest finished job is forgotten"
        );
    }
}
