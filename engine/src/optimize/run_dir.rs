//! A run directory: what an optimize run did, written as it happens, so that a run killed at
//! any moment resumes without losing or repeating a finished evaluation.
//!
//! - `run.json`: the run's settings ([`RunManifest`]), written once, atomically.
//! - `candidates.jsonl`: one [`CandidateRecord`] per evaluated candidate, written as each
//!   finishes (once written, a killed process loses nothing), and synced to disk in groups by
//!   [`RunDir::sync`] (the optimizer syncs a round's records while the next round runs, so a
//!   machine crash loses at most the records since then, which resume evaluates again). A
//!   line cut short by a kill or a crash is dropped (and truncated away) on resume.
//! - `best.py`: the best policy so far, replaced atomically whenever it improves.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{CrashReport, Limits};

const MANIFEST: &str = "run.json";
const CANDIDATES: &str = "candidates.jsonl";
const BEST: &str = "best.py";
const FORMAT_VERSION: u32 = 1;

/// The settings a run was started with; a resumed run keeps them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunManifest {
    pub format_version: u32,
    pub env_id: String,
    /// Where candidates come from (`tuner`: the built-in constant tuner).
    pub proposer: String,
    pub seed: u64,
    pub rounds: u32,
    pub candidates_per_round: u32,
    pub episodes_per_candidate: u32,
    /// Stop once this many environment steps were spent, if set.
    pub budget_env_steps: Option<u64>,
    /// Cap on each episode's length, if set.
    pub max_episode_steps: Option<u64>,
    pub limits: Limits,
    /// The policy the run starts from.
    pub start_source: String,
    /// The model that proposes candidates (`None`: the tuner alone).
    #[serde(default)]
    pub model: Option<ModelSettings>,
    /// Stop once the model calls used this many tokens, if set.
    #[serde(default)]
    pub budget_tokens: Option<u64>,
    /// Stop once the model calls cost this many US dollars, if set.
    #[serde(default)]
    pub budget_usd: Option<f64>,
    /// Multi-agent worlds: the number of agents in self-play (`None`: the world's default).
    #[serde(default)]
    pub num_agents: Option<usize>,
    /// Multi-agent worlds: what the refinement prompt shows of each candidate.
    #[serde(default)]
    pub social_feedback: SocialFeedback,
}

/// What a refinement prompt shows of a multi-agent candidate besides its source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocialFeedback {
    /// The mean return alone.
    #[default]
    Sparse,
    /// The mean return and the four social metrics (efficiency, equality, sustainability,
    /// peace).
    Dense,
}

/// How a model is asked, recorded so a resumed run asks the same way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSettings {
    pub provider: ProviderSpec,
    /// Repair prompts per crashed candidate.
    pub max_repairs: u32,
    pub temperature: f64,
    pub max_tokens: u32,
    /// Earlier candidates shown in a refinement prompt.
    pub history_size: u32,
    /// Tuner rounds after the model rounds, starting from the model's best candidate.
    pub tune_rounds: u32,
    /// Directory of prompt templates overriding the shipped ones.
    pub prompts_dir: Option<PathBuf>,
    /// Ask the model once for a `Feedback` class whose trajectory summaries go into the
    /// refinement prompts (kept as `feedback.py` in the run directory).
    #[serde(default)]
    pub model_feedback: bool,
}

/// Which model provider (keys are never recorded: they are read again on resume).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderSpec {
    Http(crate::llm::HttpProviderConfig),
    Replay { path: PathBuf },
}

/// One evaluated candidate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateRecord {
    /// Round 0 is the start policy; tuning rounds count from 1.
    pub round: u32,
    pub index: u32,
    /// The constants this candidate's source was rendered with.
    pub params: Vec<f64>,
    pub source: String,
    pub returns: Vec<f64>,
    /// Mean over `returns`; `None` when the candidate crashed or played no episode.
    pub mean_return: Option<f64>,
    pub env_steps: u64,
    pub fuel_used: u64,
    /// The first crash, if any (a crash scores the candidate as failed, never as neutral).
    pub crash: Option<CrashReport>,
    pub elapsed_ms: u64,
    /// Where the candidate came from.
    #[serde(default)]
    pub origin: Origin,
    /// Repair attempt (0 for the candidate as first proposed).
    #[serde(default)]
    pub attempt: u32,
    /// The model call that produced it, for model candidates.
    #[serde(default)]
    pub model_call: Option<ModelCall>,
    /// A candidate that could not be run at all (the model call failed, or its answer held no
    /// usable code): why. Scored as failed.
    #[serde(default)]
    pub failure: Option<String>,
    /// Multi-agent worlds: the self-play episodes' mean social metrics.
    #[serde(default)]
    pub metrics: Option<crate::SocialMetrics>,
}

