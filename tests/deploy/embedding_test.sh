#!/usr/bin/env bash
# shellcheck disable=SC2016  # the $ in the patterns are literal dollars
# find_package(Concord) end to end: install Concord into a temporary prefix, configure and build
# examples/embed against it (a separate CMake project), and run the agent service on a few
# requests: each must come back with its outcome, spend and makespan; a bad one with its error.
# Usage: embedding_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1" src="$2"
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/concord-embedding-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 || fail "cmake --install: $(tail -n 5 "$work/install.log")"
for f in bin/concord include/concord/concord.hpp include/concord/core/model/workflow.hpp lib/libconcord_core.a \
         lib/libconcord_actors.a lib/libconcord_embed.a lib/libconcord_edge.a include/concord/protocols/edge/client.hpp \
         include/concord/protocols/concord.capnp.h lib/cmake/Concord/ConcordConfig.cmake \
         lib/cmake/Concord/ConcordConfigVersion.cmake lib/cmake/Concord/FindCAF.cmake lib/systemd/system/concord-node@.service; do
  [[ -e "$work/prefix/$f" ]] || fail "not installed: $f"
done
# The embedding API header includes no CAF header (directly or through Concord::core's headers).
grep -rl "include.*<caf/" "$work/prefix/include/concord/concord.hpp" "$work/prefix/include/concord/core" &&
  fail "CAF headers reached the embedding API"

# A separate project, finding Concord only through the prefix (no path into this source tree).
cp -r "$src/examples/embed" "$work/agent-src"
cmake -S "$work/agent-src" -B "$work/agent" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" \
  >"$work/configure.log" 2>&1 || fail "configure: $(tail -n 20 "$work/configure.log")"
nice cmake --build "$work/agent" >"$work/build.log" 2>&1 || fail "build: $(tail -n 30 "$work/build.log")"

# Concord::client: the service-edge client (edge/client.hpp; ZeroMQ + Cap'n Proto, no CAF). No node
# needed: a status request to a port nobody serves must end in ClientError after its timeout.
mkdir -p "$work/client-src"
cat >"$work/client-src/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(edge_client C CXX)   # C: Cap'n Proto's CMake package needs it
set(CMAKE_CXX_STANDARD 20)
find_package(Concord 0.1 REQUIRED)
add_executable(edge_client edge_client.cpp)
target_link_libraries(edge_client PRIVATE Concord::client)
CMAKE
cat >"$work/client-src/edge_client.cpp" <<'CPP'
#include <edge/client.hpp>

#include <chrono>
#include <iostream>

int main() {
  concord::edge::ClientOptions options;
  options.endpoint = "tcp://127.0.0.1:1";
  options.timeout_s = 0.2;
  concord::edge::Client client(options);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    client.call(concord::service::StatusRequest{});
  } catch (const concord::edge::ClientError& e) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "ClientError after " << s << " s: " << e.what() << "\n";
    return s < 5 ? 0 : 1;
  }
  std::cout << "no ClientError\n";
  return 1;
}
CPP
cmake -S "$work/client-src" -B "$work/client" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" \
  >"$work/client-configure.log" 2>&1 || fail "Concord::client: configure: $(tail -n 20 "$work/client-configure.log")"
nice cmake --build "$work/client" >"$work/client-build.log" 2>&1 || fail "Concord::client: build: $(tail -n 30 "$work/client-build.log")"
grep -rl "include.*<caf/" "$work/prefix/include/concord/protocols/edge" && fail "CAF headers reached the client API"
timeout 20 "$work/client/edge_client" >"$work/client.out" 2>&1 || fail "edge_client: exit $?: $(cat "$work/client.out")"
grep -q "^ClientError after 0\.[0-9]* s: " "$work/client.out" || fail "edge_client: $(cat "$work/client.out")"
cat "$work/client.out"

