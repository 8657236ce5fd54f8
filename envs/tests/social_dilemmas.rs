//! Gathering and Cleanup: the published rules, seed determinism, and typed errors.

use ppo_sandbox_envs::{
    ACTION_BEAM, ACTION_CLEAN, ACTION_FORWARD, ACTION_ROTATE_RIGHT, ACTION_STAND, Action, Dilemma,
    DilemmaConfig, EnvError, NpRandom, ParallelEnv, ParallelRegistry, SocialDilemma, make_parallel,
};

/// Offsets of the fixed head of every observation.
const INDEX: usize = 0;
const STEP: usize = 1;
const X: usize = 2;
const ORIENTATION: usize = 4;
const TAGGED_OUT: usize = 5;
const HEAD: usize = 6;
const RECORD: usize = 5;

fn world(dilemma: Dilemma, map: &[&str], num_agents: usize) -> SocialDilemma {
    SocialDilemma::new(&DilemmaConfig {
        id: "Test-v0".into(),
        dilemma,
        map: map.iter().map(|row| (*row).to_owned()).collect(),
        num_agents,
    })
    .unwrap()
}

fn step(env: &mut dyn ParallelEnv, actions: &[i64]) -> ppo_sandbox_envs::ParallelStep {
    let actions: Vec<Action> = actions.iter().map(|&a| Action::Int(a)).collect();
    env.step(&actions).unwrap()
}

/// Turns `agent` (everyone else standing) until it faces `orientation`.
fn face(env: &mut dyn ParallelEnv, agent: usize, orientation: f64) {
    let n = env.num_agents();
    let mut obs = env.observe_all();
    while obs[agent][ORIENTATION] != orientation {
        let mut actions = vec![ACTION_STAND; n];
        actions[agent] = ACTION_ROTATE_RIGHT;
        obs = step(env, &actions).observations;
    }
}

/// Grid value at (x, y) of the `grid`-th grid after the agent records.
fn grid(
    obs: &[f64],
    agents: usize,
    cols: usize,
    rows: usize,
    grid: usize,
    x: usize,
    y: usize,
) -> f64 {
    obs[HEAD + agents * RECORD + grid * rows * cols + y * cols + x]
}

#[test]
fn the_same_seed_gives_the_same_episode_and_another_seed_another() {
    for id in ["Gathering-v0", "Cleanup-v0"] {
        let play = |seed: u64| {
            let mut env = make_parallel(id, Some(6)).unwrap();
            let mut trace = env.reset(Some(seed));
            let mut choices = NpRandom::from_seed(99);
            let n_actions = env.description().action_meanings.len() as i64;
            let mut returns = vec![0.0; 6];
            for _ in 0..300 {
                let actions: Vec<i64> = (0..6).map(|_| choices.integers(0, n_actions)).collect();
                let out = step(env.as_mut(), &actions);
                for (total, reward) in returns.iter_mut().zip(&out.rewards) {
                    *total += reward;
                }
                trace.extend(out.observations);
            }
            (trace, returns)
        };
        let (a, returns) = play(3);
        assert_eq!(a, play(3).0, "{id}");
        assert_ne!(a, play(4).0, "{id}");
        assert!(
            returns.iter().any(|&r| r != 0.0),
            "{id}: random play earned nothing"
        );
    }
}

#[test]
fn an_eaten_apple_scores_one_and_regrows_exactly_25_steps_later() {
    // Agent 0 starts facing some way on the P at (1, 1); the apple is at (2, 1).
    let map = ["@@@@@@", "@PA.P@", "@@@@@@"];
    let mut env = world(Dilemma::Gathering, &map, 2);
    env.reset(Some(0));
    let start = env.observe_all()[0].clone();
    let agent = if start[X] == 1.0 { 0 } else { 1 };
    face(&mut env, agent, 1.0);
    let mut actions = vec![ACTION_STAND; 2];
    actions[agent] = ACTION_FORWARD;
    let out = step(&mut env, &actions);
    assert_eq!(out.rewards[agent], 1.0);
    assert_eq!(out.observations[agent][X], 2.0);
    // Step back off the apple's cell and wait: gone for 24 more steps, back on the 25th.
    actions[agent] = ppo_sandbox_envs::ACTION_BACKWARD;
    let mut out = step(&mut env, &actions);
    let mut waited = 1;
    while grid(&out.observations[0], 2, 6, 3, 0, 2, 1) == 0.0 {
        out = step(&mut env, &[ACTION_STAND, ACTION_STAND]);
        waited += 1;
    }
    assert_eq!(waited, 25);
}

