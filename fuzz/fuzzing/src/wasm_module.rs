//! Arbitrary WebAssembly modules as native policies. wasm-smith generates a valid module with
//! the contract's exports and any WASI imports; a few functions are then pinned so the module
//! gets past the version check and into `ppo_act` (otherwise nearly every module would stop at
//! a random version number). Some inputs stay raw bytes, for the validator's error paths.

use arbitrary::{Arbitrary, Result, Unstructured};
use wasm_encoder::reencode::{Reencode, utils};
use wasm_encoder::{CodeSection, Function, Instruction};

use crate::wasi::imports_wat;

/// A candidate native policy module.
#[derive(Clone, Debug)]
pub struct ContractModule {
    pub bytes: Vec<u8>,
}

/// The exports every generated module has (implementations are arbitrary).
const CONTRACT_EXPORTS: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "ppo_contract_version") (result i32) unreachable)
  (func (export "ppo_obs_buffer") (param i32) (result i32) unreachable)
  (func (export "ppo_act") (param i32) (result i32) unreachable)
  (func (export "ppo_reset") (result i32) unreachable))"#;

impl<'a> Arbitrary<'a> for ContractModule {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if u.ratio(1, 10)? {
            return Ok(ContractModule {
                bytes: u.arbitrary()?,
            });
        }
        let mut config = wasm_smith::Config {
            available_imports: Some(wat::parse_str(imports_wat()).expect("WASI imports parse")),
            exports: Some(wat::parse_str(CONTRACT_EXPORTS).expect("contract exports parse")),
            max_imports: 12,
            max_funcs: 12,
            max_instructions: 200,
            max_memory32_bytes: 1 << 30,
            // Proposals the engine does not enable would only exercise the validator.
            gc_enabled: false,
            exceptions_enabled: false,
            threads_enabled: false,
            reference_types_enabled: false,
            shared_everything_threads_enabled: false,
            memory64_enabled: false,
            custom_page_sizes_enabled: false,
            wide_arithmetic_enabled: false,
            compact_imports_enabled: false,
            ..wasm_smith::Config::default()
        };
        // The exported memory is generated whatever the cap; no second one (the limits allow
        // one memory, and a second would end nearly every module at instantiation).
        config.max_memories = 0;
        // Half the modules avoid trapping instructions, so they run on into the contract.
        config.disallow_traps = u.arbitrary()?;
        let module = wasm_smith::Module::new(config, u)?;
        let bytes = module.to_bytes();
        let pins = Pins {
            version: u.ratio(7, 8)?,
            obs_buffer: u.ratio(1, 2)?,
            reset: u.ratio(1, 2)?,
        };
        Ok(ContractModule {
            bytes: pin_exports(&bytes, pins).unwrap_or(bytes),
        })
    }
}

/// Which contract functions get fixed bodies.
#[derive(Clone, Copy, Debug)]
struct Pins {
    /// `ppo_contract_version` answers 1.
    version: bool,
    /// `ppo_obs_buffer` answers an address in the first page.
    obs_buffer: bool,
    /// `ppo_reset` answers address 0 (an all-zero reply, "ok", unless data was put there).
    reset: bool,
}

/// Rewrites the pinned contract functions. `None` if the module does not reencode.
fn pin_exports(bytes: &[u8], pins: Pins) -> Option<Vec<u8>> {
    let mut imported_functions = 0u32;
    let mut pinned = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.ok()? {
            wasmparser::Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    if matches!(import.ok()?.ty, wasmparser::TypeRef::Func(_)) {
                        imported_functions += 1;
                    }
                }
            }
            wasmparser::Payload::ExportSection(section) => {
                for export in section {
                    let export = export.ok()?;
                    let answer = match export.name {
                        "ppo_contract_version" if pins.version => 1,
                        "ppo_obs_buffer" if pins.obs_buffer => 1024,
                        "ppo_reset" if pins.reset => 0,
                        _ => continue,
                    };
                    if export.kind == wasmparser::ExternalKind::Func {
                        pinned.push((export.index, answer));
                    }
                }
            }
            _ => {}
        }
    }
    let mut pinner = Pinner {
        next_function: imported_functions,
        pinned,
    };
    let mut module = wasm_encoder::Module::new();
    pinner
        .parse_core_module(&mut module, wasmparser::Parser::new(0), bytes)
        .ok()?;
    Some(module.finish())
}

/// Reencodes a module unchanged except for the bodies of pinned functions.
struct Pinner {
    next_function: u32,
    /// (function index, the `i32` it answers)
    pinned: Vec<(u32, i32)>,
}

impl Reencode for Pinner {
    type Error = std::convert::Infallible;

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> std::result::Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        let index = self.next_function;
        self.next_function += 1;
        match self.pinned.iter().find(|(pinned, _)| *pinned == index) {
            Some(&(_, answer)) => {
                let mut body = Function::new([]);
                body.instruction(&Instruction::I32Const(answer));
                body.instruction(&Instruction::End);
                code.function(&body);
                Ok(())
            }
            None => utils::parse_function_body(self, code, func),
        }
    }
}
