#!/bin/sh
# Installs what is missing, builds everything, and runs the whole test suite.
#   scripts/test.sh [CTEST ARGS...]                      # ./build (Release), as CI runs it
#   scripts/test.sh --sanitize address,undefined [...]   # ./build-asan, ASan + LSan + UBSan
#   scripts/test.sh --sanitize thread [...]              # ./build-tsan, TSan
# With --sanitize the build folder defaults to build-asan / build-tsan / build-ubsan (BUILD_DIR
# overrides it), is configured with -DCONCORD_SANITIZE=..., and the sanitizer options are
# exported so that every process the tests start (the `concord` binary, node processes)
# inherits them. Reports are written to BUILD_DIR/sanitizer-logs/ and printed at the end;
# any report fails the run. See docs/sanitizers.md.
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

SANITIZE=""
case "${1:-}" in
  --sanitize)
    [ "$#" -ge 2 ] || { echo "test.sh: --sanitize needs a value: address,undefined | thread" >&2; exit 2; }
    SANITIZE="$2"; shift 2 ;;
  --sanitize=*)
    SANITIZE="${1#--sanitize=}"; shift ;;
esac

"$ROOT/scripts/install-deps.sh"

if [ -z "$SANITIZE" ]; then
  "$ROOT/scripts/build.sh"
  BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
  cd "$BUILD_DIR"
  exec ctest --output-on-failure -j "$(nproc)" "$@"
fi

# ---------------------------------------------------------------------------- sanitizers
case ",$SANITIZE," in
  *,thread,*)  NAME=tsan ;;
  *,address,*) NAME=asan ;;
  *,undefined,*) NAME=ubsan ;;
  *) echo "test.sh: --sanitize $SANITIZE: expected address,undefined | thread | undefined" >&2; exit 2 ;;
esac
BUILD_DIR="${BUILD_DIR:-$ROOT/build-$NAME}"
export BUILD_DIR
SUPP="$ROOT/scripts/sanitizers"

# Configure when the folder is new or was configured for other sanitizers. RelWithDebInfo:
# -O2 -g (readable stacks); the benchmarks are not built (the tests never run them).
configured="$(sed -n 's/^CONCORD_SANITIZE:STRING=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)"
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ "$configured" != "$SANITIZE" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCONCORD_SANITIZE="$SANITIZE" -DCONCORD_BUILD_BENCH=OFF >/dev/null
fi

# Options common to every sanitizer. The user's own *SAN_OPTIONS come last and win.
#   halt_on_error=1      the first report ends the process with a failure exit code
#   print_suppressions=0 no list of matched suppressions at exit
COMMON="halt_on_error=1:print_suppressions=0"
# ASan: leaks checked at exit (LSan), initialisation-order bugs too.
ASAN="$COMMON:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_odr_violation=1"
LSAN="suppressions=$SUPP/lsan.supp:print_suppressions=0"
# UBSan: the build uses -fno-sanitize-recover=all, so any finding aborts; stack traces on.
UBSAN="$COMMON:print_stacktrace=1:suppressions=$SUPP/ubsan.supp"
# TSan: second_deadlock_stack for lock-order reports; history_size=7 (the most) so that the
# earlier access of a race keeps its stack on long runs ("failed to restore the stack" otherwise).
TSAN="$COMMON:suppressions=$SUPP/tsan.supp:second_deadlock_stack=1:history_size=7"

# The build runs each test executable once (gtest_discover_tests lists its tests): same
# options, reports on stderr so a failing discovery shows why.
ASAN_OPTIONS="$ASAN${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
LSAN_OPTIONS="$LSAN${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
UBSAN_OPTIONS="$UBSAN${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
TSAN_OPTIONS="$TSAN${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
t0=$(date +%s)
if [ "$NAME" = tsan ]; then
  # TSan must see inside CAF and TBB: load instrumented builds of Debian's own versions
  # (scripts/sanitizers/build-tsan-libs.sh, built once into BUILD_DIR/tsan-libs).
  "$ROOT/scripts/sanitizers/build-tsan-libs.sh" "$BUILD_DIR/tsan-libs"
  LD_LIBRARY_PATH="$BUILD_DIR/tsan-libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
fi
"$ROOT/scripts/build.sh"
t1=$(date +%s)
echo "test.sh: build ($SANITIZE) $((t1 - t0)) s" >&2

# The tests: every report (also from child processes whose output a test swallows, or whose
# exit code nobody checks) goes to sanitizer-logs/NAME.PID.
LOGS="$BUILD_DIR/sanitizer-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$LOGS/asan"
UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$LOGS/ubsan"
TSAN_OPTIONS="$TSAN_OPTIONS:log_path=$LOGS/tsan"
export ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
# Sanitized code runs 2-15x slower: a per-test timeout (none is set otherwise) so that a hang
# fails instead of blocking; CONCORD_TEST_TIMEOUT overrides it (seconds).
cd "$BUILD_DIR"
rc=0
ctest --output-on-failure -j "$(nproc)" --timeout "${CONCORD_TEST_TIMEOUT:-1800}" "$@" || rc=$?
echo "test.sh: ctest ($SANITIZE) $(($(date +%s) - t1)) s, exit code $rc" >&2

reports="$(find "$LOGS" -type f | sort)"
if [ -n "$reports" ]; then
  echo "test.sh: sanitizer reports ($SANITIZE) in $LOGS:" >&2
  for f in $reports; do
    echo "==================== $f" >&2
    cat "$f" >&2
  done
  [ "$rc" -ne 0 ] || rc=1
else
  echo "test.sh: no sanitizer report ($SANITIZE)" >&2
fi
exit "$rc"
