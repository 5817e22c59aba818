#!/usr/bin/env bash
# deploy/netns/cluster.sh end to end: 4 hosts in network namespaces, a workflow run from
# inside host 1 against the seed (host 0) while host 3's node is killed, then `down`, which
# must leave no namespace, link or process behind; a failed `up` must leave nothing either.
# Exit 77 (ctest: skipped) where network namespaces cannot be made (not root, no CAP_SYS_ADMIN).
# Usage: netns_cluster_test.sh CLUSTER_SH CONCORD_BIN SOURCE_DIR
set -euo pipefail
cluster="$1" concord="$2" src="$3"

fail() { echo "FAIL: $*" >&2; exit 1; }
# A process that exited but was not reaped yet (a zombie: its parent, init, reaps it later) is gone.
alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [[ -n "$st" && "$st" != Z ]]; }
help=$("$cluster" --help) || fail "cluster.sh --help: exit $?"
for word in "up N" "down" "exec I CMD" "kill I" "restart I" "partition I" "heal I" "netem I SPEC" "netem I off" "throttle I RATE" "--host0-arg" "status" "check" "Exit codes"; do
  grep -qF -- "$word" <<<"$help" || fail "cluster.sh --help does not mention \"$word\""
done
rc=0; "$cluster" check || rc=$?
if ((rc == 77)); then echo "SKIP: network namespaces are not available here"; exit 77; fi
((rc == 0)) || fail "cluster.sh check: exit $rc"

work=$(mktemp -d /tmp/concord-netns-test.XXXXXX)
state="$work/cluster"
cleanup() {  # also when an assertion fails midway
  "$cluster" --state "$state" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT   # a signal runs the EXIT trap too (cleanup)
trap 'exit 143' TERM
links_before=$(ip -o link | wc -l)

# -- bad input is refused before anything is made ------------------------------------------------
rc=0; "$cluster" up 0 --state "$state" --concord "$concord" 2>"$work/err" || rc=$?
((rc == 2)) || fail "up 0: exit $rc, expected 2"
grep -q "N=\"0\"" "$work/err" || fail "up 0: the error does not name N: $(cat "$work/err")"
[[ ! -e "$state/namespaces" ]] || fail "up 0 made something"

# -- a failed up removes what it made ------------------------------------------------------------
echo '{"workers": [{"model": "goedel8b", "count": 0}]}' >"$work/bad-workers.json"
bad_tag="t$$f"
rc=0; "$cluster" up 3 --state "$state" --concord "$concord" --workers "$work/bad-workers.json" --tag "$bad_tag" 2>"$work/err" || rc=$?
((rc == 1)) || fail "up with a bad workers file: exit $rc, expected 1"
grep -q "workers\[0\].count" "$work/err" || fail "the failed up does not show the node's error: $(cat "$work/err")"
left=$(ip netns list | grep "^$bad_tag-" || true)
[[ -z "$left" ]] || { "$cluster" --state "$state" down >/dev/null 2>&1; fail "a failed up left namespaces: $left"; }
[[ ! -e "$state/namespaces" && ! -e "$state/cluster.env" ]] || fail "a failed up left its state"

# -- up 4 -----------------------------------------------------------------------------------------
"$cluster" up 4 --state "$state" --concord "$concord" --workers "$src/examples/workers.json" --time-scale 100
# shellcheck disable=SC1091
source "$state/cluster.env"
((CLUSTER_HOSTS == 4)) || fail "CLUSTER_HOSTS=$CLUSTER_HOSTS"
for i in 0 1 2 3; do
  ns="HOST_${i}_NS" ip="HOST_${i}_IP" log="HOST_${i}_LOG"
  grep -q "^${!ns}\b" <<<"$(ip netns list)" || fail "host $i: no namespace ${!ns}"
  addr=$("$cluster" --state "$state" exec "$i" ip -o -4 addr show dev eth0)
  grep -q "inet ${!ip}/24" <<<"$addr" || fail "host $i: eth0 has no ${!ip}/24"
  grep -q "listening on ${!ip}:" "${!log}" || fail "host $i: its log does not show it listening"
  ((i == 0)) || grep -q "member h0" "${!log}" || fail "host $i did not join the seed"
done
# exec returns the command's exit code
rc=0; "$cluster" --state "$state" exec 2 sh -c 'exit 7' || rc=$?
((rc == 7)) || fail "exec: exit $rc, expected the command's 7"

# A node on a host's (non-loopback) address without TLS or --insecure refuses to start.
rc=0; "$cluster" --state "$state" exec 2 "$concord" node --name plain --listen "$HOST_2_IP:7100" >"$work/plain.out" 2>&1 || rc=$?
((rc == 2)) || fail "a plain node on $HOST_2_IP: exit $rc, expected 2: $(cat "$work/plain.out")"
grep -q -- "--listen.*not a loopback address: give the cluster TLS (--tls-cert, --tls-key, --tls-ca) or pass --insecure" "$work/plain.out" ||
  fail "a plain node on $HOST_2_IP: no reason naming --listen: $(cat "$work/plain.out")"

# -- a workflow from inside host 1, host 3's node killed while it runs ----------------------------
"$cluster" --state "$state" exec 1 "$concord" run "$src/examples/proofflow-euler.json" --join "$CLUSTER_SEED" \
  --time-scale 100 --deadline 5000 --quiet >"$work/run.out" 2>"$work/run.err" &
run_pid=$!
sleep 0.8
"$cluster" --state "$state" kill 3
for ((step = 0; step < 600 && $(kill -0 "$run_pid" 2>/dev/null && echo 1 || echo 0); ++step)); do sleep 0.1; done
kill -0 "$run_pid" 2>/dev/null && fail "the run did not finish within 60 s"
rc=0; wait "$run_pid" || rc=$?
((rc == 0)) || fail "concord run --join: exit $rc: $(cat "$work/run.err" "$work/run.out")"
grep -q "COMPLETED" "$work/run.out" || fail "the run did not complete: $(cat "$work/run.out")"
grep -q "cluster joined through $CLUSTER_SEED" "$work/run.out" || fail "the run did not join $CLUSTER_SEED"
status=$("$cluster" --state "$state" status)
grep -q "host 3: .* NOT running" <<<"$status" || fail "host 3's node is still running: $status"
grep -q "host 2: .* pid [0-9]* running" <<<"$status" || fail "host 2's node died: $status"

# -- down leaves nothing --------------------------------------------------------------------------
"$cluster" --state "$state" exec 2 sleep 300 &   # a stray process in a host: down must stop it
stray=$!
sleep 0.3
"$cluster" --state "$state" down
left=$(ip netns list | grep "^$CLUSTER_TAG-" || true)
[[ -z "$left" ]] || fail "namespaces left after down: $left"
for i in 0 1 2 3; do
  pid="HOST_${i}_PID"
  ! alive "${!pid}" || fail "host $i's node (pid ${!pid}) is still running after down"
done
for ((step = 0; step < 50 && $(alive "$stray" && echo 1 || echo 0); ++step)); do sleep 0.1; done
! alive "$stray" || fail "the process exec'd in host 2 is still running after down"
links_after=$(ip -o link | wc -l)
((links_after == links_before)) || fail "links in the root namespace: $links_before before, $links_after after"
[[ ! -e "$state/cluster.env" ]] || fail "down left the state file"
echo "PASS: 4 hosts up, workflow completed with host 3 killed, down left nothing"
