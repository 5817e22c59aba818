#!/bin/sh
# Replays every saved finding of one target once: fuzz/replay.sh FUZZER_BINARY DIR
# Fails, naming the inputs, when any still crashes (the bug is back, or not fixed yet).
set -u
BIN="$1"; DIR="$2"
[ -x "$BIN" ] || { echo "replay: $BIN not built" >&2; exit 2; }
total=0; failed=""
for f in "$DIR"/*; do
  [ -f "$f" ] || continue
  case "$(basename "$f")" in README*|*.md) continue ;; esac
  total=$((total + 1))
  if ! "$BIN" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 "$f" >/tmp/replay.$$ 2>&1; then
    failed="$failed $(basename "$f")"
    echo "replay: FAILS: $f"
    grep -E 'ERROR:|runtime error:|FUZZ INVARIANT|what\(\)|^ +#[0-9] ' /tmp/replay.$$ | head -12
  fi
done
rm -f /tmp/replay.$$
echo "replay: $total input(s) in $DIR, $(echo "$failed" | wc -w) failing"
[ -z "$failed" ]
