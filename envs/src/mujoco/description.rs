//! What the MuJoCo environments tell a model about themselves. Built without MuJoCo, so
//! `describe` and the env list work in a build without the `mujoco` feature.

use crate::mujoco::MujocoTask;
use crate::{Dtype, EnvDescription, ObservationField, Space};

/// A Box observation of `n` float64 values, unbounded (Gymnasium's MuJoCo spaces).
fn unbounded(n: usize) -> Space {
    Space::Box(crate::BoxSpace {
        low: vec![f64::NEG_INFINITY; n],
        high: vec![f64::INFINITY; n],
        dtype: Dtype::Float64,
    })
}

fn field(name: &str, meaning: &str, unit: &str) -> ObservationField {
    ObservationField::new(name, meaning, unit, f64::NEG_INFINITY, f64::INFINITY)
}

/// A velocity field, clipped to `[-clip, clip]` where Gymnasium clips it. Its listed bounds
/// stay those of Gymnasium's observation space, (-inf, inf); the meaning says the clipping.
fn velocity(name: &str, meaning: &str, unit: &str, clip: Option<f64>) -> ObservationField {
    match clip {
        Some(bound) => field(
            name,
            &format!("{meaning}, clipped to [-{bound}, {bound}]"),
            unit,
        ),
        None => field(name, meaning, unit),
    }
}

/// The angle and angular-velocity fields of hinge joints, in that order (positions first).
fn hinges(
    joints: &[(&str, &str)],
    velocity_clip: Option<f64>,
) -> (Vec<ObservationField>, Vec<ObservationField>) {
    let angles = joints
        .iter()
        .map(|(name, what)| {
            field(
                &format!("{name}_angle"),
                &format!("angle of the {what}"),
                "rad",
            )
        })
        .collect();
    let velocities = joints
        .iter()
        .map(|(name, what)| {
            velocity(
                &format!("{name}_angular_velocity"),
                &format!("angular velocity of the {what}"),
                "rad/s",
                velocity_clip,
            )
        })
        .collect();
    (angles, velocities)
}

fn actuators(joints: &[(&str, f64)], low: f64, high: f64) -> Vec<String> {
    joints
        .iter()
        .enumerate()
        .map(|(i, (joint, gear))| {
            format!("action[{i}]: torque on the {joint} joint, in [{low}, {high}] (times a gear of {gear} N m)")
        })
        .collect()
}

const TRUNCATION_1000: &str = "After 1000 steps.";

/// Builds the description of `task`.
pub(super) fn describe(task: MujocoTask) -> EnvDescription {
    match task {
        MujocoTask::InvertedPendulum => inverted_pendulum(),
        MujocoTask::InvertedDoublePendulum => inverted_double_pendulum(),
        MujocoTask::Reacher => reacher(),
        MujocoTask::Swimmer => swimmer(),
        MujocoTask::Hopper => hopper(),
        MujocoTask::HalfCheetah => half_cheetah(),
        MujocoTask::Walker2d => walker2d(),
        MujocoTask::Ant => ant(),
    }
}

fn base(task: MujocoTask, summary: &str, fields: Vec<ObservationField>) -> EnvDescription {
    let (low, high) = task.control_range();
    EnvDescription {
        id: task.id().into(),
        summary: format!(
            "{summary} MuJoCo 3.17 simulation of Gymnasium's {} model; each step applies the action for {} physics steps of {} s.",
            task.xml_file(),
            task.frame_skip(),
            task.timestep()
        ),
        observation_space: unbounded(fields.len()),
        observation_fields: fields,
        observation_note: String::new(),
        action_space: Space::box_f32(vec![low; task.action_len()], vec![high; task.action_len()]),
        action_meanings: Vec::new(),
        reward_source: String::new(),
        termination: String::new(),
        truncation: TRUNCATION_1000.into(),
        max_episode_steps: Some(1000),
        reward_threshold: None,
        starter_policy: String::new(),
    }
}

