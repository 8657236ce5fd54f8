//! A deliberately small WASI preview 1 for policies.
//!
//! Every preview 1 function is defined, so any module built for `wasm32-wasip1` links, but the
//! world behind them is empty: no preopened directories (every path call fails with `EBADF`),
//! no environment variables, no arguments, no sockets, no processes; standard input is at end
//! of file, standard output and error are captured and capped. Clocks are virtual and
//! randomness is seeded ([`crate::host`]), so a policy sees the same world on every run and
//! machine, and `poll_oneoff` (sleep) advances the virtual clock instead of blocking the host.

use wasmtime::{Caller, Extern, Linker};

use crate::host::{GuestExit, HostState, VirtualClock};

const MODULE: &str = "wasi_snapshot_preview1";

const SUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ENOSYS: i32 = 52;
const ENOTSUP: i32 = 58;
const ESPIPE: i32 = 70;

const FILETYPE_CHARACTER_DEVICE: u8 = 2;
const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_WRITE: u64 = 1 << 6;
const RIGHT_POLL_FD_READWRITE: u64 = 1 << 27;

const CLOCK_REALTIME: i32 = 0;
const EVENTTYPE_CLOCK: u8 = 0;
const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;
const SUBCLOCKFLAGS_ABSTIME: u16 = 1;

/// Largest total a single `fd_write` or `random_get` moves, so a guest cannot make the host
/// allocate without bound in one call.
const MAX_TRANSFER_BYTES: usize = 16 * 1024 * 1024;

type Ctx<'a> = Caller<'a, HostState>;

fn is_std_stream(fd: i32) -> bool {
    (0..=2).contains(&fd)
}

/// The errno for an fd-based call that has no meaning on the standard streams.
fn std_or_badf(fd: i32, on_std: i32) -> i32 {
    if is_std_stream(fd) { on_std } else { EBADF }
}

fn memory_of(caller: &mut Ctx<'_>) -> Option<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Some(memory),
        _ => None,
    }
}

/// Guest memory access, bounds-checked; every failure is `EFAULT`.
fn write_bytes(caller: &mut Ctx<'_>, ptr: i32, bytes: &[u8]) -> Result<(), i32> {
    let memory = memory_of(caller).ok_or(EFAULT)?;
    memory
        .write(caller, ptr as u32 as usize, bytes)
        .map_err(|_| EFAULT)
}

fn read_bytes(caller: &mut Ctx<'_>, ptr: i32, len: usize) -> Result<Vec<u8>, i32> {
    let memory = memory_of(caller).ok_or(EFAULT)?;
    let mut out = vec![0u8; len];
    memory
        .read(&*caller, ptr as u32 as usize, &mut out)
        .map_err(|_| EFAULT)?;
    Ok(out)
}

fn write_u32(caller: &mut Ctx<'_>, ptr: i32, value: u32) -> Result<(), i32> {
    write_bytes(caller, ptr, &value.to_le_bytes())
}

fn write_u64(caller: &mut Ctx<'_>, ptr: i32, value: u64) -> Result<(), i32> {
    write_bytes(caller, ptr, &value.to_le_bytes())
}

fn errno(result: Result<(), i32>) -> i32 {
    match result {
        Ok(()) => SUCCESS,
        Err(code) => code,
    }
}

/// Reads an iovec array: `(buf, len)` pairs of `u32`.
fn read_iovecs(caller: &mut Ctx<'_>, iovs: i32, count: i32) -> Result<Vec<(u32, u32)>, i32> {
    let count = usize::try_from(count).map_err(|_| EINVAL)?;
    if count > 1024 {
        return Err(EINVAL);
    }
    let raw = read_bytes(caller, iovs, count * 8)?;
    Ok(raw
        .chunks_exact(8)
        .map(|c| {
            (
                u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
            )
        })
        .collect())
}

