//! Structured observations (multi-agent worlds): named scalars, grids and records built from
//! the flat `f64` values the host writes, as read-only Python objects.
//!
//! Everything is a tuple or a tuple subclass with `__slots__ = ()`, so a policy cannot write
//! into what it sees. Because the objects are immutable, a grid row or a record whose values
//! did not change since the last step is handed out again instead of being rebuilt: a world
//! where a few apples change per step costs a few new rows, not a new grid. The host, which
//! compares natively, says which parts changed: one flag per part follows the values.

use rustpython_vm::{
    PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine,
    builtins::{PyTuple, PyType},
};

use crate::{Failure, fields};

/// One line of a structured layout (see `ppo_sandbox_contract::OBS_KIND_STRUCT`).
pub(crate) enum StructItem {
    Int {
        name: String,
    },
    Float {
        name: String,
    },
    Grid {
        name: String,
        rows: usize,
        cols: usize,
    },
    Records {
        name: String,
        count: usize,
        fields: Vec<String>,
    },
}

/// Largest number of values one item may span (a grid of 1,000 x 1,000).
const MAX_ITEM_VALUES: usize = 1_000_000;

impl StructItem {
    pub(crate) fn parse(line: &str) -> Result<StructItem, Failure> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let bad = || Failure::protocol(&format!("bad structured layout line {line:?}"));
        let number = |word: Option<&&str>| -> Result<usize, Failure> {
            word.and_then(|w| w.parse::<usize>().ok())
                .filter(|&n| n <= MAX_ITEM_VALUES)
                .ok_or_else(bad)
        };
        let name = words.get(1).map(|n| (*n).to_owned()).ok_or_else(bad)?;
        let item = match words.first().copied() {
            Some("int") if words.len() == 2 => StructItem::Int { name },
            Some("float") if words.len() == 2 => StructItem::Float { name },
            Some("grid") if words.len() == 4 => StructItem::Grid {
                name,
                rows: number(words.get(2))?,
                cols: number(words.get(3))?,
            },
            Some("records") if words.len() >= 4 => StructItem::Records {
                name,
                count: number(words.get(2))?,
                fields: words[3..].iter().map(|f| (*f).to_owned()).collect(),
            },
            _ => return Err(bad()),
        };
        if item.len() > MAX_ITEM_VALUES {
            return Err(bad());
        }
        Ok(item)
    }

    fn name(&self) -> &str {
        match self {
            StructItem::Int { name }
            | StructItem::Float { name }
            | StructItem::Grid { name, .. }
            | StructItem::Records { name, .. } => name,
        }
    }

    /// How many flat values the item spans.
    fn len(&self) -> usize {
        match self {
            StructItem::Int { .. } | StructItem::Float { .. } => 1,
            StructItem::Grid { rows, cols, .. } => rows * cols,
            StructItem::Records { count, fields, .. } => count * fields.len(),
        }
    }

    /// How many parts the item is cut into (the host sends one change flag per part).
    fn part_count(&self) -> usize {
        self.len().checked_div(self.part_len()).unwrap_or(0)
    }

    /// Length of the parts the item is cached by: a grid row, a record, or the whole item.
    fn part_len(&self) -> usize {
        match self {
            StructItem::Grid { cols, .. } => *cols,
            StructItem::Records { fields, .. } => fields.len(),
            _ => self.len(),
        }
    }
}

/// The layout, its Python types, and what the last step built.
pub(crate) struct Structured {
    items: Vec<StructItem>,
    observation_type: PyRef<PyType>,
    /// The record type of each `Records` item (`None` for the others).
    record_types: Vec<Option<PyRef<PyType>>>,
    total_len: usize,
    /// Parts over all items: as many change flags follow the values.
    part_count: usize,
    /// Per item: the object the last step built (for a grid or records, the tuple of its
    /// parts, which are reused from it).
    last_items: Vec<Option<PyObjectRef>>,
}