fn inverted_pendulum() -> EnvDescription {
    let task = MujocoTask::InvertedPendulum;
    EnvDescription {
        action_meanings: vec!["action[0]: force on the cart along the rail, in [-3, 3] (times a gear of 100 N)".into()],
        reward_source: "def reward(obs, action, next_obs, terminated):\n    return 1.0 if not terminated else 0.0\n".into(),
        termination: "When |pole_angle| > 0.2 rad, or any observation is not finite.".into(),
        reward_threshold: Some(950.0),
        starter_policy: "# Push the cart under the pole (float constants: the built-in tuner adjusts them).\nK_ANGLE = 3.0\nK_ANGULAR_VELOCITY = 0.5\nK_POSITION = 0.0\nK_VELOCITY = 0.1\n\n\ndef act(obs):\n    force = (K_ANGLE * obs.pole_angle + K_ANGULAR_VELOCITY * obs.pole_angular_velocity\n             + K_POSITION * obs.cart_position + K_VELOCITY * obs.cart_velocity)\n    return [max(-3.0, min(3.0, force))]\n".into(),
        ..base(
            task,
            "A pole is hinged on a cart that slides along a rail; it starts nearly upright (each joint position and velocity uniform in [-0.01, 0.01]). Move the cart to keep the pole balanced.",
            vec![
                field("cart_position", "position of the cart along the rail", "m"),
                field("pole_angle", "angle of the pole from upright", "rad"),
                field("cart_velocity", "velocity of the cart", "m/s"),
                field("pole_angular_velocity", "angular velocity of the pole", "rad/s"),
            ],
        )
    }
}

fn inverted_double_pendulum() -> EnvDescription {
    let task = MujocoTask::InvertedDoublePendulum;
    EnvDescription {
        action_meanings: vec!["action[0]: force on the cart along the rail, in [-1, 1] (times a gear of 500 N)".into()],
        reward_source: "def reward(tip_x, tip_y, pole_angular_velocity, pole2_angular_velocity, terminated):\n    # tip_x, tip_y: position of the tip of the second pole after the step (not observed);\n    # the velocities are unclipped\n    alive_bonus = 0.0 if terminated else 10.0\n    distance_penalty = 0.01 * tip_x ** 2 + (tip_y - 2) ** 2\n    velocity_penalty = 0.001 * pole_angular_velocity ** 2 + 0.005 * pole2_angular_velocity ** 2\n    return alive_bonus - distance_penalty - velocity_penalty\n".into(),
        termination: "When the tip of the second pole is at a height y <= 1 m (it stands at about 1.2 m when upright).".into(),
        reward_threshold: Some(9100.0),
        starter_policy: "# Keep both poles over the cart (float constants: the built-in tuner adjusts them).\nimport math\n\nK_ANGLE1 = 1.0\nK_ANGLE2 = 1.0\nK_VELOCITY1 = 0.1\nK_VELOCITY2 = 0.1\nK_CART = 0.05\n\n\ndef act(obs):\n    angle1 = math.atan2(obs.sin_pole_angle, obs.cos_pole_angle)\n    angle2 = math.atan2(obs.sin_pole2_angle, obs.cos_pole2_angle)\n    force = (K_ANGLE1 * angle1 + K_ANGLE2 * angle2 + K_VELOCITY1 * obs.pole_angular_velocity\n             + K_VELOCITY2 * obs.pole2_angular_velocity + K_CART * obs.cart_velocity)\n    return [max(-1.0, min(1.0, force))]\n".into(),
        ..base(
            task,
            "Two poles, one hinged on top of the other, stand on a cart that slides along a rail; they start nearly upright (positions uniform in [-0.1, 0.1], velocities normal with scale 0.1). Move the cart to keep both balanced with the tip high.",
            vec![
                field("cart_position", "position of the cart along the rail", "m"),
                field("sin_pole_angle", "sine of the first pole's angle from upright", ""),
                field("sin_pole2_angle", "sine of the second pole's angle relative to the first", ""),
                field("cos_pole_angle", "cosine of the first pole's angle", ""),
                field("cos_pole2_angle", "cosine of the second pole's angle relative to the first", ""),
                field("cart_velocity", "velocity of the cart, clipped to [-10, 10]", "m/s"),
                field("pole_angular_velocity", "angular velocity of the first pole, clipped to [-10, 10]", "rad/s"),
                field("pole2_angular_velocity", "angular velocity of the second pole, clipped to [-10, 10]", "rad/s"),
                field("cart_constraint_force", "constraint force on the cart, clipped to [-10, 10]", "N"),
            ],
        )
    }
}