fn fd_write(
    caller: &mut Ctx<'_>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nwritten: i32,
) -> Result<(), i32> {
    if fd != 1 && fd != 2 {
        return Err(EBADF);
    }
    let mut total = 0usize;
    for (buf, len) in read_iovecs(caller, iovs, iovs_len)? {
        let len = (len as usize).min(MAX_TRANSFER_BYTES.saturating_sub(total));
        let data = read_bytes(caller, buf as i32, len)?;
        let state = caller.data_mut();
        if fd == 1 {
            state.stdout.write(&data)
        } else {
            state.stderr.write(&data)
        }
        total += len;
    }
    // Report everything as written, truncated or not, so a chatty policy carries on.
    write_u32(caller, nwritten, total as u32)
}

fn fd_fdstat_get(caller: &mut Ctx<'_>, fd: i32, out: i32) -> Result<(), i32> {
    let rights = match fd {
        0 => RIGHT_FD_READ | RIGHT_POLL_FD_READWRITE,
        1 | 2 => RIGHT_FD_WRITE | RIGHT_POLL_FD_READWRITE,
        _ => return Err(EBADF),
    };
    let mut stat = [0u8; 24];
    stat[0] = FILETYPE_CHARACTER_DEVICE;
    stat[8..16].copy_from_slice(&rights.to_le_bytes());
    write_bytes(caller, out, &stat)
}

fn fd_filestat_get(caller: &mut Ctx<'_>, fd: i32, out: i32) -> Result<(), i32> {
    if !is_std_stream(fd) {
        return Err(EBADF);
    }
    let mut stat = [0u8; 64];
    stat[16] = FILETYPE_CHARACTER_DEVICE;
    write_bytes(caller, out, &stat)
}

fn clock_time_get(caller: &mut Ctx<'_>, id: i32, out: i32) -> Result<(), i32> {
    if !(0..=3).contains(&id) {
        return Err(EINVAL);
    }
    let now = caller.data_mut().clock.read(id == CLOCK_REALTIME);
    write_u64(caller, out, now)
}

fn random_get(caller: &mut Ctx<'_>, buf: i32, len: i32) -> Result<(), i32> {
    let len = usize::try_from(len).map_err(|_| EINVAL)?;
    if len > MAX_TRANSFER_BYTES {
        return Err(EINVAL);
    }
    let mut bytes = vec![0u8; len];
    caller.data_mut().random.fill(&mut bytes);
    write_bytes(caller, buf, &bytes)
}

/// Answers every subscription at once. Clock subscriptions complete after the virtual clock
/// is moved to the earliest of their deadlines; fd subscriptions complete with `EBADF`
/// (nothing can be waited on). Nothing here blocks the host.
fn poll_oneoff(
    caller: &mut Ctx<'_>,
    input: i32,
    output: i32,
    count: i32,
    nevents: i32,
) -> Result<(), i32> {
    let count = usize::try_from(count).map_err(|_| EINVAL)?;
    if count == 0 || count > 1024 {
        return Err(EINVAL);
    }
    let raw = read_bytes(caller, input, count * SUBSCRIPTION_SIZE)?;
    let now = caller.data().clock.monotonic_now();
    let mut wake_at: Option<u64> = None;
    let mut events = Vec::with_capacity(count * EVENT_SIZE);
    for sub in raw.chunks_exact(SUBSCRIPTION_SIZE) {
        let userdata = &sub[0..8];
        let tag = sub[8];
        let mut event = [0u8; EVENT_SIZE];
        event[0..8].copy_from_slice(userdata);
        event[10] = tag;
        if tag == EVENTTYPE_CLOCK {
            let clock_id = i32::from_le_bytes([sub[16], sub[17], sub[18], sub[19]]);
            let timeout = u64::from_le_bytes(sub[24..32].try_into().map_err(|_| EINVAL)?);
            let flags = u16::from_le_bytes([sub[40], sub[41]]);
            let deadline = if flags & SUBCLOCKFLAGS_ABSTIME != 0 {
                if clock_id == CLOCK_REALTIME {
                    VirtualClock::realtime_to_monotonic(timeout)
                } else {
                    timeout
                }
            } else {
                now.saturating_add(timeout)
            };
            wake_at = Some(wake_at.map_or(deadline, |w: u64| w.min(deadline)));
        } else {
            event[8..10].copy_from_slice(&(EBADF as u16).to_le_bytes());
        }
        events.extend_from_slice(&event);
    }
    if let Some(deadline) = wake_at {
        caller.data_mut().clock.advance_to(deadline);
    }
    write_bytes(caller, output, &events)?;
    write_u32(caller, nevents, count as u32)
}

