#pragma once
// `concord chaos --hosts N`: chaos on a deploy/netns cluster (root). The harness brings N hosts
// up with deploy/netns/cluster.sh (a gateway on host 0), and for each run submits a seeded
// workflow from inside host 0's namespace (the hidden `concord chaos-client`, which watches it
// to its end and prints one line of facts) while one seeded host fault hits another host; it
// checks the invariants on those facts, and at the end brings the cluster down and checks that
// nothing is left (docs/chaos.md).
#include <cstdint>
#include <string>
#include <vector>

namespace concord::cli {

struct ChaosHostsOptions {
  std::string workload = "proofflow";
  int dags = 24;
  std::string datasets_dir;
  std::uint64_t runs = 200;
  std::uint64_t seed = 1;
  std::int64_t only_run = -1;
  std::string policy = "mcpp";
  int hosts = 4;
  std::string cluster_script;  // empty: $CONCORD_CLUSTER_SCRIPT, else EXE/../../deploy/netns/cluster.sh
  std::string workers_file;    // empty: the script's default (examples/workers.json next to it)
  double time_scale = 100;
  bool quiet = false, verbose = false;
};

/// Runs the multi-host chaos; returns the exit code (0: no violation, 1: a violation, 2: bad
/// input, 3: the harness could not run).
int run_chaos_hosts(const ChaosHostsOptions& o);

}  // namespace concord::cli
