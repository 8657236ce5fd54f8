#!/usr/bin/env bash
# Makes (once) the project-local MuJoCo folder .mujoco/ that the build and the binaries use:
#   .mujoco/lib/libmujoco.so  -> libmujoco 3.17.0, shipped in the mujoco==3.17.0 wheel
#   .mujoco/assets            -> Gymnasium 1.4's MuJoCo models (gymnasium/envs/mujoco/assets)
# both from the .venv-gym venv (scripts/gym-venv.sh, PyPI only). `.cargo/config.toml` points
# mujoco-rs at .mujoco/lib, and the build scripts put that folder in the binaries' run path,
# so nothing needs exporting. Build without MuJoCo with `--no-default-features`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$(bash "$root/scripts/gym-venv.sh")"
package="$("$python" -c 'import mujoco, os; print(os.path.dirname(mujoco.__file__))')"
assets="$("$python" -c 'import gymnasium, os; print(os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets"))')"
library="$package/libmujoco.so.3.17.0"
[ -f "$library" ] || { echo "setup-mujoco: $library is missing" >&2; exit 1; }
[ -f "$assets/hopper.xml" ] || { echo "setup-mujoco: no MuJoCo models in $assets" >&2; exit 1; }
mkdir -p "$root/.mujoco/lib"
# The linker wants libmujoco.so; the binaries ask the loader for the soname.
ln -sfn "$library" "$root/.mujoco/lib/libmujoco.so.3.17.0"
ln -sfn libmujoco.so.3.17.0 "$root/.mujoco/lib/libmujoco.so"
ln -sfn "$assets" "$root/.mujoco/assets"
