#!/usr/bin/env bash
# shellcheck disable=SC2015  # `test && test || fail` is meant: either test failing fails
# deploy/netns/cluster.sh — a multi-host Concord cluster on one machine, in network namespaces.
#
#   deploy/netns/cluster.sh up 4 --state /tmp/c1          # 4 "hosts", one `concord node` each
#   deploy/netns/cluster.sh --state /tmp/c1 exec 1 build/nodes/concord run examples/proofflow-euler.json --join 10.77.0.1:7000
#   deploy/netns/cluster.sh --state /tmp/c1 kill 2         # fault injection: kill -9 host 2's node
#   deploy/netns/cluster.sh --state /tmp/c1 restart 2      # ... and start it again (same arguments)
#   deploy/netns/cluster.sh --state /tmp/c1 partition 1    # host 1 cut off the bridge (heal 1: back)
#   deploy/netns/cluster.sh --state /tmp/c1 netem 1 delay 50ms 20ms loss 5%   # (netem 1 off)
#   deploy/netns/cluster.sh --state /tmp/c1 throttle 1 64kbit   # tbf, where the kernel has no netem
#   deploy/netns/cluster.sh --state /tmp/c1 down
#
# Topology: every host is a namespace TAG-hI with one veth `eth0` (SUBNET.(I+1)/24); the other
# ends are enslaved to a bridge `br0` inside a namespace TAG-br the script makes too. Every link
# is created directly inside those namespaces: the machine's own interfaces, routes and firewall
# are never touched, and nothing leaves the namespaces. Two clusters (distinct tags) may run at
# once, even on the same subnet: their bridges live in different namespaces.
#
# Needs root (or CAP_SYS_ADMIN + CAP_NET_ADMIN) and iproute2. Run `cluster.sh --help`.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/../.." && pwd)"
readonly SCRIPT_DIR REPO_DIR
readonly EXIT_BAD_INPUT=2
readonly EXIT_UNSUPPORTED=77     # namespaces cannot be made here (tests skip on it)
readonly MAX_HOSTS=200
readonly WAIT_STEPS=150          # every wait: at most WAIT_STEPS x 0.1 s
readonly STOP_STEPS=50           # down: SIGTERM, then up to 5 s before SIGKILL
readonly JOIN_ATTEMPTS=3         # up: a node that cannot connect to the seed is started again
readonly RESTART_ATTEMPTS=5      # restart: a node refused by the seed (its old self not yet seen
                                 # gone: name taken) is started again, 1 s later