/// Adds the preview 1 functions to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    // Arguments and environment: none.
    linker.func_wrap(MODULE, "args_get", |_: Ctx<'_>, _: i32, _: i32| SUCCESS)?;
    linker.func_wrap(
        MODULE,
        "args_sizes_get",
        |mut c: Ctx<'_>, argc: i32, size: i32| {
            errno(write_u32(&mut c, argc, 0).and_then(|()| write_u32(&mut c, size, 0)))
        },
    )?;
    linker.func_wrap(MODULE, "environ_get", |_: Ctx<'_>, _: i32, _: i32| SUCCESS)?;
    linker.func_wrap(
        MODULE,
        "environ_sizes_get",
        |mut c: Ctx<'_>, count: i32, size: i32| {
            errno(write_u32(&mut c, count, 0).and_then(|()| write_u32(&mut c, size, 0)))
        },
    )?;

    // Clocks and randomness: virtual and seeded.
    linker.func_wrap(
        MODULE,
        "clock_res_get",
        |mut c: Ctx<'_>, id: i32, out: i32| {
            if !(0..=3).contains(&id) {
                return EINVAL;
            }
            errno(write_u64(&mut c, out, 1_000))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "clock_time_get",
        |mut c: Ctx<'_>, id: i32, _precision: i64, out: i32| errno(clock_time_get(&mut c, id, out)),
    )?;
    linker.func_wrap(
        MODULE,
        "random_get",
        |mut c: Ctx<'_>, buf: i32, len: i32| errno(random_get(&mut c, buf, len)),
    )?;
    linker.func_wrap(
        MODULE,
        "poll_oneoff",
        |mut c: Ctx<'_>, input: i32, output: i32, count: i32, nevents: i32| {
            errno(poll_oneoff(&mut c, input, output, count, nevents))
        },
    )?;
    linker.func_wrap(MODULE, "sched_yield", |_: Ctx<'_>| SUCCESS)?;

    // Process: exiting ends the call with a typed trap; signals do not exist.
    linker.func_wrap(
        MODULE,
        "proc_exit",
        |_: Ctx<'_>, code: i32| -> wasmtime::Result<()> {
            Err(wasmtime::Error::new(GuestExit(code)))
        },
    )?;
    linker.func_wrap(MODULE, "proc_raise", |_: Ctx<'_>, _: i32| ENOSYS)?;

    // The standard streams.
    linker.func_wrap(
        MODULE,
        "fd_write",
        |mut c: Ctx<'_>, fd: i32, iovs: i32, len: i32, nwritten: i32| {
            errno(fd_write(&mut c, fd, iovs, len, nwritten))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_read",
        |mut c: Ctx<'_>, fd: i32, _iovs: i32, _len: i32, nread: i32| {
            // Standard input is at end of file; nothing else is open.
            if fd == 0 {
                errno(write_u32(&mut c, nread, 0))
            } else {
                EBADF
            }
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_fdstat_get",
        |mut c: Ctx<'_>, fd: i32, out: i32| errno(fd_fdstat_get(&mut c, fd, out)),
    )?;
    linker.func_wrap(
        MODULE,
        "fd_filestat_get",
        |mut c: Ctx<'_>, fd: i32, out: i32| errno(fd_filestat_get(&mut c, fd, out)),
    )?;
    linker.func_wrap(MODULE, "fd_close", |_: Ctx<'_>, fd: i32| {
        std_or_badf(fd, SUCCESS)
    })?;
    linker.func_wrap(
        MODULE,
        "fd_seek",
        |_: Ctx<'_>, fd: i32, _: i64, _: i32, _: i32| std_or_badf(fd, ESPIPE),
    )?;
    linker.func_wrap(MODULE, "fd_tell", |_: Ctx<'_>, fd: i32, _: i32| {
        std_or_badf(fd, ESPIPE)
    })?;
    linker.func_wrap(MODULE, "fd_sync", |_: Ctx<'_>, fd: i32| {
        std_or_badf(fd, EINVAL)
    })?;
    linker.func_wrap(MODULE, "fd_datasync", |_: Ctx<'_>, fd: i32| {
        std_or_badf(fd, EINVAL)
    })?;
    linker.func_wrap(
        MODULE,
        "fd_advise",
        |_: Ctx<'_>, fd: i32, _: i64, _: i64, _: i32| std_or_badf(fd, ESPIPE),
    )?;
    linker.func_wrap(
        MODULE,
        "fd_allocate",
        |_: Ctx<'_>, fd: i32, _: i64, _: i64| std_or_badf(fd, ENOTSUP),
    )?;
    linker.func_wrap(
        MODULE,
        "fd_fdstat_set_flags",
        |_: Ctx<'_>, fd: i32, _: i32| std_or_badf(fd, ENOTSUP),
    )?;
    linker.func_wrap(
        MODULE,
        "fd_fdstat_set_rights",
        |_: Ctx<'_>, fd: i32, _: i64, _: i64| std_or_badf(fd, ENOTSUP),
    )?;
    linker.func_wrap(
        MODULE,
        "fd_filestat_set_size",
        |_: Ctx<'_>, fd: i32, _: i64| std_or_badf(fd, EINVAL),
    )?;
    linker.func_wrap(
        MODULE,
        "fd_filestat_set_times",
        |_: Ctx<'_>, fd: i32, _: i64, _: i64, _: i32| std_or_badf(fd, ENOTSUP),
    )?;
    linker.func_wrap(
        MODULE,
        "fd_pread",
        |_: Ctx<'_>, fd: i32, _: i32, _: i32, _: i64, _: i32| std_or_badf(fd, ESPIPE),
    )?;
    linker.func_wrap(
        MODULE,
        "fd_pwrite",
        |_: Ctx<'_>, fd: i32, _: i32, _: i32, _: i64, _: i32| std_or_badf(fd, ESPIPE),
    )?;
    linker.func_wrap(
        MODULE,
        "fd_readdir",
        |_: Ctx<'_>, fd: i32, _: i32, _: i32, _: i64, _: i32| std_or_badf(fd, ENOTSUP),
    )?;
    linker.func_wrap(MODULE, "fd_renumber", |_: Ctx<'_>, _: i32, _: i32| EBADF)?;

    // Files: there are no preopened directories, so every path resolves against a closed fd.
    linker.func_wrap(MODULE, "fd_prestat_get", |_: Ctx<'_>, _: i32, _: i32| EBADF)?;
    linker.func_wrap(
        MODULE,
        "fd_prestat_dir_name",
        |_: Ctx<'_>, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "path_create_directory",
        |_: Ctx<'_>, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "path_filestat_get",
        |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "path_filestat_set_times",
        |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32, _: i64, _: i64, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "path_link",
        |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "path_open",
        |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32, _: i32, _: i64, _: i64, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "path_readlink",
        |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "path_remove_directory",
        |_: Ctx<'_>, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "path_rename",
        |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "path_symlink",
        |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "path_unlink_file",
        |_: Ctx<'_>, _: i32, _: i32, _: i32| EBADF,
    )?;

    // Sockets: none exist.
    linker.func_wrap(
        MODULE,
        "sock_accept",
        |_: Ctx<'_>, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "sock_recv",
        |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(
        MODULE,
        "sock_send",
        |_: Ctx<'_>, _: i32, _: i32, _: i32, _: i32, _: i32| EBADF,
    )?;
    linker.func_wrap(MODULE, "sock_shutdown", |_: Ctx<'_>, _: i32, _: i32| EBADF)?;
    Ok(())
}