/// Where a candidate came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The policy the run starts from.
    Start,
    /// The built-in constant tuner.
    #[default]
    Tuner,
    /// A model's answer.
    Model,
    /// A model's fix of a crashed candidate.
    Repair,
}

/// One model call, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCall {
    pub provider: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: Option<f64>,
    pub latency_ms: u64,
    pub attempts: u32,
    /// The answer, cut to 20,000 characters.
    pub answer: String,
}

impl CandidateRecord {
    /// The score the optimizer ranks by: the mean return of a candidate that never crashed.
    pub fn score(&self) -> Option<f64> {
        if self.crash.is_some() || self.failure.is_some() {
            None
        } else {
            self.mean_return.filter(|m| m.is_finite())
        }
    }
}

/// A failure reading or writing the run directory.
#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a run directory of this version: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error("{0} already holds a run; resume it or choose another directory")]
    Exists(PathBuf),
}

/// An open run directory.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
    manifest: RunManifest,
    records: Vec<CandidateRecord>,
    log: File,
    /// Records written to `log` since it was last synced.
    unsynced: usize,
}

impl RunDir {
    /// Starts a new run in `path` (created if missing; refused if it already holds a run).
    pub fn create(path: &Path, mut manifest: RunManifest) -> Result<RunDir, RunDirError> {
        manifest.format_version = FORMAT_VERSION;
        let io = |source| RunDirError::Io {
            path: path.to_owned(),
            source,
        };
        std::fs::create_dir_all(path).map_err(io)?;
        if path.join(MANIFEST).exists() {
            return Err(RunDirError::Exists(path.to_owned()));
        }
        let text = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
        write_atomically(&path.join(MANIFEST), text.as_bytes()).map_err(io)?;
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path.join(CANDIDATES))
            .map_err(io)?;
        Ok(RunDir {
            path: path.to_owned(),
            manifest,
            records: Vec::new(),
            log,
            unsynced: 0,
        })
    }

    /// Reopens the run in `path`, keeping every complete record.
    pub fn open(path: &Path) -> Result<RunDir, RunDirError> {
        let manifest_path = path.join(MANIFEST);
        let text = std::fs::read_to_string(&manifest_path).map_err(|source| RunDirError::Io {
            path: manifest_path.clone(),
            source,
        })?;
        let manifest: RunManifest =
            serde_json::from_str(&text).map_err(|error| RunDirError::Manifest {
                path: manifest_path.clone(),
                message: error.to_string(),
            })?;
        if manifest.format_version != FORMAT_VERSION {
            return Err(RunDirError::Manifest {
                path: manifest_path,
                message: format!("format version {}", manifest.format_version),
            });
        }
        let log_path = path.join(CANDIDATES);
        let io = |source| RunDirError::Io {
            path: log_path.clone(),
            source,
        };
        let mut log = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&log_path)
            .map_err(io)?;
        let (records, complete_len) = read_records(&mut log).map_err(io)?;
        // A kill mid-line leaves a partial record: cut it off so appends start clean.
        log.set_len(complete_len).map_err(io)?;
        log.seek(SeekFrom::End(0)).map_err(io)?;
        Ok(RunDir {
            path: path.to_owned(),
            manifest,
            records,
            log,
            unsynced: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn manifest(&self) -> &RunManifest {
        &self.manifest
    }

    /// Every record so far, in the order they finished.
    pub fn records(&self) -> &[CandidateRecord] {
        &self.records
    }

    /// The record of candidate `index` of `round`, if it was evaluated.
    pub fn record(&self, round: u32, index: u32) -> Option<&CandidateRecord> {
        self.records
            .iter()
            .find(|r| r.round == round && r.index == index)
    }

    /// The latest attempt at candidate `index` of `round` (repairs count up), if any.
    pub fn latest(&self, round: u32, index: u32) -> Option<&CandidateRecord> {
        self.records
            .iter()
            .filter(|r| r.round == round && r.index == index)
            .max_by_key(|r| r.attempt)
    }

    /// The best-scoring record so far (the earliest among equals).
    pub fn best(&self) -> Option<&CandidateRecord> {
        best_of(&self.records)
    }

    /// A file of the run directory other than the records (`feedback.py`), if present.
    pub fn read_file(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.path.join(name)).ok()
    }

    /// Writes a file of the run directory atomically.
    pub fn write_file(&self, name: &str, text: &str) -> Result<(), RunDirError> {
        let path = self.path.join(name);
        write_atomically(&path, text.as_bytes()).map_err(|source| RunDirError::Io { path, source })
    }

    /// Appends `record` (written to the file before this returns, so a kill of this process
    /// cannot lose it; see [`RunDir::sync`] for a crash of the machine), and rewrites
    /// `best.py` if it is the new best.
    pub fn append(&mut self, record: CandidateRecord) -> Result<(), RunDirError> {
        let mut line = serde_json::to_string(&record).expect("record serializes");
        line.push('\n');
        self.log
            .write_all(line.as_bytes())
            .map_err(|source| self.log_error(source))?;
        self.unsynced += 1;
        let improves = match (record.score(), self.best().and_then(CandidateRecord::score)) {
            (Some(new), Some(old)) => new > old,
            (Some(_), None) => true,
            _ => false,
        };
        if improves {
            let best_path = self.path.join(BEST);
            write_atomically(&best_path, record.source.as_bytes()).map_err(|source| {
                RunDirError::Io {
                    path: best_path,
                    source,
                }
            })?;
        }
        self.records.push(record);
        Ok(())
    }

    /// Makes every appended record durable on disk. One sync per group of records rather
    /// than per record: syncing each of a fast round's records cost the optimizer about 5%
    /// of its candidates per second on two workers here.
    pub fn sync(&mut self) -> Result<(), RunDirError> {
        if self.unsynced > 0 {
            self.log
                .sync_data()
                .map_err(|source| self.log_error(source))?;
            self.unsynced = 0;
        }
        Ok(())
    }

    fn log_error(&self, source: std::io::Error) -> RunDirError {
        RunDirError::Io {
            path: self.path.join(CANDIDATES),
            source,
        }
    }
}

