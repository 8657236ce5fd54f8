//! The host side of one policy's store: resource limiter, captured output, virtual clock and
//! seeded randomness. Everything a guest can observe about the outside world comes from here,
//! and all of it is a function of the policy's seed and its own calls.

use rand_chacha::ChaCha12Rng;
use rand_core::{RngCore, SeedableRng};

use crate::Limits;

/// Trap payload: the guest tried to grow a memory past the cap.
#[derive(Debug, thiserror::Error)]
#[error(
    "memory limit: the guest asked for {desired_bytes} bytes of linear memory; the cap is {cap_bytes}"
)]
pub(crate) struct MemoryLimitExceeded {
    pub desired_bytes: usize,
    pub cap_bytes: u64,
}

/// Trap payload: a table, or the count of tables, memories or instances, went past its cap.
#[derive(Debug, thiserror::Error)]
#[error("resource limit: {0}")]
pub(crate) struct ResourceLimitExceeded(pub String);

/// Trap payload: the guest called `proc_exit`.
#[derive(Debug, thiserror::Error)]
#[error("the policy exited with status {0}")]
pub(crate) struct GuestExit(pub i32);

/// The store's [`wasmtime::ResourceLimiter`]: refuses growth past the caps by trapping with a
/// typed payload, so the outcome is recognised by downcasting rather than by message text.
#[derive(Debug)]
pub(crate) struct PolicyLimiter {
    memory_bytes: u64,
    table_elements: u64,
    instances: usize,
    tables: usize,
    memories: usize,
}

impl PolicyLimiter {
    pub fn new(limits: &Limits) -> PolicyLimiter {
        PolicyLimiter {
            memory_bytes: limits.memory_bytes,
            table_elements: limits.table_elements,
            instances: limits.instances as usize,
            tables: limits.tables as usize,
            memories: limits.memories as usize,
        }
    }
}

impl wasmtime::ResourceLimiter for PolicyLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > self.memory_bytes {
            return Err(wasmtime::Error::new(MemoryLimitExceeded {
                desired_bytes: desired,
                cap_bytes: self.memory_bytes,
            }));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > self.table_elements {
            return Err(wasmtime::Error::new(ResourceLimitExceeded(format!(
                "a table asked for {desired} elements; the cap is {}",
                self.table_elements
            ))));
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.tables
    }

    fn memories(&self) -> usize {
        self.memories
    }
}

/// One captured stream: keeps the first `cap` bytes, drops the rest and remembers it did.
#[derive(Debug)]
pub(crate) struct OutputCapture {
    bytes: Vec<u8>,
    cap: usize,
    truncated: bool,
}

impl OutputCapture {
    pub fn new(cap: u64) -> OutputCapture {
        OutputCapture {
            bytes: Vec::new(),
            cap: usize::try_from(cap).unwrap_or(usize::MAX),
            truncated: false,
        }
    }

    pub fn write(&mut self, data: &[u8]) {
        let room = self.cap.saturating_sub(self.bytes.len());
        if data.len() > room {
            self.truncated = true;
        }
        self.bytes.extend_from_slice(&data[..data.len().min(room)]);
    }

    /// Takes the text written so far, leaving the capture empty (and its cap renewed).
    pub fn take(&mut self) -> (String, bool) {
        let text = String::from_utf8_lossy(&self.bytes).into_owned();
        let truncated = self.truncated;
        self.bytes.clear();
        self.truncated = false;
        (text, truncated)
    }
}

/// A clock that only the guest's own actions move: each reading advances it by one
/// microsecond, and sleeping advances it by the time asked for, at once. So `time.time()` and
/// `time.sleep()` work, deterministically, and a sleep never blocks the host.
#[derive(Debug)]
pub(crate) struct VirtualClock {
    now_ns: u64,
}

/// 2025-01-01T00:00:00Z: the wall-clock time a policy sees when it starts.
const VIRTUAL_EPOCH_NS: u64 = 1_735_689_600 * 1_000_000_000;
const TICK_NS: u64 = 1_000;

impl VirtualClock {
    pub fn new() -> VirtualClock {
        VirtualClock { now_ns: 0 }
    }

    /// Reads the clock (realtime clocks are offset to a fixed date), then ticks it.
    pub fn read(&mut self, realtime: bool) -> u64 {
        self.now_ns = self.now_ns.saturating_add(TICK_NS);
        if realtime {
            VIRTUAL_EPOCH_NS.saturating_add(self.now_ns)
        } else {
            self.now_ns
        }
    }

    /// Monotonic time now, without ticking.
    pub fn monotonic_now(&self) -> u64 {
        self.now_ns
    }

    /// Moves the clock forward to `monotonic_ns` if that is later.
    pub fn advance_to(&mut self, monotonic_ns: u64) {
        self.now_ns = self.now_ns.max(monotonic_ns);
    }

    /// Converts a realtime deadline to monotonic time.
    pub fn realtime_to_monotonic(realtime_ns: u64) -> u64 {
        realtime_ns.saturating_sub(VIRTUAL_EPOCH_NS)
    }
}

/// The data of one policy's store.
#[derive(Debug)]
pub(crate) struct HostState {
    pub limiter: PolicyLimiter,
    pub stdout: OutputCapture,
    pub stderr: OutputCapture,
    pub clock: VirtualClock,
    pub random: SeededRandom,
}

impl HostState {
    pub fn new(limits: &Limits, seed: u64) -> HostState {
        HostState {
            limiter: PolicyLimiter::new(limits),
            stdout: OutputCapture::new(limits.stdout_bytes),
            stderr: OutputCapture::new(limits.stderr_bytes),
            clock: VirtualClock::new(),
            random: SeededRandom::new(seed),
        }
    }
}

impl HostState {
    /// Restarts the clock and the random source from `seed`: the state a policy's own code
    /// starts from.
    pub fn restart(&mut self, seed: u64) {
        self.clock = VirtualClock::new();
        self.random = SeededRandom::new(seed);
    }
}

/// The guest's only source of randomness (`random_get`): ChaCha12 seeded from the policy
/// seed, so `os.urandom`, `random` and hash seeding are reproducible.
pub(crate) struct SeededRandom(ChaCha12Rng);

impl std::fmt::Debug for SeededRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SeededRandom")
    }
}

impl SeededRandom {
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom(ChaCha12Rng::seed_from_u64(seed))
    }

    pub fn fill(&mut self, buffer: &mut [u8]) {
        self.0.fill_bytes(buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_capture_keeps_the_first_bytes_and_marks_truncation() {
        let mut capture = OutputCapture::new(5);
        capture.write(b"abc");
        capture.write(b"defg");
        assert_eq!(capture.take(), ("abcde".to_owned(), true));
        capture.write(b"xy");
        assert_eq!(capture.take(), ("xy".to_owned(), false));
    }

    #[test]
    fn virtual_clock_only_moves_forward_and_by_reads() {
        let mut clock = VirtualClock::new();
        let a = clock.read(false);
        let b = clock.read(false);
        assert!(b > a);
        clock.advance_to(a);
        assert!(clock.monotonic_now() >= b);
        assert_eq!(
            VirtualClock::realtime_to_monotonic(clock.read(true)),
            clock.monotonic_now()
        );
    }
}
