//! Parallel assignment to local names without the tuple.
//!
//! `th, th_dot, x, x_dot = obs[2], obs[3], obs[0], obs[1]` compiles, in RustPython 0.6 as in
//! CPython 3.14, to the four values, `BUILD_TUPLE 4`, `UNPACK_SEQUENCE 4` and the stores. For
//! two or three names the compiler swaps the values on the stack instead; from four on it
//! builds and unpacks a real tuple, and in the sandboxed interpreter that tuple (allocation,
//! garbage-collector tracking, deallocation) costs about as much as the four subscripts that
//! fill it: about a fifth of a small `act`. Models write observations out this way often.
//!
//! Where every target is a distinct local variable (`STORE_FAST`), [`drop_tuples`] replaces
//! the tuple's two instructions with a jump past them and reverses the stores, so that each
//! value goes from the stack straight to its name: the same bindings, no tuple. Instructions
//! keep their positions, so jumps, the exception table and the line table stay as they are.
//! One thing a program can observe changes, as with CPython's own store reordering for two
//! or three names: the targets' old values are released last name first, so the `__del__`
//! methods of objects they held run in that order.
//!
//! One hazard is handled: the compiler lets a value that an instruction of the same basic
//! block consumes stay a borrowed reference (`LOAD_FAST_BORROW`). In `a, b, c, d = d, c, b, a`
//! the tuple took its own references before any store; with the stores reversed, storing `d`
//! would free the value that the borrowed `d` still stands for on the stack. So every
//! borrowed load of a target name in the statement's basic block becomes an owned load
//! (`LOAD_FAST`), which is always correct, only a reference count slower.

use std::collections::HashSet;

use rustpython_vm::bytecode::{Arg, CodeObject, CodeUnit, ConstantData, Instruction, OpArgByte};

/// Rewrites every eligible parallel assignment in `code` and in the code objects nested in
/// its constants (functions, classes, comprehensions).
pub(crate) fn drop_tuples(code: &mut CodeObject) {
    let mut units: Vec<CodeUnit> = code.instructions.to_vec();
    let mut rewritten = false;
    for index in 0..units.len() {
        if let Some(assignment) = eligible_assignment(&units, index) {
            rewrite(&mut units, index, &assignment);
            rewritten = true;
        }
    }
    if rewritten {
        code.instructions = units.into();
    }
    for constant in code.constants.iter_mut() {
        if let ConstantData::Code { code } = constant {
            drop_tuples(code);
        }
    }
}

/// Whether `units` build a tuple only to unpack it at once, i.e. whether [`drop_tuples`]
/// could have work to do in their code object.
pub(crate) fn has_tuple_unpack(units: &[CodeUnit]) -> bool {
    units.windows(2).any(|pair| {
        matches!(
            (pair[0].op, pair[1].op),
            (
                Instruction::BuildTuple { .. },
                Instruction::UnpackSequence { .. }
            )
        ) && pair[0].arg.as_u8() == pair[1].arg.as_u8()
    })
}

/// A parallel assignment whose tuple can go.
struct Assignment {
    /// The units of its stores.
    stores: std::ops::Range<usize>,
    /// The locals they bind.
    targets: HashSet<u8>,
    /// The distance of the jump from `BUILD_TUPLE` past the unpacking to the first store.
    jump: u8,
}

