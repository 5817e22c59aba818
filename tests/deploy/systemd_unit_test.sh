#!/usr/bin/env bash
# deploy/systemd/concord-node@.service: `systemd-analyze verify` finds no error or warning (with
# ExecStart pointed at the built binary: verify checks that it is executable), the offline
# security analysis rates its exposure at most 2.0 ("OK"), and the options the deployment
# relies on are there. Exit 77 (ctest: skipped) where systemd-analyze is not installed.
# Usage: systemd_unit_test.sh SOURCE_DIR CONCORD_BIN
set -euo pipefail
src="$1" concord="$2"
unit="$src/deploy/systemd/concord-node@.service"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: systemd-analyze is not installed"; exit 77; }

work=$(mktemp -d /tmp/concord-systemd-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
sed "s#^ExecStart=/usr/bin/concord #ExecStart=$concord #" "$unit" >"$work/concord-node@.service"
grep -q "^ExecStart=$concord node --name %i --config /etc/concord/%i.ini$" "$work/concord-node@.service" ||
  fail "ExecStart is not \`/usr/bin/concord node --name %i --config /etc/concord/%i.ini\`"

cd "$work"
rc=0; systemd-analyze verify ./concord-node@a.service >"$work/verify.out" 2>&1 || rc=$?
((rc == 0)) || fail "systemd-analyze verify: exit $rc: $(cat "$work/verify.out")"
[[ ! -s "$work/verify.out" ]] || fail "systemd-analyze verify warns: $(cat "$work/verify.out")"

# Exposure on systemd's 0..10 scale; --threshold takes it x10 and fails above it.
rc=0; systemd-analyze security --offline=true --threshold=20 ./concord-node@a.service >"$work/security.out" 2>&1 || rc=$?
((rc == 0)) || fail "systemd-analyze security: exposure above 2.0 (exit $rc): $(tail -n 1 "$work/security.out")"
tail -n 1 "$work/security.out"

for line in "Restart=on-failure" "KillSignal=SIGTERM" "StartLimitBurst=5" "DynamicUser=yes" \
            "ProtectSystem=strict" "NoNewPrivileges=yes" "ConditionPathExists=/etc/concord/%i.ini" \
            "WantedBy=multi-user.target"; do
  grep -qx "$line" "$unit" || fail "the unit lacks $line"
done
echo "PASS: the unit verifies, exposure $(grep -o 'level for [^:]*: [0-9.]*' "$work/security.out" | awk '{print $NF}')"
