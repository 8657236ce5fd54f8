//! Replays every committed fuzz input through its target: the seed corpus
//! (`fuzz/corpus/TARGET/`) and every input that once found a bug (`fuzz/regressions/TARGET/`,
//! each file named for the bug). A target panics when one of its oracles fails.

use std::path::Path;

use ppo_sandbox_fuzzing::targets::TARGETS;

fn inputs(folder: &str, target: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(folder)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| {
            path.is_file()
                && !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

fn replay(folder: &str) -> usize {
    let mut replayed = 0;
    for (target, run) in TARGETS {
        for path in inputs(folder, target) {
            let data = std::fs::read(&path).expect("readable corpus file");
            eprintln!("{target}: {}", path.display());
            run(&data);
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn every_target_has_a_seed_corpus() {
    for (target, _) in TARGETS {
        assert!(
            inputs("corpus", target).len() >= 4,
            "fuzz/corpus/{target} needs seed inputs"
        );
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../targets/fuzz_targets/{target}.rs"))
                .is_file(),
            "fuzz/targets/fuzz_targets/{target}.rs is missing"
        );
    }
}

#[test]
fn seed_corpus_replays_clean() {
    assert!(replay("corpus") > 0);
}

#[test]
fn regressions_replay_clean() {
    replay("regressions");
}
