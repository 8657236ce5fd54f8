//! Where rollouts run: threads of this process, or child processes.
//!
//! Threads share one address space, and every fresh policy instance maps copy-on-write pages
//! of the guest's memory image and gives them back when it is dropped. With two threads
//! running, each of those page-table changes sends a TLB shootdown to the other core, so on a
//! 2-core machine two threads evaluate barely more candidates per second than one. Child
//! processes have their own address spaces and scale with the cores. A child is any program
//! that calls [`serve_rollouts`] on its standard input and output (the `ppo-sandbox` binary
//! does, as `ppo-sandbox rollout-worker`).
//!
//! The protocol is one JSON object per line: a [`RolloutRequest`] or a [`MatchRequest`] in,
//! a [`RolloutResponse`] out. A request gives the same report in a child as [`rollout`] or
//! [`play_match`](crate::play_match) gives in the parent.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, BufWriter, ErrorKind, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::envs::{self, Env, ParallelEnv};
use crate::multi_agent::play_requested;
use crate::{
    Engine, MatchConfig, MatchEpisode, PolicySource, RolloutConfig, RolloutReport, rollout,
};

/// Where a batch of rollouts runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Workers {
    /// Threads of this process.
    Threads {
        /// How many (0: one per core).
        count: usize,
    },
    /// Child processes, one per worker, each started as `program args…` and serving
    /// [`serve_rollouts`] on its standard input and output.
    Processes {
        /// How many (0: one per core).
        count: usize,
        program: PathBuf,
        args: Vec<OsString>,
    },
}

impl Workers {
    /// `count` threads (0: one per core).
    pub fn threads(count: usize) -> Workers {
        Workers::Threads { count }
    }

    /// `count` child processes (0: one per core) started as `program args…`.
    pub fn processes(
        count: usize,
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> Workers {
        Workers::Processes {
            count,
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
        }
    }

    /// How many workers run at once, with 0 resolved to the number of cores.
    pub fn count(&self) -> usize {
        let count = match self {
            Workers::Threads { count } | Workers::Processes { count, .. } => *count,
        };
        match count {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
    }
}

/// One rollout asked of a worker process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutRequest {
    pub env_id: String,
    /// Python source of the policy.
    pub source: String,
    pub config: RolloutConfig,
}

/// Episodes of a match on a registered multi-agent world, asked of a worker process:
/// episode `e` plays as it would in [`play_match`](crate::play_match) with `config`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    pub env_id: String,
    pub sources: Vec<WireSource>,
    /// The policy (index into `sources`) of each agent; as many agents as entries.
    pub assignment: Vec<usize>,
    pub config: MatchConfig,
    /// The episode indices to play, in order.
    pub episodes: Vec<u32>,
}

/// A [`PolicySource`] as it travels to a worker process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireSource {
    Python(String),
    /// Bytes claimed to be Python source, checked for UTF-8 where they are loaded.
    PythonBytes(Vec<u8>),
    Wasm(Vec<u8>),
}

impl From<&PolicySource> for WireSource {
    fn from(source: &PolicySource) -> WireSource {
        match source {
            PolicySource::Python(text) => WireSource::Python(text.to_string()),
            PolicySource::PythonBytes(bytes) => WireSource::PythonBytes(bytes.to_vec()),
            PolicySource::Wasm(bytes) => WireSource::Wasm(bytes.to_vec()),
        }
    }
}

impl From<WireSource> for PolicySource {
    fn from(source: WireSource) -> PolicySource {
        match source {
            WireSource::Python(text) => PolicySource::python(text),
            WireSource::PythonBytes(bytes) => PolicySource::python_bytes(bytes),
            WireSource::Wasm(bytes) => PolicySource::wasm(bytes),
        }
    }
}

/// A worker process's answer to one [`RolloutRequest`] or [`MatchRequest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutResponse {
    Report(RolloutReport),
    /// The episodes a [`MatchRequest`] asked for, in its order.
    Match(Vec<MatchEpisode>),
    /// The request could not be carried out (it did not parse, or named an unknown
    /// environment). A crashing policy is a report, not an error.
    Error(String),
}

/// Serves rollout requests, one JSON line each, until `input` ends; the body of a worker
/// process.
pub fn serve_rollouts(
    engine: &Engine,
    input: impl BufRead,
    output: impl Write,
) -> std::io::Result<()> {
    let mut output = BufWriter::new(output);
    let mut made = Made::default();
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let response = answer(engine, &mut made, &line);
        write_line(&mut output, &response)?;
    }
    Ok(())
}

/// The environments a worker has built, kept for the next request.
#[derive(Default)]
struct Made {
    envs: HashMap<String, Box<dyn Env>>,
    worlds: HashMap<(String, usize), Box<dyn ParallelEnv>>,
}