# find_package(Concord 9) must refuse: the version file is there and honest.
mkdir -p "$work/v9"
printf 'cmake_minimum_required(VERSION 3.16)\nproject(v9 C CXX)\nfind_package(Concord 9 REQUIRED)\n' >"$work/v9/CMakeLists.txt"
! cmake -S "$work/v9" -B "$work/v9/b" -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/v9.log" 2>&1 ||
  fail "find_package(Concord 9) succeeded against version $(grep -o 'PACKAGE_VERSION "[^"]*"' "$work/prefix/lib/cmake/Concord/ConcordConfigVersion.cmake")"

workflow_json=$(tr -d '\n' <"$src/examples/research-agent.json")
printf 'research 3\nreview 5 0.05 600\n%s\nreview 2 -1\nquit\nresearch 1\n' "$workflow_json" |
  timeout 120 "$work/agent/agent_service" >"$work/out.txt" 2>&1 || fail "agent_service: exit $?: $(cat "$work/out.txt")"
cat "$work/out.txt"
expect() { grep -qE "$1" "$work/out.txt" || fail "agent_service output lacks /$1/"; }
expect '^agent_service: Concord [0-9]+\.[0-9]+\.[0-9]+, ready$'
expect '^request 1: research-3: completed, spend \$[0-9.e-]+ of \$[0-9.e-]+, makespan [0-9.]+ s of [0-9.]+ s, 5/5 subtasks$'
expect '^request 2: review-5: completed, spend \$[0-9.e-]+ of \$0.05, makespan [0-9.]+ s of 600 s, 7/7 subtasks$'
expect '^request 3: research-agent: completed, spend .* of \$0.25, makespan .* of 90 s, 6/6 subtasks$'
expect '^request 4: error: RunRequest: budget_usd: must be in 0..1000000 dollars$'
! grep -q "^request 6" "$work/out.txt" || fail "agent_service went on after quit"
# Virtual time: the same request gives the same answer (deterministic for a seed).
printf 'research 3\n' | timeout 60 "$work/agent/agent_service" | grep "^request 1" >"$work/again.txt"
grep -q "^$(grep '^request 1' "$work/out.txt" | sed 's/[$.]/\\&/g')$" "$work/again.txt" || fail "request 1 differs on a second run"

# The same service through a node's gateway (RuntimeOptions::gateway, the service edge's client
# path): the installed `concord node` hosts and runs the workflows on its own simulated workers.
# Loopback only; the node is killed on exit (also when a check fails).
cat >"$work/workers.json" <<'JSON'
{"workers": [{"model": "small", "count": 2}, {"model": "large", "count": 2}, {"model": "search-tool", "count": 1}]}
JSON
"$work/prefix/bin/concord" node --name gw --listen 127.0.0.1:0 --gateway tcp://127.0.0.1:0 --workers "$work/workers.json" \
  --time-scale 200 >"$work/node.out" 2>"$work/node.err" &
node_pid=$!
trap 'kill -9 "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
endpoint=""
for _ in $(seq 100); do  # bounded: 10 s for the node to print its gateway address
  endpoint=$(grep -o 'gateway on tcp://127\.0\.0\.1:[0-9]*' "$work/node.out" | sed 's/^gateway on //' || true)
  [[ -n "$endpoint" ]] && break
  sleep 0.1
done
[[ -n "$endpoint" ]] || fail "the node printed no gateway address: $(cat "$work/node.out" "$work/node.err")"
printf 'research 3\n%s\n' "$workflow_json" |
  timeout 120 "$work/agent/agent_service" --gateway "$endpoint" >"$work/gw.txt" 2>&1 || fail "agent_service --gateway: exit $?: $(cat "$work/gw.txt")"
cat "$work/gw.txt"
grep -qE "^agent_service: Concord [0-9.]+, ready, through $endpoint\$" "$work/gw.txt" || fail "agent_service --gateway: no ready line"
grep -qE '^request 1: research-3: completed, spend \$[0-9.e-]+ of \$[0-9.e-]+, makespan [0-9.]+ s of [0-9.]+ s, 5/5 subtasks, workflow 1 on the node$' "$work/gw.txt" ||
  fail "agent_service --gateway: request 1 did not complete on the node"
grep -qE '^request 2: research-agent: completed, spend .* of \$0.25, makespan .* of 90 s, 6/6 subtasks, workflow 2 on the node$' "$work/gw.txt" ||
  fail "agent_service --gateway: request 2 did not complete on the node"
# The node says it hosted both (its own status, through the installed CLI).
"$work/prefix/bin/concord" status --to "$endpoint" >"$work/status.txt" 2>&1 || fail "concord status: $(cat "$work/status.txt")"
[[ $(grep -cE '^ *[12] .*ended' "$work/status.txt") == 2 ]] || fail "the node's status does not list workflows 1 and 2 as ended: $(cat "$work/status.txt")"
# A bad option is an error naming it (exit 2), not a crash.
"$work/agent/agent_service" --gateway http://nowhere </dev/null >"$work/bad.txt" 2>&1 && fail "agent_service accepted --gateway http://nowhere"
grep -q "RuntimeOptions: gateway: 'http://nowhere' is not tcp://HOST:PORT" "$work/bad.txt" || fail "bad --gateway: $(cat "$work/bad.txt")"
echo "PASS: installed, found with find_package(Concord), built and ran examples/embed (embedded and through a node's gateway) and a Concord::client program"