#[test]
fn two_gathering_beam_hits_tag_an_agent_out_for_25_steps() {
    let map = ["@@@@@@@@", "@P....P@", "@@@@@@@@"];
    let mut env = world(Dilemma::Gathering, &map, 2);
    env.reset(Some(1));
    let shooter = if env.observe_all()[0][X] == 1.0 { 0 } else { 1 };
    let target = 1 - shooter;
    face(&mut env, shooter, 1.0);
    let mut actions = vec![ACTION_STAND; 2];
    actions[shooter] = ACTION_BEAM;
    let first = step(&mut env, &actions);
    assert_eq!(
        first.observations[target][TAGGED_OUT], 0.0,
        "one hit does not tag"
    );
    assert_eq!(first.rewards, vec![0.0, 0.0], "firing is free in Gathering");
    let second = step(&mut env, &actions);
    assert_eq!(second.observations[target][TAGGED_OUT], 25.0);
    assert!(second.infos[target].tagged_out);
    let mut out_steps = 1;
    let mut last = second;
    while last.infos[target].tagged_out {
        // Its actions are ignored while out.
        let mut moves = vec![ACTION_STAND; 2];
        moves[target] = ACTION_FORWARD;
        let x_before = last.observations[target][X];
        last = step(&mut env, &moves);
        if last.infos[target].tagged_out {
            assert_eq!(last.observations[target][X], x_before);
            out_steps += 1;
        }
    }
    assert_eq!(
        out_steps, 25,
        "out for 25 steps, counting the step it was hit"
    );
}

#[test]
fn cleanup_beams_cost_the_firer_one_and_the_target_fifty() {
    let map = ["@@@@@@", "@P.P.@", "@RRRR@", "@AAAA@", "@@@@@@"];
    let mut env = world(Dilemma::Cleanup, &map, 2);
    env.reset(Some(2));
    let shooter = if env.observe_all()[0][X] == 1.0 { 0 } else { 1 };
    let target = 1 - shooter;
    face(&mut env, shooter, 1.0);
    let mut actions = vec![ACTION_STAND; 2];
    actions[shooter] = ACTION_BEAM;
    let out = step(&mut env, &actions);
    assert_eq!(out.rewards[shooter], -1.0);
    assert_eq!(out.rewards[target], -50.0);
    assert_eq!(out.observations[target][TAGGED_OUT], 25.0);
    // A tagged-out agent cannot be hit again.
    let out = step(&mut env, &actions);
    assert_eq!(out.rewards[target], 0.0);
}

#[test]
fn cleaning_clears_the_waste_in_reach_and_costs_one() {
    let map = ["@@@@@@@", "@P...P@", "@HHHHH@", "@@@@@@@"];
    let mut env = world(Dilemma::Cleanup, &map, 2);
    env.reset(Some(5));
    let agent = if env.observe_all()[0][X] == 1.0 { 0 } else { 1 };
    face(&mut env, agent, 2.0);
    let mut actions = vec![ACTION_STAND; 2];
    actions[agent] = ACTION_CLEAN;
    let out = step(&mut env, &actions);
    assert_eq!(out.rewards[agent], -1.0);
    let waste = |x| grid(&out.observations[0], 2, 7, 4, 2, x, 2);
    // Width 3 below (1, 1): columns 0..=2, walls skipped; column 3 is out of reach.
    assert_eq!((waste(1), waste(2), waste(3)), (0.0, 0.0, 1.0));
}

