//! Every function of WASI preview 1, with its signature: what a guest module can import, and
//! so every door a policy can knock on.

/// One WASI preview 1 import.
#[derive(Clone, Copy, Debug)]
pub struct WasiFunction {
    pub name: &'static str,
    /// One letter per parameter: `i` for `i32`, `I` for `i64`.
    pub params: &'static str,
    /// Whether it returns an errno (`i32`); only `proc_exit` does not return at all.
    pub returns_errno: bool,
}

const fn f(name: &'static str, params: &'static str) -> WasiFunction {
    WasiFunction {
        name,
        params,
        returns_errno: true,
    }
}

/// The module name of WASI preview 1 imports.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// All 46 functions of WASI preview 1.
pub const WASI_FUNCTIONS: &[WasiFunction] = &[
    f("args_get", "ii"),
    f("args_sizes_get", "ii"),
    f("environ_get", "ii"),
    f("environ_sizes_get", "ii"),
    f("clock_res_get", "ii"),
    f("clock_time_get", "iIi"),
    f("fd_advise", "iIIi"),
    f("fd_allocate", "iII"),
    f("fd_close", "i"),
    f("fd_datasync", "i"),
    f("fd_fdstat_get", "ii"),
    f("fd_fdstat_set_flags", "ii"),
    f("fd_fdstat_set_rights", "iII"),
    f("fd_filestat_get", "ii"),
    f("fd_filestat_set_size", "iI"),
    f("fd_filestat_set_times", "iIIi"),
    f("fd_pread", "iiiIi"),
    f("fd_prestat_get", "ii"),
    f("fd_prestat_dir_name", "iii"),
    f("fd_pwrite", "iiiIi"),
    f("fd_read", "iiii"),
    f("fd_readdir", "iiiIi"),
    f("fd_renumber", "ii"),
    f("fd_seek", "iIii"),
    f("fd_sync", "i"),
    f("fd_tell", "ii"),
    f("fd_write", "iiii"),
    f("path_create_directory", "iii"),
    f("path_filestat_get", "iiiii"),
    f("path_filestat_set_times", "iiiiIIi"),
    f("path_link", "iiiiiii"),
    f("path_open", "iiiiiIIii"),
    f("path_readlink", "iiiiii"),
    f("path_remove_directory", "iii"),
    f("path_rename", "iiiiii"),
    f("path_symlink", "iiiii"),
    f("path_unlink_file", "iii"),
    f("poll_oneoff", "iiii"),
    WasiFunction {
        name: "proc_exit",
        params: "i",
        returns_errno: false,
    },
    f("proc_raise", "i"),
    f("sched_yield", ""),
    f("random_get", "ii"),
    f("sock_accept", "iii"),
    f("sock_recv", "iiiiii"),
    f("sock_send", "iiiii"),
    f("sock_shutdown", "ii"),
];

impl WasiFunction {
    /// The function's type in the text format: `(param i32 i64) (result i32)`.
    pub fn wat_type(&self) -> String {
        let params: Vec<&str> = self
            .params
            .chars()
            .map(|c| if c == 'I' { "i64" } else { "i32" })
            .collect();
        let result = if self.returns_errno {
            " (result i32)"
        } else {
            ""
        };
        format!("(param {}){result}", params.join(" "))
    }
}

/// A module importing every WASI function (for wasm-smith's `available_imports`).
pub fn imports_wat() -> String {
    let mut wat = String::from("(module\n");
    for function in WASI_FUNCTIONS {
        wat.push_str(&format!(
            "  (import \"{WASI_MODULE}\" \"{}\" (func {}))\n",
            function.name,
            function.wat_type()
        ));
    }
    wat.push(')');
    wat
}