usage() {
  cat <<'EOF'
Usage: cluster.sh [--state DIR] COMMAND [ARGS] [--state DIR]

Commands:
  up N [options]     create N hosts (network namespaces on one bridge) and start a
                     `concord node` in each; host 0 is the seed, the others join it
  down [--purge]     stop every process in the cluster's namespaces, delete the namespaces
                     and their links (also after a failed or interrupted `up`); --purge
                     also removes the state directory with the logs
  exec I CMD [ARG..] run CMD inside host I's namespace (its exit code is returned);
                     CONCORD_SEED=HOST:PORT and CONCORD_HOST=I are set for it
  kill I [SIGNAL]    send SIGNAL (default KILL) to host I's node (fault injection)
  restart I          start host I's node again, with the arguments of `up`, after it died
                     (kill I); waits until it listens and (I > 0) has joined host 0 again
  partition I        host I's port on the bridge down: it reaches no other host (heal I: up)
  heal I             host I's port on the bridge up again
  netem I SPEC..     delay/loss/reordering on host I's link: `tc qdisc replace dev eth0 root
                     netem SPEC` in its namespace, e.g. `netem 1 delay 50ms 20ms loss 5%`
  netem I off        remove it (needs tc, from iproute2, and a kernel with sch_netem: exit 77
                     with the reason where either is missing)
  throttle I RATE    host I's outgoing link limited to RATE (e.g. 64kbit) by a token bucket
                     (tc tbf, 4kb burst): packets queued longer than 100 ms are dropped, so
                     it delays and loses where netem is missing (throttle I off: removed)
  status             print the state file and whether each node is alive
  check              exit 0 if network namespaces can be made here, 77 (with the reason) if not

Options of `up`:
  --workers FILE     workers file of every node (default: examples/workers.json)
  --concord BIN      the concord executable (default: $CONCORD_BIN, else build/nodes/concord,
                     else `concord` on PATH)
  --tag TAG          namespace name prefix, [a-z0-9]{1,10} (default: a random unique one)
  --subnet A.B.C     the hosts' /24 (default 10.77.0): host I is A.B.C.(I+1)
  --port P           every node listens on HOST_IP:P (default 7000)
  --config INI       CAF settings for every node (`concord node --config`)
  --time-scale X     `concord node --time-scale`
  --node-arg ARG     one more argument for every `concord node` (repeatable); nodes get
                     --insecure (plain text on the private bridge) unless --node-arg --tls-cert
                     is given (then also pass --tls-key and --tls-ca)
  --host0-arg ARG    one more argument for host 0's node only (repeatable), e.g.
                     `--host0-arg --gateway --host0-arg tcp://0.0.0.0:5555`

Common option:
  --state DIR        (before or after COMMAND; for exec, before the host index)
                     where the state file (DIR/cluster.env) and the logs (DIR/hI.log) are;
                     default $CONCORD_NETNS_STATE, else ./concord-cluster

The state file is shell syntax (source it): CLUSTER_TAG, CLUSTER_HOSTS, CLUSTER_SEED,
HOST_I_NS, HOST_I_IP, HOST_I_NODE (HOST:PORT), HOST_I_PID, HOST_I_LOG and HOST_I_ARGS (the
node's arguments, a bash array) for every host I; `restart` rewrites HOST_I_PID.

Exit codes: 0 ok; 1 a step failed (up has undone everything it made); 2 bad input;
77 network namespaces are not available here (not root, no CAP_SYS_ADMIN, no iproute2;
netem: no tc).
EOF
}

die() { echo "cluster.sh: error: $*" >&2; exit 1; }
bad_input() { echo "cluster.sh: error: $* (see --help)" >&2; exit "$EXIT_BAD_INPUT"; }
note() { echo "cluster.sh: $*" >&2; }

# -- state -------------------------------------------------------------------------------------

STATE_DIR="${CONCORD_NETNS_STATE:-./concord-cluster}"

load_state() {
  [[ -f "$STATE_DIR/cluster.env" ]] || bad_input "--state $STATE_DIR: no cluster.env (no cluster is up there)"
  # shellcheck disable=SC1091
  source "$STATE_DIR/cluster.env"
}

host_var() { local v="HOST_$1_$2"; printf '%s' "${!v:-}"; }

check_host_index() {
  [[ "$1" =~ ^[0-9]+$ ]] || bad_input "host index \"$1\": expected an integer"
  (( $1 < CLUSTER_HOSTS )) || bad_input "host index $1: the cluster has hosts 0..$((CLUSTER_HOSTS - 1))"
}

# -- capability check ----------------------------------------------------------------------------

namespaces_unavailable() {  # prints the reason and returns 0 when namespaces cannot be made
  if ! command -v ip >/dev/null 2>&1; then echo "iproute2 (ip) is not installed"; return 0; fi
  local probe="ccprobe$$"
  local err
  if ! err=$(ip netns add "$probe" 2>&1); then
    echo "cannot create a network namespace (needs root or CAP_SYS_ADMIN): $err"
    return 0
  fi
  ip netns del "$probe" >/dev/null 2>&1 || true
  return 1
}

cmd_check() {
  local reason
  if reason=$(namespaces_unavailable); then note "$reason"; exit "$EXIT_UNSUPPORTED"; fi
  echo "cluster.sh: network namespaces are available"
}

# -- down ----------------------------------------------------------------------------------------

# Every pid in one of our namespaces. Only processes inside namespaces this cluster made are ever
# signalled: `ip netns pids` lists exactly those.
pids_in_namespaces() {
  local ns
  for ns in "$@"; do
    [[ -e "/run/netns/$ns" ]] && ip netns pids "$ns" 2>/dev/null || true
  done
}

# Started by us but perhaps not yet inside its namespace (killed between fork and setns).
recorded_pids_alive() {
  local pid tag="$1"
  [[ -f "$STATE_DIR/pids" ]] || return 0
  while read -r pid; do
    [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || continue
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    [[ "$cmdline" == *"netns exec $tag-"* ]] && echo "$pid"
  done <"$STATE_DIR/pids"
  return 0
}

teardown() {  # tears down whatever the journal (STATE_DIR/namespaces) lists; never fails
  local journal="$STATE_DIR/namespaces"
  [[ -f "$journal" ]] || return 0
  local tag
  tag=$(sed -n 's/^# tag //p' "$journal" | head -n 1)
  local -a spaces=()
  mapfile -t spaces < <(grep -v '^#' "$journal" | grep .)
  local pids step
  pids=$( { pids_in_namespaces "${spaces[@]}"; recorded_pids_alive "$tag"; } | sort -u)
  if [[ -n "$pids" ]]; then
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for ((step = 0; step < STOP_STEPS; ++step)); do
      pids=$( { pids_in_namespaces "${spaces[@]}"; recorded_pids_alive "$tag"; } | sort -u)
      [[ -z "$pids" ]] && break
      sleep 0.1
    done
    if [[ -n "$pids" ]]; then
      note "still running after SIGTERM, killing: ${pids//$'\n'/ }"
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      for ((step = 0; step < STOP_STEPS; ++step)); do
        pids=$( { pids_in_namespaces "${spaces[@]}"; recorded_pids_alive "$tag"; } | sort -u)
        [[ -z "$pids" ]] && break
        sleep 0.1
      done
    fi
  fi
  local ns i
  for ((i = ${#spaces[@]} - 1; i >= 0; --i)); do   # hosts first, the bridge last
    ns="${spaces[$i]}"
    [[ -e "/run/netns/$ns" ]] || continue
    ip netns del "$ns" 2>/dev/null || note "could not delete namespace $ns"
  done
  rm -f "$STATE_DIR/namespaces" "$STATE_DIR/pids" "$STATE_DIR/cluster.env"
}

cmd_down() {
  local purge=0
  while (($#)); do
    case "$1" in
      --purge) purge=1 ;;
      --state) STATE_DIR="${2:?--state needs a directory}"; shift ;;
      *) bad_input "down: unknown argument \"$1\"" ;;
    esac
    shift
  done
  if [[ ! -f "$STATE_DIR/namespaces" ]]; then
    note "nothing to bring down in $STATE_DIR"
  else
    teardown
    note "down: every namespace, link and process of the cluster in $STATE_DIR is gone"
  fi
  if ((purge)) && [[ -d "$STATE_DIR" ]]; then
    rm -f "$STATE_DIR"/h*.log "$STATE_DIR"/cluster.env "$STATE_DIR"/namespaces "$STATE_DIR"/pids
    rmdir "$STATE_DIR" 2>/dev/null || note "left $STATE_DIR (it holds files the script did not write)"
  fi
}

# -- up ------------------------------------------------------------------------------------------

UP_DONE=0
on_up_exit() {
  local rc=$?
  if ((UP_DONE == 0)); then
    note "up did not complete: removing everything it made"
    teardown
    ((rc == 0)) && rc=1
  fi
  exit "$rc"
}

# FILE PATTERN PID [FIRST_LINE]: 0 once FILE has a line matching PATTERN (from line FIRST_LINE on,
# default 1); 1 if PID dies or time runs out.
wait_for_line() {
  local step from="${4:-1}"
  for ((step = 0; step < WAIT_STEPS; ++step)); do
    tail -n "+$from" "$1" 2>/dev/null | grep -q -- "$2" && return 0
    kill -0 "$3" 2>/dev/null || { tail -n "+$from" "$1" 2>/dev/null | grep -q -- "$2" && return 0; return 1; }
    sleep 0.1
  done
  return 1
}

find_concord() {
  if [[ -n "${CONCORD_BIN:-}" ]]; then echo "$CONCORD_BIN"; return; fi
  if [[ -x "$REPO_DIR/build/nodes/concord" ]]; then echo "$REPO_DIR/build/nodes/concord"; return; fi
  command -v concord || true
}

cmd_up() {
  local hosts="" workers="$REPO_DIR/examples/workers.json" concord="" tag="" subnet="10.77.0" port=7000
  local config="" time_scale=""
  local -a node_args=() host0_args=()
  while (($#)); do
    case "$1" in
      --workers) workers="${2:?--workers needs a file}"; shift ;;
      --concord) concord="${2:?--concord needs a path}"; shift ;;
      --tag) tag="${2:?--tag needs a name}"; shift ;;
      --subnet) subnet="${2:?--subnet needs A.B.C}"; shift ;;
      --port) port="${2:?--port needs a number}"; shift ;;
      --config) config="${2:?--config needs a file}"; shift ;;
      --time-scale) time_scale="${2:?--time-scale needs a number}"; shift ;;
      --node-arg) node_args+=("${2?--node-arg needs an argument}"); shift ;;
      --host0-arg) host0_args+=("${2?--host0-arg needs an argument}"); shift ;;
      --state) STATE_DIR="${2:?--state needs a directory}"; shift ;;
      -*) bad_input "up: unknown option \"$1\"" ;;
      *) [[ -z "$hosts" ]] || bad_input "up: unexpected argument \"$1\""; hosts="$1" ;;
    esac
    shift
  done
  # Validate everything before making anything.
  [[ "$hosts" =~ ^[0-9]+$ ]] && ((hosts >= 1 && hosts <= MAX_HOSTS)) ||
    bad_input "up N: N=\"$hosts\": expected a number of hosts in 1..$MAX_HOSTS"
  [[ "$subnet" =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] &&
    ((BASH_REMATCH[1] <= 255 && BASH_REMATCH[2] <= 255 && BASH_REMATCH[3] <= 255)) ||
    bad_input "--subnet \"$subnet\": expected A.B.C (the hosts' /24)"
  [[ "$port" =~ ^[0-9]+$ ]] && ((port >= 1 && port <= 65535)) || bad_input "--port \"$port\": expected 1..65535"
  [[ -r "$workers" ]] || bad_input "--workers $workers: cannot read the file"
  workers="$(realpath "$workers")"
  if [[ -n "$config" ]]; then
    [[ -r "$config" ]] || bad_input "--config $config: cannot read the file"
    config="$(realpath "$config")"
  fi
  [[ -n "$concord" ]] || concord="$(find_concord)"
  [[ -n "$concord" && -x "$concord" ]] || bad_input "--concord: no concord executable found (build it, or pass --concord BIN)"
  concord="$(realpath "$concord")"
  if [[ -z "$tag" ]]; then
    tag="cc$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
  fi
  [[ "$tag" =~ ^[a-z0-9]{1,10}$ ]] || bad_input "--tag \"$tag\": expected 1..10 characters of [a-z0-9]"
  local reason
  if reason=$(namespaces_unavailable); then note "$reason"; exit "$EXIT_UNSUPPORTED"; fi
  local existing
  existing=$(ip netns list)
  if grep -q "^$tag-" <<<"$existing"; then bad_input "--tag $tag: namespaces named $tag-* exist already"; fi
  mkdir -p "$STATE_DIR"
  STATE_DIR="$(realpath "$STATE_DIR")"
  [[ ! -f "$STATE_DIR/namespaces" ]] ||
    bad_input "--state $STATE_DIR: a cluster is up there already (run \`cluster.sh down --state $STATE_DIR\` first)"

  # From here on, anything that fails (or a signal) undoes what was made.
  trap on_up_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local journal="$STATE_DIR/namespaces" env="$STATE_DIR/cluster.env" bridge="$tag-br"
  echo "# tag $tag" >"$journal"
  : >"$STATE_DIR/pids"
  {
    echo "# Concord cluster in network namespaces (deploy/netns/cluster.sh); shell syntax."
    echo "CLUSTER_TAG=$tag"
    echo "CLUSTER_HOSTS=$hosts"
    echo "CLUSTER_STATE_DIR=$STATE_DIR"
    echo "CLUSTER_BRIDGE_NS=$bridge"
    echo "CLUSTER_SUBNET=$subnet.0/24"
    echo "CLUSTER_SEED=$subnet.1:$port"
    echo "CLUSTER_CONCORD=$concord"
  } >"$env"

  echo "$bridge" >>"$journal"
  ip netns add "$bridge"
  ip -n "$bridge" link set lo up
  ip -n "$bridge" link add br0 type bridge
  ip -n "$bridge" link set br0 up
  local i ns ip
  for ((i = 0; i < hosts; ++i)); do
    ns="$tag-h$i"
    ip="$subnet.$((i + 1))"
    echo "$ns" >>"$journal"
    ip netns add "$ns"
    ip link add eth0 netns "$ns" type veth peer name "h$i" netns "$bridge"
    ip -n "$bridge" link set "h$i" master br0
    ip -n "$bridge" link set "h$i" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set eth0 up
  done

  local seed="$subnet.1:$port" log pid
  for ((i = 0; i < hosts; ++i)); do
    ns="$tag-h$i"
    ip="$subnet.$((i + 1))"
    log="$STATE_DIR/h$i.log"
    local -a args=(node --name "h$i" --listen "$ip:$port" --workers "$workers")
    ((i == 0)) || args+=(--seed "$seed")
    [[ -z "$config" ]] || args+=(--config "$config")
    [[ -z "$time_scale" ]] || args+=(--time-scale "$time_scale")
    args+=("${node_args[@]}")
    ((i > 0)) || args+=("${host0_args[@]}")
    # The hosts' addresses are not loopback: `concord node` wants TLS or --insecure. Plain text on
    # the cluster's private bridge, unless TLS is given with --node-arg --tls-cert ... .
    [[ " ${node_args[*]} " == *" --tls-cert "* ]] || args+=(--insecure)
    # A join can time out on a loaded machine (the seed answers 15 handshakes at once): a node
    # that could not connect to the seed is started again, at most JOIN_ATTEMPTS times.
    local attempt
    : >"$log"
    for ((attempt = 1; attempt <= JOIN_ATTEMPTS; ++attempt)); do
      # The node outlives this script; `down` finds it through its namespace.
      # setsid: its own session, so a hangup of the terminal that ran `up` does not stop it.
      setsid ip netns exec "$ns" "$concord" "${args[@]}" </dev/null >>"$log" 2>&1 &
      pid=$!
      echo "$pid" >>"$STATE_DIR/pids"
      wait_for_line "$log" "listening on $ip:$port" "$pid" ||
        die "host $i ($ns): the node did not start listening on $ip:$port; its log $log says: $(tail -n 3 "$log" | tr '\n' ' ')"
      ((i > 0)) || break
      wait_for_line "$log" "member h0" "$pid" && break
      if ((attempt < JOIN_ATTEMPTS)) && grep -q "cannot connect" "$log" && ! kill -0 "$pid" 2>/dev/null; then
        note "host $i: could not connect to the seed (attempt $attempt of $JOIN_ATTEMPTS), starting its node again"
        : >"$log"
        sleep 0.5
        continue
      fi
      die "host $i ($ns): the node did not join the seed $seed; its log $log says: $(tail -n 3 "$log" | tr '\n' ' ')"
    done
    {
      echo "HOST_${i}_NS=$ns"
      echo "HOST_${i}_IP=$ip"
      echo "HOST_${i}_NODE=$ip:$port"
      echo "HOST_${i}_PID=$pid"
      echo "HOST_${i}_LOG=$log"
      echo "HOST_${i}_ARGS=(${args[*]@Q})"
      echo "# HOST_${i}_GATEWAY=tcp://$ip:5555   (optional: when \`concord node --gateway\` exists, issue 11)"
    } >>"$env"
  done
  UP_DONE=1
  trap - EXIT INT TERM
  echo "cluster.sh: up: $hosts hosts (tag $tag, subnet $subnet.0/24), seed $seed"
  echo "cluster.sh: state file $env, logs $STATE_DIR/h*.log"
}