fn reacher() -> EnvDescription {
    let task = MujocoTask::Reacher;
    EnvDescription {
        action_meanings: actuators(&[("shoulder (joint0)", 200.0), ("elbow (joint1)", 200.0)], -1.0, 1.0),
        reward_source: "import math\n\ndef reward(obs, action, next_obs, terminated):\n    # distance between fingertip and target after the step, and a control cost\n    distance = math.hypot(next_obs.fingertip_to_target_x, next_obs.fingertip_to_target_y)\n    return -distance - (action[0] ** 2 + action[1] ** 2)\n".into(),
        termination: "Never: the episode only ends by truncation.".into(),
        truncation: "After 50 steps.".into(),
        max_episode_steps: Some(50),
        reward_threshold: Some(-3.75),
        starter_policy: "# Turn each joint towards the target (float constants: the built-in tuner adjusts them).\nimport math\n\nGAIN = 2.0\nDAMPING = 0.1\n\n\ndef act(obs):\n    a0 = math.atan2(obs.sin_joint0, obs.cos_joint0)\n    a1 = math.atan2(obs.sin_joint1, obs.cos_joint1)\n    dx, dy = obs.fingertip_to_target_x, obs.fingertip_to_target_y\n    # the fingertip moves perpendicular to each link: push along that direction\n    t0 = GAIN * (dx * math.sin(a0) - dy * math.cos(a0)) - DAMPING * obs.joint0_velocity\n    t1 = GAIN * (dx * math.sin(a0 + a1) - dy * math.cos(a0 + a1)) - DAMPING * obs.joint1_velocity\n    return [max(-1.0, min(1.0, t0)), max(-1.0, min(1.0, t1))]\n".into(),
        ..base(
            task,
            "A two-link arm in a plane, fixed at the shoulder, must move its fingertip to a target placed at random within 0.2 m of the centre each episode.",
            vec![
                field("cos_joint0", "cosine of the shoulder angle", ""),
                field("cos_joint1", "cosine of the elbow angle", ""),
                field("sin_joint0", "sine of the shoulder angle", ""),
                field("sin_joint1", "sine of the elbow angle", ""),
                field("target_x", "x of the target", "m"),
                field("target_y", "y of the target", "m"),
                field("joint0_velocity", "angular velocity of the shoulder", "rad/s"),
                field("joint1_velocity", "angular velocity of the elbow", "rad/s"),
                field("fingertip_to_target_x", "x of fingertip minus x of target", "m"),
                field("fingertip_to_target_y", "y of fingertip minus y of target", "m"),
            ],
        )
    }
}

/// The reward source shared by the forward-moving robots.
fn locomotion_reward(ctrl_weight: &str, healthy: bool, contact: bool) -> String {
    let mut source = format!(
        "def reward(x_before, x_after, action, dt):\n    # x_before, x_after: x of the body before and after the step (not observed);\n    # dt: seconds per step\n    forward = (x_after - x_before) / dt\n    control_cost = {ctrl_weight} * sum(a * a for a in action)\n"
    );
    if contact {
        source.push_str("    # contact_forces: every cfrc_ext value of every body, clipped to [-1, 1]\n    contact_cost = 5e-4 * sum(f * f for f in contact_forces)\n");
    }
    let healthy_term = if healthy {
        " + (1.0 if healthy else 0.0)"
    } else {
        ""
    };
    let contact_term = if contact { " - contact_cost" } else { "" };
    source.push_str(&format!(
        "    return forward{healthy_term} - control_cost{contact_term}\n"
    ));
    source
}

/// An open-loop gait: each joint follows a sine wave; the tuner adjusts the constants.
fn sine_gait_starter(joints: usize, amplitude: f64, frequency: f64) -> String {
    format!(
        "# An open-loop gait: every joint follows a sine wave, each with its own phase\n# (float constants: the built-in tuner adjusts them).\nimport math\n\nAMPLITUDE = {amplitude:?}\nFREQUENCY = {frequency:?}\nPHASE_STEP = 1.0\nBIAS = 0.0\n\n\nclass Policy:\n    def reset(self):\n        self.t = 0\n\n    def act(self, obs):\n        self.t = getattr(self, \"t\", 0) + 1\n        return [max(-1.0, min(1.0, BIAS + AMPLITUDE * math.sin(FREQUENCY * self.t + PHASE_STEP * i)))\n                for i in range({joints})]\n"
    )
}

