#!/bin/sh
# Replays every saved finding of one target once: fuzz/replay.sh FUZZER_BINARY DIR
# Fails, naming the inputs, when any still crashes (the bug is back). Inputs named open-* are
# findings not fixed yet: their failure is reported but does not fail the replay; once one
# passes, the replay says so (rename it without the prefix: it is a regression test from then on).
set -u
BIN="$1"; DIR="$2"
[ -x "$BIN" ] || { echo "replay: $BIN not built" >&2; exit 2; }
total=0; failed=""; open_failing=0
for f in "$DIR"/*; do
  [ -f "$f" ] || continue
  case "$(basename "$f")" in README*|*.md) continue ;; esac
  total=$((total + 1))
  name="$(basename "$f")"
  if ! "$BIN" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 "$f" >/tmp/replay.$$ 2>&1; then
    case "$name" in
      open-*) open_failing=$((open_failing + 1)); echo "replay: open finding, not fixed yet: $f"
              grep -E 'SUMMARY|FUZZ INVARIANT|^  [a-z]' /tmp/replay.$$ | head -3; continue ;;
    esac
    failed="$failed $name"
    echo "replay: FAILS: $f"
    grep -E 'ERROR:|runtime error:|FUZZ INVARIANT|what\(\)|^ +#[0-9] ' /tmp/replay.$$ | head -12
  else
    case "$name" in open-*) echo "replay: $f passes now: rename it without open- (fixed)" ;; esac
  fi
done
rm -f /tmp/replay.$$
echo "replay: $total input(s) in $DIR, $(echo "$failed" | wc -w) failing, $open_failing open finding(s) still failing"
[ -z "$failed" ]