#[test]
fn the_default_cleanup_river_starts_47_percent_wasted_and_grows_no_apple_until_cleaned() {
    let mut env = make_parallel("Cleanup-v0", None).unwrap();
    let obs = env.reset(Some(0));
    let (rows, cols, agents) = (25, 18, 5);
    let count = |obs: &[f64], g: usize| {
        (0..rows)
            .flat_map(|y| (0..cols).map(move |x| (x, y)))
            .filter(|&(x, y)| grid(obs, agents, cols, rows, g, x, y) == 1.0)
            .count()
    };
    let (waste, river) = (count(&obs[0], 2), count(&obs[0], 3));
    assert_eq!((waste, river), (56, 119));
    let apples_at_start = count(&obs[0], 0);
    // Nobody cleans: the density stays at 0.47 >= 0.4, so eaten apples never regrow and no
    // waste spawns.
    let mut last = obs;
    for _ in 0..200 {
        last = step(env.as_mut(), &[ACTION_STAND; 5]).observations;
    }
    assert_eq!(count(&last[0], 2), 56);
    assert!(count(&last[0], 0) <= apples_at_start);
}

#[test]
fn episodes_are_truncated_after_1000_steps_and_never_terminated() {
    let mut env = make_parallel("GatheringSmall-v0", None).unwrap();
    env.reset(Some(0));
    for i in 1..=1000 {
        let out = step(env.as_mut(), &[ACTION_STAND, ACTION_STAND]);
        assert_eq!(out.terminations, vec![false, false]);
        assert_eq!(out.truncations, vec![i == 1000; 2]);
        assert_eq!(out.observations[1][STEP], f64::from(i));
        assert_eq!(out.observations[1][INDEX], 1.0);
    }
    let error = env.step(&[Action::Int(0), Action::Int(0)]).unwrap_err();
    assert_eq!(error, EnvError::EpisodeOver);
}

#[test]
fn a_wrong_action_is_a_typed_error_that_leaves_the_world_unchanged() {
    let mut env = make_parallel("Gathering-v0", None).unwrap();
    assert_eq!(
        env.step(&[Action::Int(0), Action::Int(0)]).unwrap_err(),
        EnvError::NotReset
    );
    let before = env.reset(Some(0));
    for actions in [
        vec![Action::Int(0)],
        vec![Action::Int(0), Action::Int(8)],
        vec![Action::Int(-1), Action::Int(0)],
        vec![Action::Float(0.5), Action::Int(0)],
        vec![Action::Int(0), Action::IntList(vec![1, 2])],
    ] {
        let error = env.step(&actions).unwrap_err();
        assert!(
            matches!(error, EnvError::InvalidAction { .. }),
            "{actions:?}: {error}"
        );
    }
    assert_eq!(env.observe_all(), before);
}

#[test]
fn every_world_takes_2_to_10_agents_and_describes_its_layout() {
    let registry = ParallelRegistry::default();
    let ids: Vec<&str> = registry.ids().collect();
    assert_eq!(
        ids,
        [
            "Cleanup-v0",
            "CleanupSmall-v0",
            "Gathering-v0",
            "GatheringLarge-v0",
            "GatheringSmall-v0"
        ]
    );
    for id in ids {
        for bad in [0, 1, 11] {
            assert!(matches!(
                registry.make(id, Some(bad)),
                Err(EnvError::InvalidConfig { .. })
            ));
        }
        for n in [2, 10] {
            let mut env = registry.make(id, Some(n)).unwrap();
            let obs = env.reset(Some(n as u64));
            assert_eq!(obs.len(), n);
            assert_eq!(obs[0].len(), env.description().observation_len());
            assert_eq!(env.agents()[n - 1], format!("agent_{}", n - 1));
            let text = env.description().to_prompt_text();
            for needle in ["obs.apples", "obs.agents", "read `[y][x]`", "Truncation"] {
                assert!(text.contains(needle), "{id}: {needle}");
            }
        }
    }
    assert!(matches!(
        make_parallel("Harvest-v0", None),
        Err(EnvError::UnknownEnv { .. })
    ));
}
