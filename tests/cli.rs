//! The `ppo-sandbox` command, run as a user runs it.

use std::process::Command;

fn ppo_sandbox(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ppo-sandbox"))
        .args(args)
        .output()
        .expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn write_policy(dir: &tempfile::TempDir, name: &str, source: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, source).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn eval_prints_returns_and_exits_zero() {
    let (code, stdout, stderr) = ppo_sandbox(&[
        "eval",
        "--env",
        "CartPole-v1",
        "examples/policies/cartpole.py",
        "--episodes",
        "2",
        "--seed",
        "4",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("mean return 500.000 over 2 episodes"),
        "{stdout}"
    );
}

#[test]
fn eval_json_is_the_rollout_report() {
    let (code, stdout, _) = ppo_sandbox(&[
        "eval",
        "--env",
        "CartPole-v1",
        "examples/policies/cartpole.py",
        "--episodes",
        "2",
        "--max-steps",
        "10",
        "--json",
    ]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["episodes"].as_array().unwrap().len(), 2);
    assert_eq!(report["episodes"][0]["length"], 10);
    assert_eq!(report["episodes"][0]["truncated"], true);
}

#[test]
fn a_crashing_policy_exits_3_with_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(&dir, "bad.py", b"def act(obs):\n    return 1 / 0\n");
    let (code, stdout, _) = ppo_sandbox(&[
        "eval",
        "--env",
        "CartPole-v1",
        &policy,
        "--episodes",
        "1",
        "--json",
    ]);
    assert_eq!(code, 3);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let crash = &report["episodes"][0]["crash"];
    assert_eq!(crash["kind"], "python_exception");
    assert_eq!(crash["exception_type"], "ZeroDivisionError");
    assert_eq!(crash["step"], 0);
    assert!(
        crash["traceback"]
            .as_str()
            .unwrap()
            .contains("line 2, in act")
    );
    let policy = write_policy(&dir, "latin1.py", b"x = '\xe9'\n");
    let (code, stdout, _) = ppo_sandbox(&["eval", "--env", "CartPole-v1", &policy]);
    assert_eq!(code, 3);
    assert!(stdout.contains("invalid_source"), "{stdout}");
}

#[test]
fn bad_requests_exit_1_or_2_with_a_clear_message() {
    let (code, _, stderr) = ppo_sandbox(&[
        "eval",
        "--env",
        "NoSuchEnv-v0",
        "examples/policies/cartpole.py",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("unknown environment \"NoSuchEnv-v0\""),
        "{stderr}"
    );
    let (code, _, stderr) = ppo_sandbox(&["eval", "--env", "CartPole-v1", "missing.py"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("missing.py"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let limits = write_policy(&dir, "limits.json", br#"{"act_fule": 5}"#);
    let (code, _, stderr) = ppo_sandbox(&[
        "eval",
        "--env",
        "CartPole-v1",
        "examples/policies/cartpole.py",
        "--limits",
        &limits,
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("unknown field `act_fule`"), "{stderr}");
    let (code, _, _) = ppo_sandbox(&["eval", "--bogus"]);
    assert_eq!(code, 2);
}

#[test]
fn envs_and_describe() {
    let (code, stdout, _) = ppo_sandbox(&["envs"]);
    assert_eq!(code, 0);
    for id in [
        "CartPole-v1",
        "Pendulum-v1",
        "FrozenLake-v1",
        "Taxi-v4",
        "NoiseWorld-v0",
    ] {
        assert!(stdout.contains(id), "{id} missing from {stdout}");
    }
    let (code, stdout, _) = ppo_sandbox(&["describe", "CartPole-v1"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("obs.pole_angle") && stdout.contains("def reward"),
        "{stdout}"
    );
}

#[test]
fn optimize_then_report_a_run_directory() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let run = run_dir.to_string_lossy().into_owned();
    let (code, stdout, stderr) = ppo_sandbox(&[
        "optimize",
        "--env",
        "CartPole-v1",
        "--budget-steps",
        "150000",
        "--run-dir",
        &run,
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let outcome: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(outcome["stop"], "reward_threshold", "{outcome}");
    assert!(outcome["best_score"].as_f64().unwrap() >= 475.0);
    let best = std::fs::read_to_string(run_dir.join("best.py")).unwrap();
    let best_path = write_policy(&dir, "best.py", best.as_bytes());
    let (code, stdout, _) = ppo_sandbox(&["eval", "--env", "CartPole-v1", &best_path]);
    assert_eq!(code, 0);
    assert!(stdout.contains("mean return"), "{stdout}");

    let (code, stdout, _) = ppo_sandbox(&["report", &run]);
    assert_eq!(code, 0);
    assert!(stdout.contains("best so far"), "{stdout}");
    assert!(stdout.contains("best: round"), "{stdout}");
    let png = std::fs::read(run_dir.join("learning-curve.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let elsewhere = dir.path().join("curve.png");
    let (code, stdout, _) = ppo_sandbox(&[
        "report",
        &run,
        "--json",
        "--plot",
        elsewhere.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["manifest"]["env_id"], "CartPole-v1");
    assert!(!report["rounds"].as_array().unwrap().is_empty());
    assert_eq!(report["learning_curve"], elsewhere.to_str().unwrap());
    assert!(elsewhere.is_file());
    // A curve the user asked for that cannot be written is an error.
    let unwritable = dir.path().join("no-such-dir").join("curve.png");
    let (code, _, stderr) = ppo_sandbox(&["report", &run, "--plot", unwritable.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("drawing"), "{stderr}");

    // The same directory is never overwritten.
    let (code, _, stderr) = ppo_sandbox(&["optimize", "--env", "CartPole-v1", "--run-dir", &run]);
    assert_eq!(code, 1);
    assert!(stderr.contains("already holds a run"), "{stderr}");
}

#[test]
fn optimize_refuses_bad_requests_clearly() {
    let (code, _, stderr) = ppo_sandbox(&["optimize", "--env", "NoSuchEnv-v0"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("unknown environment"), "{stderr}");
    let (code, _, stderr) =
        ppo_sandbox(&["optimize", "--env", "CartPole-v1", "--provider", "gpt-9"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("unknown provider"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let broken = write_policy(&dir, "broken.py", b"def act(obs)\n    return 0.5\n");
    let (code, _, stderr) = ppo_sandbox(&["optimize", "--env", "CartPole-v1", "--policy", &broken]);
    assert_eq!(code, 1);
    assert!(stderr.contains("does not parse"), "{stderr}");
    let (code, _, stderr) = ppo_sandbox(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("run.json"), "{stderr}");
    let (code, _, _) = ppo_sandbox(&["optimize"]);
    assert_eq!(code, 2);
}

#[test]
fn eval_of_a_world_in_worker_processes_prints_what_threads_print() {
    let args = |extra: &[&'static str]| {
        let mut args = vec![
            "eval",
            "--env",
            "Gathering-v0",
            "--agents",
            "3",
            "--episodes",
            "3",
            "--json",
            "examples/policies/gathering_local.py",
        ];
        args.extend_from_slice(extra);
        args
    };
    let (code, in_processes, stderr) = ppo_sandbox(&args(&["--jobs", "2"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, in_threads, stderr) = ppo_sandbox(&args(&["--jobs", "2", "--threads"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(in_processes, in_threads);
    let report: serde_json::Value = serde_json::from_str(&in_processes).unwrap();
    assert_eq!(report["episodes"].as_array().unwrap().len(), 3);
    assert!(
        report["episodes"][0]["agents"][0]["episode_return"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}
