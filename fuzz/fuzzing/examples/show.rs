//! Shows what a fuzz input means, for triage: `cargo run -p ppo-sandbox-fuzzing --example show
//! -- TARGET FILE...` prints the generated policy (or module, case, answer) and how it played;
//! with `SHOW_WASM_TO=DIR`, generated modules are written there too.

use arbitrary::{Arbitrary, Unstructured};
use ppo_sandbox_engine::PolicySource;
use ppo_sandbox_fuzzing::{
    BoundaryCase, ContractModule, EnvSession, FUZZ_ENVS, ModelAnswer, MutatedPolicy, PythonProgram,
    env_of, fuzz_limits, play,
};

fn decode<'a, T: Arbitrary<'a>>(data: &'a [u8]) -> Option<T> {
    T::arbitrary_take_rest(Unstructured::new(data)).ok()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().expect("usage: show TARGET FILE...");
    for file in args {
        let data = std::fs::read(&file).expect("readable input");
        println!("=== {file}");
        let (source, env) = match target.as_str() {
            "python_source" => {
                let text = String::from_utf8_lossy(&data).into_owned();
                (
                    Some(PolicySource::python_bytes(data.clone())),
                    env_of(&text),
                )
            }
            "python_grammar" => match decode::<PythonProgram>(&data) {
                Some(p) => {
                    println!("{}", p.source);
                    (Some(PolicySource::python(p.source)), FUZZ_ENVS[p.env])
                }
                None => (None, ""),
            },
            "python_mutated" => match decode::<MutatedPolicy>(&data) {
                Some(p) => {
                    println!("{}", p.source);
                    (Some(PolicySource::python(p.source)), p.env)
                }
                None => (None, ""),
            },
            "wasm_module" => match decode::<ContractModule>(&data) {
                Some(m) => {
                    println!("{} bytes of module", m.bytes.len());
                    if let Some(dir) = std::env::var_os("SHOW_WASM_TO") {
                        let name = std::path::Path::new(&file)
                            .file_name()
                            .expect("a file name");
                        let path = std::path::Path::new(&dir).join(name).with_extension("wasm");
                        std::fs::write(&path, &m.bytes).expect("writable dump folder");
                    }
                    let env =
                        FUZZ_ENVS[data.first().map_or(0, |b| usize::from(*b)) % FUZZ_ENVS.len()];
                    (Some(PolicySource::wasm(m.bytes)), env)
                }
                None => (None, ""),
            },
            "boundary_values" => {
                println!("{:#?}", decode::<BoundaryCase>(&data));
                (None, "")
            }
            "model_answer" => {
                println!("{:#?}", decode::<ModelAnswer>(&data));
                (None, "")
            }
            "env_step" => {
                println!("{:#?}", decode::<EnvSession>(&data));
                (None, "")
            }
            other => panic!("unknown target {other}"),
        };
        if let Some(source) = source {
            let played = play(&source, env, &fuzz_limits(), 1, 12);
            println!(
                "--- {env}: {} actions, crash: {:?}",
                played.actions,
                played.crash.map(|c| (c.kind, c.message))
            );
        }
    }
}