/// The answer to one request line.
fn answer(engine: &Engine, made: &mut Made, line: &str) -> RolloutResponse {
    // A match request is the one that assigns policies to agents.
    let is_match = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line)
        .is_ok_and(|object| object.contains_key("assignment"));
    if is_match {
        return match serde_json::from_str::<MatchRequest>(line) {
            Ok(request) => match play_requested(engine, &mut made.worlds, request) {
                Ok(episodes) => RolloutResponse::Match(episodes),
                Err(error) => RolloutResponse::Error(error.to_string()),
            },
            Err(error) => RolloutResponse::Error(format!("bad match request: {error}")),
        };
    }
    let made = &mut made.envs;
    let request = match serde_json::from_str::<RolloutRequest>(line) {
        Ok(request) => request,
        Err(error) => return RolloutResponse::Error(format!("bad rollout request: {error}")),
    };
    let env = match made.entry(request.env_id) {
        Entry::Occupied(entry) => entry.into_mut(),
        Entry::Vacant(entry) => match envs::make(entry.key()) {
            Ok(env) => entry.insert(env),
            Err(error) => return RolloutResponse::Error(error.to_string()),
        },
    };
    let source = PolicySource::python(request.source);
    RolloutResponse::Report(rollout(engine, &source, env.as_mut(), &request.config))
}

fn write_line(output: &mut impl Write, response: &RolloutResponse) -> std::io::Result<()> {
    serde_json::to_writer(&mut *output, response)?;
    output.write_all(b"\n")?;
    output.flush()
}

/// A worker process, started on first use and restarted if it dies.
#[derive(Debug)]
pub struct RolloutProcess {
    program: PathBuf,
    args: Vec<OsString>,
    running: Option<Running>,
}

#[derive(Debug)]
struct Running {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl RolloutProcess {
    /// A worker to be started as `program args…`.
    pub fn new(program: PathBuf, args: Vec<OsString>) -> RolloutProcess {
        RolloutProcess {
            program,
            args,
            running: None,
        }
    }

    /// Runs `request` in the worker. A worker that dies or answers garbage is replaced and
    /// the request tried once more in the new one; the error says why both failed.
    pub fn rollout(&mut self, request: &RolloutRequest) -> Result<RolloutReport, String> {
        match self.ask(request)? {
            RolloutResponse::Report(report) => Ok(report),
            RolloutResponse::Error(error) => Err(error),
            RolloutResponse::Match(_) => Err("the rollout worker answered with a match".into()),
        }
    }

    /// Plays the episodes `request` asks for in the worker, as [`Self::rollout`] does a
    /// rollout.
    pub fn play(&mut self, request: &MatchRequest) -> Result<Vec<MatchEpisode>, String> {
        match self.ask(request)? {
            RolloutResponse::Match(episodes) if episodes.len() == request.episodes.len() => {
                Ok(episodes)
            }
            RolloutResponse::Error(error) => Err(error),
            _ => Err("the rollout worker answered a match with something else".into()),
        }
    }

    /// Sends `request`; a worker that dies or answers garbage is replaced and the request
    /// tried once more.
    fn ask(&mut self, request: &impl Serialize) -> Result<RolloutResponse, String> {
        let line = serde_json::to_string(request).map_err(|e| e.to_string())?;
        let mut last_error = String::new();
        for _ in 0..2 {
            match self.exchange(&line) {
                Ok(response) => return Ok(response),
                Err(error) => {
                    self.stop();
                    last_error = error;
                }
            }
        }
        Err(format!("the rollout worker failed: {last_error}"))
    }

    fn exchange(&mut self, line: &str) -> Result<RolloutResponse, String> {
        if self.running.is_none() {
            self.running = Some(self.start()?);
        }
        let running = self.running.as_mut().expect("started above");
        let io = |error: std::io::Error| error.to_string();
        let sent = running
            .stdin
            .write_all(line.as_bytes())
            .and_then(|()| running.stdin.write_all(b"\n"))
            .and_then(|()| running.stdin.flush());
        let mut answer = String::new();
        // A worker that died before reading the whole request closes its end of the pipe,
        // so the write fails with a broken pipe; whether it does depends on timing, so both
        // that and an empty answer are reported the same way, as the worker's exit.
        let answered = match sent {
            Err(error) if error.kind() != ErrorKind::BrokenPipe => return Err(io(error)),
            Err(_) => false,
            Ok(()) => running.stdout.read_line(&mut answer).map_err(io)? > 0,
        };
        if !answered {
            let status = running.child.wait().map_err(io)?;
            return Err(format!("it exited ({status}) without answering"));
        }
        serde_json::from_str(&answer).map_err(|e| format!("unreadable answer: {e}"))
    }

    fn start(&self) -> Result<Running, String> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.program.display()))?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        Ok(Running {
            child,
            stdin: BufWriter::new(stdin),
            stdout: BufReader::new(stdout),
        })
    }

    fn stop(&mut self) {
        if let Some(mut running) = self.running.take() {
            let _ = running.child.kill();
            let _ = running.child.wait();
        }
    }
}

impl Drop for RolloutProcess {
    fn drop(&mut self) {
        self.stop();
    }
}
