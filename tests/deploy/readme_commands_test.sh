#!/usr/bin/env bash
# The README's Deployment commands, as written there: the blocks between `--(NAME-begin)--` and
# `--(NAME-end)--` markers run with bash -e from the source folder, with their fixed /tmp paths
# moved into a temporary folder and `build` pointed at this build.
# Usage: readme_commands_test.sh SOURCE_DIR BUILD_DIR netns|tls|deb|embedding
# Exit 77 (skipped) for netns where network namespaces are not available.
set -euo pipefail
src="$1" build="$2" block="$3"
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/readme-deploy-test.XXXXXX)  # not /tmp/concord*: the block's /tmp/concord paths are rewritten
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT   # a signal runs the EXIT trap too (cleanup)
trap 'exit 143' TERM
sed -n "/--($block-begin)--/,/--($block-end)--/p" "$src/README.md" | sed '/^<!--/d; /^```/d' >"$work/block.sh"
[[ -s "$work/block.sh" ]] || fail "README.md has no $block block"
echo "--- README block $block:"; cat "$work/block.sh"
port=$((30000 + RANDOM % 20000))
sed -i -e "s#/tmp/concord-cluster#$work/cluster#g; s#/tmp/concord-tls#$work/tls#g; s#/tmp/concord-deb#$work/deb#g; s#/tmp/concord\\b#$work/prefix#g" \
       -e "s#/tmp/agent#$work/agent#g; s#127.0.0.1:7101#127.0.0.1:$port#g; s#127.0.0.1:7102#127.0.0.1:$((port + 1))#g" \
       -e "s#\\bbuild/nodes/concord#$build/nodes/concord#g; s#--install build #--install $build #g" \
       -e "s#^cd build \&\& #cd $build \&\& #" "$work/block.sh"
if [[ "$block" == netns ]]; then
  rc=0; "$src/deploy/netns/cluster.sh" check >/dev/null 2>&1 || rc=$?
  ((rc != 77)) || { echo "SKIP: network namespaces are not available here"; exit 77; }
  # Whatever happens, nothing may stay behind.
  trap '"$src/deploy/netns/cluster.sh" --state "$work/cluster" down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fi
cd "$src"
# In a process group of its own: whatever the block leaves running in the background (its
# nodes, if it fails before `kill %1 %2`) is killed with the group when the test ends.
CONCORD_BIN="$build/nodes/concord" setsid bash -e "$work/block.sh" >"$work/out.txt" 2>&1 &
group=$!
trap 'kill -KILL -- "-$group" 2>/dev/null || true; '"$(trap -p EXIT | sed "s/^trap -- '//; s/' EXIT$//")" EXIT
rc=0; wait "$group" || rc=$?
((rc == 0)) || fail "the block failed (exit $rc): $(tail -n 20 "$work/out.txt")"
cat "$work/out.txt"
case "$block" in
  netns)
    grep -q "up: 4 hosts" "$work/out.txt" || fail "no cluster came up"
    grep -q "host 3: node 10.77.0.4:7000 pid [0-9]* running" "$work/out.txt" || fail "status did not list host 3 running"
    grep -q "result     COMPLETED" "$work/out.txt" || fail "the workflow did not complete"
    [[ ! -e "$work/cluster" ]] || fail "down --purge left the state folder"
    ;;
  tls)
    grep -q "mutual TLS" "$work/out.txt" || fail "the nodes did not run TLS"
    grep -q "member a" "$work/out.txt" || fail "node b did not join a: $(grep "concord node\|error" "$work/out.txt")"
    grep -q "result     COMPLETED" "$work/out.txt" || fail "the TLS run did not complete"
    ;;
  deb)
    grep -q "^ Depends: .*libcaf-core0.17" "$work/out.txt" || fail "dpkg-deb --info shows no dependencies"
    grep -q "usr/lib/systemd/system/concord-node@.service" "$work/out.txt" || fail "the package lists no systemd unit"
    ;;
  embedding)
    grep -q "^request 2: review-5: completed, spend" "$work/out.txt" || fail "the agent service did not answer request 2"
    ;;
esac
echo "PASS: README block $block"