fn swimmer() -> EnvDescription {
    let task = MujocoTask::Swimmer;
    let (mut fields, velocities) = hinges(
        &[
            ("front_tip", "front segment (its heading)"),
            ("joint1", "first rotor"),
            ("joint2", "second rotor"),
        ],
        None,
    );
    fields.push(field(
        "x_velocity",
        "velocity of the front tip along x",
        "m/s",
    ));
    fields.push(field(
        "y_velocity",
        "velocity of the front tip along y",
        "m/s",
    ));
    fields.extend(velocities);
    EnvDescription {
        action_meanings: actuators(
            &[("first rotor", 150.0), ("second rotor", 150.0)],
            -1.0,
            1.0,
        ),
        reward_source: locomotion_reward("1e-4", false, false)
            .replace("x of the body", "x of the front tip"),
        termination: "Never: the episode only ends by truncation.".into(),
        reward_threshold: Some(360.0),
        starter_policy: sine_gait_starter(2, 1.0, 0.5),
        ..base(
            task,
            "A three-segment swimmer in a viscous fluid, joined by two rotors, must swim forward (+x) as fast as possible. It starts near rest (positions and velocities uniform in [-0.1, 0.1]).",
            fields,
        )
    }
}

fn planar_walker(
    task: MujocoTask,
    summary: &str,
    joints: &[(&str, &str)],
    velocity_clip: Option<f64>,
) -> EnvDescription {
    let (angles, velocities) = hinges(joints, velocity_clip);
    let mut fields = vec![
        field("z", "height of the torso", "m"),
        field("torso_angle", "pitch angle of the torso", "rad"),
    ];
    fields.extend(angles);
    fields.push(velocity(
        "x_velocity",
        "forward velocity of the torso",
        "m/s",
        velocity_clip,
    ));
    fields.push(velocity(
        "z_velocity",
        "vertical velocity of the torso",
        "m/s",
        velocity_clip,
    ));
    fields.push(velocity(
        "torso_angular_velocity",
        "pitch rate of the torso",
        "rad/s",
        velocity_clip,
    ));
    fields.extend(velocities);
    base(task, summary, fields)
}

fn hopper() -> EnvDescription {
    let task = MujocoTask::Hopper;
    EnvDescription {
        action_meanings: actuators(&[("thigh", 200.0), ("leg", 200.0), ("foot", 200.0)], -1.0, 1.0),
        reward_source: locomotion_reward("1e-3", true, false),
        termination: "When the hopper is unhealthy: z <= 0.7, |torso_angle| >= 0.2, or any position but x and z, or any velocity (unclipped), outside (-100, 100).".into(),
        reward_threshold: Some(3800.0),
        starter_policy: sine_gait_starter(3, 0.5, 0.3),
        ..planar_walker(
            task,
            "A one-legged robot in a plane must hop forward (+x) as fast as possible without falling. It starts standing (positions and velocities perturbed by uniform noise in [-0.005, 0.005]).",
            &[("thigh", "thigh joint"), ("leg", "knee"), ("foot", "ankle")],
            Some(10.0),
        )
    }
}

fn half_cheetah() -> EnvDescription {
    let task = MujocoTask::HalfCheetah;
    EnvDescription {
        action_meanings: actuators(
            &[
                ("back thigh", 120.0),
                ("back shin", 90.0),
                ("back foot", 60.0),
                ("front thigh", 120.0),
                ("front shin", 60.0),
                ("front foot", 30.0),
            ],
            -1.0,
            1.0,
        ),
        reward_source: locomotion_reward("0.1", false, false),
        termination:
            "Never: the episode only ends by truncation (the cheetah cannot fall over for good)."
                .into(),
        reward_threshold: Some(4800.0),
        starter_policy: sine_gait_starter(6, 0.8, 0.5),
        ..planar_walker(
            task,
            "A two-legged cat-like robot in a plane must run forward (+x) as fast as possible. It starts near rest (positions uniform in [-0.1, 0.1], velocities normal with scale 0.1).",
            &[
                ("bthigh", "back thigh"),
                ("bshin", "back shin"),
                ("bfoot", "back foot"),
                ("fthigh", "front thigh"),
                ("fshin", "front shin"),
                ("ffoot", "front foot"),
            ],
            None,
        )
    }
}

