#!/bin/sh
# The main job: install what is missing, build, and run a workflow.
#   scripts/run.sh                         # runs examples/proofflow-euler.json
#   scripts/run.sh FILE [concord run options...]
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/build.sh" --target concord >/dev/null
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
if [ "$#" -eq 0 ]; then set -- "$ROOT/examples/proofflow-euler.json"; fi
exec "$BUILD_DIR/nodes/concord" run "$@"
