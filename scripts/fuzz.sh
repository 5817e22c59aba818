#!/bin/sh
# Builds (configures once) and runs one libFuzzer target for SECONDS (docs/fuzzing.md):
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer args...]     TARGET: workflow_json | dag_pool | episode
# e.g. nice -n 10 scripts/fuzz.sh episode 1800 -fork=1 -ignore_crashes=1
# Build: $FUZZ_BUILD_DIR (default build-fuzz) with clang-14, ASan + UBSan, no CAF.
# Corpus: $FUZZ_CORPUS (default build-fuzz/corpus/TARGET, kept between runs) + generated seeds.
# Prints executions and findings; exits 1 on a finding and copies each finding's input to
# fuzz/regressions/TARGET/ (FUZZ_SAVE_REGRESSIONS=0: leave them in build-fuzz/artifacts/).
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
usage() { echo "usage: $0 workflow_json|dag_pool|episode SECONDS [libFuzzer args...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
TARGET="$1"; SECS="$2"; shift 2
case "$TARGET" in workflow_json|dag_pool|episode) ;; *) usage ;; esac
BUILD="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
if ! command -v clang++-14 >/dev/null 2>&1 || [ ! -e "$(clang++-14 -print-resource-dir)/lib/linux/libclang_rt.fuzzer-x86_64.a" ]; then
  echo "fuzz: needs clang-14 and libfuzzer-14-dev (scripts/install-deps.sh installs them)" >&2
  exit 2
fi
mkdir -p "$BUILD"
(
  # One build at a time: several targets may be started together.
  command -v flock >/dev/null 2>&1 && flock 9
  if [ ! -f "$BUILD/build.ninja" ]; then
    LAUNCHER=""
    command -v ccache >/dev/null 2>&1 && LAUNCHER="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache"
    # shellcheck disable=SC2086
    CC=clang-14 CXX=clang++-14 cmake -S "$ROOT/fuzz" -B "$BUILD" -G Ninja $LAUNCHER >/dev/null
  fi
  cmake --build "$BUILD" --target "fuzz_$TARGET" fuzz_make_seeds | grep -v -e '^\[' -e '^ninja: no work' || true
) 9>"$BUILD/.build.lock"
[ -x "$BUILD/fuzz_$TARGET" ] || { echo "fuzz: build failed" >&2; exit 2; }
FUZZ_CORPUS="${FUZZ_CORPUS:-$BUILD/corpus/$TARGET}" FUZZ_SAVE_REGRESSIONS="${FUZZ_SAVE_REGRESSIONS:-1}" \
  exec "$ROOT/fuzz/run-target.sh" "$BUILD" "$TARGET" "$SECS" "$@"
