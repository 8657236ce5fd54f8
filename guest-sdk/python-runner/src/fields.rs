//! Reading an observation's named fields (`obs.pole_angle`, `obs.agents[i].x`) without the
//! interpreter's generic attribute path.
//!
//! The observation types the prelude builds give each field a `property(itemgetter(i))`. The
//! interpreter cannot specialize a property whose getter is not a Python function, so every
//! `obs.x` took the generic path (type lookup, the property's `__get__`, a call of the
//! `itemgetter`, a subscript through the sequence protocol): about half a microsecond, as
//! much as the rest of a small `act`. [`read_fields_directly`] gives such a type an attribute
//! slot that answers a field name with the element at its index, and leaves every other name
//! (and a field whose element is gone, as after `obs.pop()`) to the generic path, which finds
//! the same property as before. The type is made immutable, so no policy can redefine a field
//! behind the slot's back.

use std::cell::RefCell;

use rustpython_vm::{
    Py, PyObject, PyRef, PyResult, VirtualMachine,
    builtins::{PyList, PyProperty, PyStr, PyStrInterned, PyTuple, PyType},
    types::PyTypeFlags,
};

/// The fields of one observation type: each name (interned) with the index of its element.
struct FieldTable {
    class: PyRef<PyType>,
    fields: Vec<(&'static PyStrInterned, usize)>,
}

thread_local! {
    /// The guest is single-threaded and holds a handful of observation types.
    static TABLES: RefCell<Vec<FieldTable>> = const { RefCell::new(Vec::new()) };
}

/// Serves `class`'s fields (named `names`, in element order) from the slot below. Only names
/// the class itself defines as properties are served: the others were left out by the prelude
/// because they would hide a list or tuple attribute.
pub(crate) fn read_fields_directly(vm: &VirtualMachine, class: &PyRef<PyType>, names: &[String]) {
    let fields = names
        .iter()
        .enumerate()
        .filter_map(|(index, name)| {
            let interned = vm.ctx.intern_str(name.as_str());
            class
                .get_direct_attr(interned)
                .filter(|attr| attr.downcast_ref::<PyProperty>().is_some())
                .map(|_| (interned, index))
        })
        .collect();
    TABLES.with_borrow_mut(|tables| {
        tables.push(FieldTable {
            class: class.clone(),
            fields,
        })
    });
    class.slots.flags.insert(PyTypeFlags::IMMUTABLETYPE);
    class.slots.getattro.store(Some(field_getattro));
}

fn field_getattro(obj: &PyObject, name: &Py<PyStr>, vm: &VirtualMachine) -> PyResult {
    if let Some(value) = field_value(obj, name) {
        return Ok(value);
    }
    obj.generic_getattr(name, vm)
}

/// The element `name` stands for, when `obj`'s exact type is a registered observation type
/// and `name` one of its fields. Names from code are interned, so a pointer comparison finds
/// them; a name built at run time (`getattr(obs, "x" + "")`) takes the generic path.
fn field_value(obj: &PyObject, name: &Py<PyStr>) -> Option<rustpython_vm::PyObjectRef> {
    let class = obj.class();
    let index = TABLES.with_borrow(|tables| {
        let table = tables.iter().find(|t| std::ptr::eq(&*t.class, class))?;
        table
            .fields
            .iter()
            .find(|&&(field, _)| std::ptr::eq::<Py<PyStr>>(&**field, name))
            .map(|&(_, index)| index)
    })?;
    if let Some(tuple) = obj.downcast_ref::<PyTuple>() {
        return tuple.as_slice().get(index).cloned();
    }
    obj.downcast_ref::<PyList>()?
        .borrow_vec()
        .get(index)
        .cloned()
}