fn walker2d() -> EnvDescription {
    let task = MujocoTask::Walker2d;
    EnvDescription {
        action_meanings: actuators(
            &[
                ("right thigh", 100.0),
                ("right leg", 100.0),
                ("right foot", 100.0),
                ("left thigh", 100.0),
                ("left leg", 100.0),
                ("left foot", 100.0),
            ],
            -1.0,
            1.0,
        ),
        reward_source: locomotion_reward("1e-3", true, false),
        termination:
            "When the walker is unhealthy: z outside (0.8, 2.0) or torso_angle outside (-1, 1)."
                .into(),
        starter_policy: sine_gait_starter(6, 0.5, 0.3),
        ..planar_walker(
            task,
            "A two-legged robot in a plane must walk forward (+x) as fast as possible without falling. It starts standing (positions and velocities perturbed by uniform noise in [-0.005, 0.005]).",
            &[
                ("thigh", "right hip"),
                ("leg", "right knee"),
                ("foot", "right ankle"),
                ("thigh_left", "left hip"),
                ("leg_left", "left knee"),
                ("foot_left", "left ankle"),
            ],
            Some(10.0),
        )
    }
}

/// The Ant's bodies after the world, in model order (the feet have no names in the XML).
const ANT_BODIES: [&str; 13] = [
    "torso",
    "front_left_leg",
    "front_left_hip",
    "front_left_foot",
    "front_right_leg",
    "front_right_hip",
    "front_right_foot",
    "back_left_leg",
    "back_left_hip",
    "back_left_foot",
    "back_right_leg",
    "back_right_hip",
    "back_right_foot",
];

fn ant() -> EnvDescription {
    let task = MujocoTask::Ant;
    let legs = [
        ("hip_1", "front left hip"),
        ("ankle_1", "front left ankle"),
        ("hip_2", "front right hip"),
        ("ankle_2", "front right ankle"),
        ("hip_3", "back left hip"),
        ("ankle_3", "back left ankle"),
        ("hip_4", "back right hip"),
        ("ankle_4", "back right ankle"),
    ];
    let (angles, velocities) = hinges(&legs, None);
    let mut fields = vec![
        field("z", "height of the torso", "m"),
        field("torso_qw", "torso orientation quaternion, w", ""),
        field("torso_qx", "torso orientation quaternion, x", ""),
        field("torso_qy", "torso orientation quaternion, y", ""),
        field("torso_qz", "torso orientation quaternion, z", ""),
    ];
    fields.extend(angles);
    for (axis, what, unit) in [
        ("x", "velocity of the torso along x", "m/s"),
        ("y", "velocity of the torso along y", "m/s"),
        ("z", "velocity of the torso along z", "m/s"),
        (
            "roll",
            "angular velocity of the torso about its x axis",
            "rad/s",
        ),
        (
            "pitch",
            "angular velocity of the torso about its y axis",
            "rad/s",
        ),
        (
            "yaw",
            "angular velocity of the torso about its z axis",
            "rad/s",
        ),
    ] {
        fields.push(field(&format!("torso_{axis}_velocity"), what, unit));
    }
    fields.extend(velocities);
    for body in ANT_BODIES {
        for component in [
            "torque_x", "torque_y", "torque_z", "force_x", "force_y", "force_z",
        ] {
            fields.push(field(
                &format!("{body}_contact_{component}"),
                &format!(
                    "external (contact) {component} on the {}, clipped to [-1, 1]",
                    body.replace('_', " ")
                ),
                "",
            ));
        }
    }
    EnvDescription {
        action_meanings: actuators(
            &[("back right hip (hip_4)", 150.0), ("back right ankle (ankle_4)", 150.0), ("front left hip (hip_1)", 150.0), ("front left ankle (ankle_1)", 150.0), ("front right hip (hip_2)", 150.0), ("front right ankle (ankle_2)", 150.0), ("back left hip (hip_3)", 150.0), ("back left ankle (ankle_3)", 150.0)],
            -1.0,
            1.0,
        ),
        reward_source: locomotion_reward("0.5", true, true).replace("x of the body", "x of the torso"),
        termination: "When the ant is unhealthy: z outside [0.2, 1.0], or any position or velocity not finite.".into(),
        reward_threshold: Some(6000.0),
        starter_policy: sine_gait_starter(8, 0.5, 0.3),
        ..base(
            task,
            "A four-legged robot (a torso with four two-joint legs) on a plane must walk forward (+x) as fast as possible without flipping or jumping too high. It starts standing (positions uniform in [-0.1, 0.1] about the initial pose, velocities normal with scale 0.1).",
            fields,
        )
    }
}