/// The parallel assignment whose `BUILD_TUPLE` is `units[index]`, if the tuple can go:
/// `BUILD_TUPLE n` (no extended argument) right before `UNPACK_SEQUENCE n` and its cache
/// entries, then `STORE_FAST`/`STORE_FAST_STORE_FAST` units binding exactly `n` distinct
/// locals.
fn eligible_assignment(units: &[CodeUnit], index: usize) -> Option<Assignment> {
    let build = units[index];
    let Instruction::BuildTuple { .. } = build.op else {
        return None;
    };
    if index > 0 && matches!(units[index - 1].op, Instruction::ExtendedArg) {
        return None;
    }
    let count = usize::from(build.arg.as_u8());
    let unpack = *units.get(index + 1)?;
    if !matches!(unpack.op, Instruction::UnpackSequence { .. })
        || usize::from(unpack.arg.as_u8()) != count
        || count < 2
    {
        return None;
    }
    let first_store = index + 2 + unpack.op.cache_entries();
    let jump = u8::try_from(first_store - index - 1).ok()?;
    if units
        .get(index + 2..first_store)?
        .iter()
        .any(|unit| !matches!(unit.op, Instruction::Cache))
    {
        return None;
    }
    let mut targets = HashSet::new();
    let mut end = first_store;
    while targets.len() < count {
        let unit = *units.get(end)?;
        let fresh = match unit.op {
            Instruction::StoreFast { .. } => targets.insert(unit.arg.as_u8()),
            Instruction::StoreFastStoreFast { .. } => {
                let (first, second) = split_pair(unit);
                targets.insert(first) && targets.insert(second)
            }
            _ => return None,
        };
        if !fresh {
            // `a, b, a, c = ...` binds `a` twice; the last binding must win.
            return None;
        }
        end += 1;
    }
    (targets.len() == count).then_some(Assignment {
        stores: first_store..end,
        targets,
        jump,
    })
}

/// Drops the tuple of `assignment`, whose `BUILD_TUPLE` is `units[index]`.
fn rewrite(units: &mut [CodeUnit], index: usize, assignment: &Assignment) {
    let stores = assignment.stores.clone();
    own_borrowed_loads(units, index, &assignment.targets);
    // One jump over the unpacking (`UNPACK_SEQUENCE` and its cache entries, made `NOP`s)
    // costs one dispatch where three `NOP`s would cost three.
    units[index] = CodeUnit::new(
        Instruction::JumpForward {
            delta: Arg::marker(),
        },
        assignment.jump.into(),
    );
    for unit in &mut units[index + 1..stores.start] {
        *unit = CodeUnit::new(Instruction::Nop, OpArgByte::NULL);
    }
    // The values lie on the stack in target order, the last on top: store them from the
    // last target to the first. A pair unit stores its first name first, so pairs swap.
    // Their source positions stay where they were: the `locations` and the line table must
    // agree, and the targets of one statement rarely span lines.
    units[stores.clone()].reverse();
    for unit in &mut units[stores] {
        if let Instruction::StoreFastStoreFast { .. } = unit.op {
            let (first, second) = split_pair(*unit);
            unit.arg = ((second << 4) | first).into();
        }
    }
}

/// Makes the borrowed loads of `targets` in the basic block that ends at `units[index]`
/// owned. The block starts after the last jump, branch, return or raise before `index` (the
/// compiler's own test for a block's end); going further back, past a jump target, only
/// makes more loads owned, which is harmless.
fn own_borrowed_loads(units: &mut [CodeUnit], index: usize, targets: &HashSet<u8>) {
    for position in (0..index).rev() {
        let unit = units[position];
        if unit.op.is_terminator() {
            return;
        }
        let extended = position > 0 && matches!(units[position - 1].op, Instruction::ExtendedArg);
        match unit.op {
            Instruction::LoadFastBorrow { .. }
                if !extended && targets.contains(&unit.arg.as_u8()) =>
            {
                units[position].op = Instruction::LoadFast {
                    var_num: Arg::marker(),
                };
            }
            Instruction::LoadFastBorrowLoadFastBorrow { .. } => {
                let (first, second) = split_pair(unit);
                if targets.contains(&first) || targets.contains(&second) {
                    units[position].op = Instruction::LoadFastLoadFast {
                        var_nums: Arg::marker(),
                    };
                }
            }
            _ => {}
        }
    }
}

/// The two local slots of a superinstruction (`STORE_FAST_STORE_FAST`,
/// `LOAD_FAST_BORROW_LOAD_FAST_BORROW`): four bits each, the first in the high bits.
fn split_pair(unit: CodeUnit) -> (u8, u8) {
    let arg = unit.arg.as_u8();
    (arg >> 4, arg & 0xf)
}