# -- exec / kill / restart / partition / heal / netem / throttle / status ------------------------------------------------------------------------

cmd_exec() {
  (($#)) || bad_input "exec: expected a host index and a command"
  local host="$1"; shift
  load_state
  check_host_index "$host"
  (($#)) || bad_input "exec $host: expected a command"
  CONCORD_SEED="$CLUSTER_SEED" CONCORD_HOST="$host" exec ip netns exec "$(host_var "$host" NS)" "$@"
}

node_running() {  # NS PID: PID is alive inside namespace NS
  local pids
  pids=$(ip netns pids "$1" 2>/dev/null) || return 1
  grep -qx "$2" <<<"$pids"
}

cmd_kill() {
  (($# >= 1 && $# <= 2)) || bad_input "kill: expected a host index and an optional signal"
  load_state
  check_host_index "$1"
  local pid ns sig="${2:-KILL}"
  pid="$(host_var "$1" PID)"
  ns="$(host_var "$1" NS)"
  # Only a process still inside this host's namespace is signalled (a pid may be reused).
  node_running "$ns" "$pid" || die "kill $1: host $1's node (pid $pid) is not running"
  kill -s "$sig" "$pid" || bad_input "kill $1: cannot send signal $sig"
  echo "cluster.sh: sent SIG${sig#SIG} to host $1's node (pid $pid)"
}

cmd_restart() {
  (($# == 1)) || bad_input "restart: expected a host index"
  load_state
  check_host_index "$1"
  local i="$1" ns pid log ip port
  ns="$(host_var "$i" NS)"
  pid="$(host_var "$i" PID)"
  log="$(host_var "$i" LOG)"
  ip="$(host_var "$i" IP)"
  port="${CLUSTER_SEED##*:}"
  node_running "$ns" "$pid" && bad_input "restart $i: host $i's node (pid $pid) is still running (\`kill $i\` first)"
  local -n saved_args="HOST_${i}_ARGS"
  ((${#saved_args[@]} > 0)) || die "restart $i: the state file has no HOST_${i}_ARGS (a cluster brought up by an older cluster.sh)"
  local attempt first newpid=""
  for ((attempt = 1; attempt <= RESTART_ATTEMPTS; ++attempt)); do
    first=$(($(wc -l <"$log") + 1))
    echo "cluster.sh: restart of host $i (attempt $attempt) at unix time $(date +%s.%N)" >>"$log"
    setsid ip netns exec "$ns" "$CLUSTER_CONCORD" "${saved_args[@]}" </dev/null >>"$log" 2>&1 &
    newpid=$!
    echo "$newpid" >>"$STATE_DIR/pids"
    wait_for_line "$log" "listening on $ip:$port" "$newpid" "$first" ||
      die "restart $i: the node did not start listening on $ip:$port; its log $log says: $(tail -n 3 "$log" | tr '\n' ' ')"
    ((i > 0)) || break
    wait_for_line "$log" "member h0" "$newpid" "$first" && break
    if ((attempt < RESTART_ATTEMPTS)) && ! kill -0 "$newpid" 2>/dev/null; then
      note "restart $i: not admitted (attempt $attempt of $RESTART_ATTEMPTS): $(tail -n 1 "$log")"
      sleep 1
      continue
    fi
    die "restart $i: the node did not join the seed $CLUSTER_SEED; its log $log says: $(tail -n 3 "$log" | tr '\n' ' ')"
  done
  sed -i "s/^HOST_${i}_PID=.*/HOST_${i}_PID=$newpid/" "$STATE_DIR/cluster.env"
  echo "cluster.sh: restarted host $i's node (pid $newpid)"
}

cmd_link() {  # partition|heal I: host I's port on the bridge down|up
  local what="$1"; shift
  (($# == 1)) || bad_input "$what: expected a host index"
  load_state
  check_host_index "$1"
  local updown=down
  [[ "$what" == heal ]] && updown=up
  ip -n "$CLUSTER_BRIDGE_NS" link set "h$1" "$updown" ||
    die "$what $1: cannot set the bridge port h$1 $updown in namespace $CLUSTER_BRIDGE_NS"
  echo "cluster.sh: host $1's bridge port h$1 is $updown ($what)"
}

cmd_netem() {
  (($# >= 2)) || bad_input "netem: expected a host index and a netem spec (e.g. \`netem 1 delay 50ms 20ms loss 5%\`) or off"
  load_state
  check_host_index "$1"
  command -v tc >/dev/null 2>&1 ||
    { note "netem: tc is not installed here (it comes with iproute2: apt-get install iproute2)"; exit "$EXIT_UNSUPPORTED"; }
  local i="$1" ns err
  shift
  ns="$(host_var "$i" NS)"
  if [[ "$1" == off && $# -eq 1 ]]; then
    if ! err=$(ip netns exec "$ns" tc qdisc del dev eth0 root 2>&1); then
      note "netem $i off: host $i's link had no netem ($err)"
      return 0
    fi
    echo "cluster.sh: host $i's link: netem off"
    return 0
  fi
  if ! err=$(ip netns exec "$ns" tc qdisc replace dev eth0 root netem "$@" 2>&1); then
    if grep -q "qdisc kind is unknown" <<<"$err"; then
      note "netem: this kernel has no netem queueing discipline (sch_netem): $err (throttle I RATE works without it)"
      exit "$EXIT_UNSUPPORTED"
    fi
    bad_input "netem $i $*: tc refused the spec: $(head -n 1 <<<"$err") (see \`man tc-netem\`)"
  fi
  echo "cluster.sh: host $i's link: netem $*"
}

cmd_throttle() {
  (($# == 2)) || bad_input "throttle: expected a host index and a rate (e.g. 64kbit) or off"
  load_state
  check_host_index "$1"
  command -v tc >/dev/null 2>&1 ||
    { note "throttle: tc is not installed here (it comes with iproute2: apt-get install iproute2)"; exit "$EXIT_UNSUPPORTED"; }
  local i="$1" rate="$2" ns err
  ns="$(host_var "$i" NS)"
  if [[ "$rate" == off ]]; then
    err=$(ip netns exec "$ns" tc qdisc del dev eth0 root 2>&1) || note "throttle $i off: host $i's link had no throttle ($err)"
    echo "cluster.sh: host $i's link: throttle off"
    return 0
  fi
  [[ "$rate" =~ ^[0-9]+(bit|kbit|mbit)$ ]] || bad_input "throttle $i \"$rate\": expected a rate like 64kbit (bit, kbit or mbit)"
  err=$(ip netns exec "$ns" tc qdisc replace dev eth0 root tbf rate "$rate" burst 4kb latency 100ms 2>&1) ||
    die "throttle $i $rate: tc refused it: $err"
  echo "cluster.sh: host $i's link: throttled to $rate (tbf)"
}

cmd_status() {
  load_state
  cat "$STATE_DIR/cluster.env"
  local i pid
  for ((i = 0; i < CLUSTER_HOSTS; ++i)); do
    pid="$(host_var "$i" PID)"
    if node_running "$(host_var "$i" NS)" "$pid"; then
      echo "host $i: node $(host_var "$i" NODE) pid $pid running"
    else
      echo "host $i: node $(host_var "$i" NODE) pid $pid NOT running"
    fi
  done
}

# -- main ----------------------------------------------------------------------------------------

main() {
  while (($#)) && [[ "$1" == "--state" ]]; do STATE_DIR="${2:?--state needs a directory}"; shift 2; done
  (($#)) || { usage >&2; exit "$EXIT_BAD_INPUT"; }
  local cmd="$1"; shift
  # --state may come anywhere; take it out here for the commands that do not parse options.
  local -a rest=()
  if [[ "$cmd" != "exec" ]]; then
    while (($#)); do
      case "$1" in
        --state) STATE_DIR="${2:?--state needs a directory}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) rest+=("$1") ;;
      esac
      shift
    done
  else
    # exec I CMD...: --state only before the host index, everything after it belongs to CMD.
    while (($#)) && [[ "$1" == --* ]]; do
      case "$1" in
        --state) STATE_DIR="${2:?--state needs a directory}"; shift ;;
        --help) usage; exit 0 ;;
        *) bad_input "exec: unknown option \"$1\"" ;;
      esac
      shift
    done
    rest=("$@")
  fi
  case "$cmd" in
    up) cmd_up "${rest[@]}" ;;
    down) cmd_down "${rest[@]}" ;;
    exec) cmd_exec "${rest[@]}" ;;
    kill) cmd_kill "${rest[@]}" ;;
    restart) cmd_restart "${rest[@]}" ;;
    partition|heal) cmd_link "$cmd" "${rest[@]}" ;;
    netem) cmd_netem "${rest[@]}" ;;
    throttle) cmd_throttle "${rest[@]}" ;;
    status) cmd_status "${rest[@]}" ;;
    check) cmd_check ;;
    -h|--help|help) usage ;;
    *) bad_input "unknown command \"$cmd\"" ;;
  esac
}

main "$@"