impl Drop for RunDir {
    /// Syncs what is left unsynced; an error here has no one to go to (callers that need to
    /// know call [`RunDir::sync`] first).
    fn drop(&mut self) {
        let _ = self.sync();
    }
}

/// The best-scoring record (the earliest among equals).
pub fn best_of(records: &[CandidateRecord]) -> Option<&CandidateRecord> {
    records.iter().filter(|r| r.score().is_some()).fold(
        None,
        |best: Option<&CandidateRecord>, r| match best {
            Some(b) if b.score() >= r.score() => Some(b),
            _ => Some(r),
        },
    )
}

/// The complete records in `log` and the byte length they span.
fn read_records(log: &mut File) -> std::io::Result<(Vec<CandidateRecord>, u64)> {
    log.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::new(&*log);
    let mut records = Vec::new();
    let mut complete = 0u64;
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader.read_line(&mut line)?;
        if read == 0 || !line.ends_with('\n') {
            break;
        }
        match serde_json::from_str::<CandidateRecord>(line.trim_end()) {
            Ok(record) => records.push(record),
            // A damaged line ends what can be trusted.
            Err(_) => break,
        }
        complete += read as u64;
    }
    Ok((records, complete))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::atomic_file::write_atomically(path, |file| file.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> RunManifest {
        RunManifest {
            format_version: FORMAT_VERSION,
            env_id: "CartPole-v1".into(),
            proposer: "tuner".into(),
            seed: 1,
            rounds: 2,
            candidates_per_round: 2,
            episodes_per_candidate: 1,
            budget_env_steps: None,
            max_episode_steps: None,
            limits: Limits::default(),
            start_source: "def act(obs):\n    return 0\n".into(),
            model: None,
            budget_tokens: None,
            budget_usd: None,
            num_agents: None,
            social_feedback: SocialFeedback::Sparse,
        }
    }

    fn record(round: u32, index: u32, mean: f64) -> CandidateRecord {
        CandidateRecord {
            round,
            index,
            params: vec![mean],
            source: format!("# {mean}\n"),
            returns: vec![mean],
            mean_return: Some(mean),
            env_steps: 10,
            fuel_used: 1,
            crash: None,
            elapsed_ms: 1,
            origin: Origin::Tuner,
            attempt: 0,
            model_call: None,
            failure: None,
            metrics: None,
        }
    }

    #[test]
    fn a_record_cut_short_by_a_kill_is_dropped_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut run = RunDir::create(dir.path(), manifest()).unwrap();
        run.append(record(0, 0, 5.0)).unwrap();
        run.append(record(1, 0, 9.0)).unwrap();
        run.append(record(1, 1, 7.0)).unwrap();
        drop(run);
        // Simulate kill -9 in the middle of writing a fourth record.
        let log = dir.path().join(CANDIDATES);
        let mut file = OpenOptions::new().append(true).open(&log).unwrap();
        file.write_all(b"{\"round\":2,\"index\":0,\"par").unwrap();
        drop(file);

        let mut run = RunDir::open(dir.path()).unwrap();
        assert_eq!(run.records().len(), 3);
        assert_eq!(run.best().unwrap().mean_return, Some(9.0));
        assert_eq!(
            std::fs::read_to_string(dir.path().join(BEST)).unwrap(),
            "# 9\n"
        );
        run.append(record(2, 0, 11.0)).unwrap();
        drop(run);
        let run = RunDir::open(dir.path()).unwrap();
        assert_eq!(run.records().len(), 4);
        assert!(run.record(2, 0).is_some());
        assert_eq!(
            std::fs::read_to_string(dir.path().join(BEST)).unwrap(),
            "# 11\n"
        );
    }

    #[test]
    fn appended_records_survive_a_kill_before_any_sync() {
        let dir = tempfile::tempdir().unwrap();
        let mut run = RunDir::create(dir.path(), manifest()).unwrap();
        run.append(record(0, 0, 5.0)).unwrap();
        run.sync().unwrap();
        run.append(record(1, 0, 9.0)).unwrap();
        run.append(record(1, 1, 7.0)).unwrap();
        assert_eq!(run.unsynced, 2);
        // A killed process runs no destructor: what `append` wrote must already be in the file.
        std::mem::forget(run);
        let run = RunDir::open(dir.path()).unwrap();
        assert_eq!(run.records().len(), 3);
        assert_eq!(run.record(1, 1).unwrap().mean_return, Some(7.0));
        assert_eq!(run.unsynced, 0);
    }

    #[test]
    fn json_round_trip_keeps_params_bit_exact() {
        // Regression: serde_json's default float parsing can be off by one ulp, which made a
        // resumed run's tuner drift from the uninterrupted run.
        let dir = tempfile::tempdir().unwrap();
        let mut run = RunDir::create(dir.path(), manifest()).unwrap();
        let mut written = record(1, 0, 1.0);
        written.params = vec![-0.43304708538516123, 0.29951675198696455, 5e-324, 1e300];
        run.append(written.clone()).unwrap();
        drop(run);
        let run = RunDir::open(dir.path()).unwrap();
        let read: Vec<u64> = run.records()[0]
            .params
            .iter()
            .map(|p| p.to_bits())
            .collect();
        let expected: Vec<u64> = written.params.iter().map(|p| p.to_bits()).collect();
        assert_eq!(read, expected);
    }

    #[test]
    fn a_directory_with_a_run_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        RunDir::create(dir.path(), manifest()).unwrap();
        assert!(matches!(
            RunDir::create(dir.path(), manifest()),
            Err(RunDirError::Exists(_))
        ));
    }
}
