#!/usr/bin/env bash
# bench/netns_scale.sh -- Concord at scale on one machine: N hosts in network namespaces
# (deploy/netns/cluster.sh), simulated workers at a high time scale, and C clients (in hosts
# 1..C) submitting a stream of workflows (`concord run --join`) for a fixed time; one node is
# killed halfway. Prints completions, wall time per run against its simulated makespan (the
# difference is planning + coordination + joining), how long the other nodes took to detect the
# kill (their "member hI lost" log lines), and memory per node. A benchmark, never a
# test; needs root. Everything it starts is brought down at the end (trap).
#
#   bench/netns_scale.sh [--hosts 16] [--clients 2] [--seconds 30] [--time-scale 1000] [--concord BIN]
#                        [--config INI]   (CAF settings for every node, e.g. [middleman] heartbeats)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hosts=16 clients=2 seconds=30 scale=1000 concord="${CONCORD_BIN:-$here/build/nodes/concord}" config=""
while (($#)); do
  case "$1" in
    --hosts) hosts="$2"; shift ;;
    --clients) clients="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --time-scale) scale="$2"; shift ;;
    --concord) concord="$2"; shift ;;
    --config) config="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "netns_scale.sh: error: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
  esac
  shift
done
((clients >= 1 && clients < hosts)) || { echo "netns_scale.sh: error: --clients must be in 1..hosts-1" >&2; exit 2; }
cluster="$here/deploy/netns/cluster.sh"
work=$(mktemp -d /tmp/concord-scale.XXXXXX)
trap '"$cluster" --state "$work/cluster" down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
trap 'exit 130' INT   # so that the EXIT trap runs on a signal too
trap 'exit 143' TERM
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

t0=$(date +%s.%N)
"$cluster" up "$hosts" --state "$work/cluster" --concord "$concord" --time-scale "$scale" ${config:+--config "$config"} >/dev/null
t1=$(date +%s.%N)
# shellcheck disable=SC1091
source "$work/cluster/cluster.env"
echo "cluster: $hosts hosts up in $(echo "$t1 - $t0" | bc) s (seed $CLUSTER_SEED, 6 simulated workers each, time scale $scale)"
rss_start=0
for ((i = 0; i < hosts; ++i)); do v="HOST_${i}_PID"; rss_start=$((rss_start + $(rss_kb "${!v}"))); done

client() {  # I: runs workflows from host I until the time is up; one line per run
  local i="$1" n=0 end
  end=$(echo "$(date +%s.%N) + $seconds" | bc)
  while (( $(echo "$(date +%s.%N) < $end" | bc) )); do
    local s e rc=0
    s=$(date +%s.%N)
    # Bounded: a run that has not ended 120 s after it began is stopped (exit 124 in the figures).
    timeout -k 5 120 "$cluster" --state "$work/cluster" exec "$i" "$concord" run "$here/examples/proofflow-euler.json" --join "$CLUSTER_SEED" \
      --time-scale "$scale" --deadline 5000 --seed $((i * 1000 + n)) --quiet >"$work/run-$i-$n.out" 2>&1 || rc=$?
    e=$(date +%s.%N)
    local makespan
    makespan=$(awk '/^  makespan/ {print $2}' "$work/run-$i-$n.out")
    local result
    result=$(awk '/^  result/ {$1 = ""; print}' "$work/run-$i-$n.out" | sed 's/^ *//' | tr ' ' '_' | cut -c1-60)
    [[ -n "$result" ]] || result=$(grep -m 1 -o "error: .*" "$work/run-$i-$n.out" | tr ' ' '_' | cut -c1-60)
    echo "$i $n $rc $(echo "$e - $s" | bc) ${makespan:-nan} ${result:-none}"
    n=$((n + 1))
  done
}
for ((c = 1; c <= clients; ++c)); do client "$c" >"$work/client-$c.txt" & done
sleep "$(echo "$seconds / 2" | bc)"
victim=$((hosts - 1))
killed_at=$(date +%s.%N)
"$cluster" --state "$work/cluster" kill "$victim" >/dev/null
echo "killed host $victim's node at $(echo "$seconds / 2" | bc) s"
# Detection: when each surviving node logged the victim lost (its line carries the unix time, ms),
# against the kill; waits at most 10 s. Lines from before the kill are false detections (a member
# taken for dead by the heartbeat timeout while alive: CPU starvation); they are counted apart.
for ((poll = 0; poll < 100; ++poll)); do
  sleep 0.1
  n=0
  for ((i = 0; i < hosts - 1; ++i)); do
    grep -h "member h$victim lost" "$work/cluster/h$i.log" 2>/dev/null | sed 's/.*at unix time //' |
      awk -v k="$killed_at" '$1 >= k {found = 1} END {exit !found}' && n=$((n + 1))
  done
  ((n >= hosts - 1)) && break
done
for ((i = 0; i < hosts - 1; ++i)); do
  { grep -h "member h$victim lost" "$work/cluster/h$i.log" 2>/dev/null || true; } | sed 's/.*at unix time //' |
    awk -v k="$killed_at" '$1 < k {early++} $1 >= k && !seen {seen = 1; printf "%.0f", ($1 - k) * 1000} END {if (!seen) printf "none"; printf " %d\n", early}'
done | awk -v total=$((hosts - 1)) '$1 != "none" {d[++n] = $1} {early += $2} END {
    if (n == 0) { printf "detection: no surviving node logged the kill within 10 s (%d false detections before it)\n", early; exit }
    for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j) if (d[j] < d[i]) {t = d[i]; d[i] = d[j]; d[j] = t}
    printf "detection: %d of %d surviving nodes logged the kill; after %d ms (first), %d ms (median), %d ms (last); %d false detections of the victim before it\n",
      n, total, d[1], d[int((n + 1) / 2)], d[n], early }'
wait
rss_end=0 alive=0 max_rss=0
for ((i = 0; i < hosts; ++i)); do
  v="HOST_${i}_PID"
  r=$(rss_kb "${!v}")
  ((r > 0)) && alive=$((alive + 1))
  rss_end=$((rss_end + r))
  ((r > max_rss)) && max_rss=$r
done
cat "$work"/client-*.txt >"$work/runs.txt"
med=$(sort -g -k4,4 "$work/runs.txt" | awk '{w[NR] = $4} END {print w[int((NR + 1) / 2)]}')
awk -v scale="$scale" -v secs="$seconds" -v clients="$clients" -v med="$med" '
  { runs++; if ($3 == 0) ok++; wall += $4; if ($5 != "nan") { ms += $5; ideal += $5 / scale; n++ } }
  END {
    printf "workflows: %d submitted by %d clients in %d s, %d completed (exit 0), %.2f per second\n", runs, clients, secs, ok, runs / secs;
    printf "exit codes (0 completed, 1 budget/deadline missed, 2 join failed, 124 stopped after 120 s): see the runs below\n";
    printf "wall time per run: mean %.3f s, median %.3f s; simulated makespan mean %.1f s = %.3f s at x%d\n", wall / runs, med, ms / n, ideal / n, scale;
    printf "overhead per run (join + planning + coordination): mean %.3f s\n", (wall - ideal) / runs;
  }' "$work/runs.txt"
echo "runs (client run exit wall_s makespan_s result):"; sort -g -k4,4 "$work/runs.txt" | awk '{printf "  %s\n", $0}' 
echo "memory: $alive nodes alive, RSS $((rss_start / hosts)) kB per node at start, $((rss_end / (alive > 0 ? alive : 1))) kB per node at the end (max $max_rss kB)"
