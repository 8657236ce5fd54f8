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
//! The protocol is one JSON object per line: a [`RolloutRequest`] in, a [`RolloutResponse`]
//! out. A request gives the same report in a child as [`rollout`] gives in the parent.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::envs::{self, Env};
use crate::{Engine, PolicySource, RolloutConfig, RolloutReport, rollout};

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

/// A worker process's answer to one [`RolloutRequest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutResponse {
    Report(RolloutReport),
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
    let mut made: HashMap<String, Box<dyn Env>> = HashMap::new();
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

/// The answer to one request line; environments are made once and kept in `made`.
fn answer(
    engine: &Engine,
    made: &mut HashMap<String, Box<dyn Env>>,
    line: &str,
) -> RolloutResponse {
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
        let line = serde_json::to_string(request).map_err(|e| e.to_string())?;
        let mut last_error = String::new();
        for _ in 0..2 {
            match self.exchange(&line) {
                Ok(RolloutResponse::Report(report)) => return Ok(report),
                Ok(RolloutResponse::Error(error)) => return Err(error),
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
        running.stdin.write_all(line.as_bytes()).map_err(io)?;
        running.stdin.write_all(b"\n").map_err(io)?;
        running.stdin.flush().map_err(io)?;
        let mut answer = String::new();
        if running.stdout.read_line(&mut answer).map_err(io)? == 0 {
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
