#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ppo_sandbox_fuzzing::targets::python_mutated(data));