impl Structured {
    pub(crate) fn new(
        vm: &VirtualMachine,
        prelude: &PyObjectRef,
        items: Vec<StructItem>,
    ) -> PyResult<Structured> {
        let make = prelude.get_attr("make_struct_type", vm)?;
        let new_type = |type_name: &str, names: Vec<&str>| -> PyResult<PyRef<PyType>> {
            let field_names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            let names: Vec<PyObjectRef> = names
                .into_iter()
                .map(|n| vm.ctx.new_str(n).into())
                .collect();
            let class = make
                .call((type_name, vm.ctx.new_list(names)), vm)?
                .downcast::<PyType>()
                .map_err(|_| vm.new_type_error("structured observation type"))?;
            fields::read_fields_directly(vm, &class, &field_names);
            Ok(class)
        };
        let observation_type =
            new_type("Observation", items.iter().map(StructItem::name).collect())?;
        let record_types = items
            .iter()
            .map(|item| match item {
                StructItem::Records { name, fields, .. } => new_type(
                    &record_type_name(name),
                    fields.iter().map(String::as_str).collect(),
                )
                .map(Some),
                _ => Ok(None),
            })
            .collect::<PyResult<Vec<_>>>()?;
        let total_len = items.iter().map(StructItem::len).sum();
        let part_count = items.iter().map(StructItem::part_count).sum();
        let count = items.len();
        Ok(Structured {
            items,
            observation_type,
            record_types,
            total_len,
            part_count,
            last_items: vec![None; count],
        })
    }

    /// The observation object for `wire`: the layout's values, then one flag per part (a
    /// scalar, a grid row, a record), non-zero where the part changed since the last call.
    /// Every part whose flag is zero is the object the last call built; on the first call, or
    /// after a failed one, everything is built.
    pub(crate) fn build(&mut self, vm: &VirtualMachine, wire: &[f64]) -> PyResult<PyObjectRef> {
        if wire.len() != self.total_len + self.part_count {
            return Err(vm.new_value_error(format!(
                "structured observation of {} values and flags; the layout has {} and {}",
                wire.len(),
                self.total_len,
                self.part_count
            )));
        }
        let built = self.build_parts(vm, wire);
        if built.is_err() {
            // Some items may be older than the buffer now: rebuild all of them next time.
            self.last_items.iter_mut().for_each(|item| *item = None);
        }
        built
    }

    fn build_parts(&mut self, vm: &VirtualMachine, wire: &[f64]) -> PyResult<PyObjectRef> {
        let (values, flags) = wire.split_at(self.total_len);
        let mut fields = Vec::with_capacity(self.items.len());
        let (mut offset, mut flag_offset) = (0, 0);
        for (index, item) in self.items.iter().enumerate() {
            let len = item.len();
            let part_count = item.part_count();
            let now = &values[offset..offset + len];
            let changed = &flags[flag_offset..flag_offset + part_count];
            offset += len;
            flag_offset += part_count;
            if let Some(object) = &self.last_items[index]
                && changed.iter().all(|&flag| flag == 0.0)
            {
                fields.push(object.clone());
                continue;
            }
            let object: PyObjectRef = match item {
                StructItem::Int { .. } => int(vm, now[0]),
                StructItem::Float { .. } => vm.ctx.new_float(now[0]).into(),
                StructItem::Grid { .. } | StructItem::Records { .. } => {
                    let part_len = item.part_len();
                    let parts = self.last_items[index]
                        .as_ref()
                        .and_then(|last| last.downcast_ref::<PyTuple>())
                        .map_or(&[][..], |last| last.as_slice());
                    let record_type = &self.record_types[index];
                    let mut rebuilt = Vec::with_capacity(part_count);
                    for (part, &flag) in changed.iter().enumerate() {
                        match parts.get(part) {
                            Some(object) if flag == 0.0 => rebuilt.push(object.clone()),
                            _ => {
                                let cells: Box<[PyObjectRef]> = now
                                    [part * part_len..(part + 1) * part_len]
                                    .iter()
                                    .map(|&v| int(vm, v))
                                    .collect();
                                let tuple = PyTuple::new_unchecked(cells);
                                rebuilt.push(match record_type {
                                    Some(class) => {
                                        tuple.into_ref_with_type(vm, class.clone())?.into()
                                    }
                                    None => tuple.into_ref(&vm.ctx).into(),
                                });
                            }
                        }
                    }
                    PyTuple::new_ref(rebuilt, &vm.ctx).into()
                }
            };
            self.last_items[index] = Some(object.clone());
            fields.push(object);
        }
        let observation = PyTuple::new_unchecked(fields.into_boxed_slice());
        Ok(observation
            .into_ref_with_type(vm, self.observation_type.clone())?
            .into())
    }
}

/// `agents` -> `Agent`: the record type's name, as a policy sees it in `repr`.
fn record_type_name(items_name: &str) -> String {
    let singular = items_name.strip_suffix('s').unwrap_or(items_name);
    let mut chars = singular.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Record".to_owned(),
    }
}

/// An integral value as a Python `int` (small ones come from the interpreter's cache).
fn int(vm: &VirtualMachine, value: f64) -> PyObjectRef {
    vm.ctx.new_int(value as i64).into()
}
