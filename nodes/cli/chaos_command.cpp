#include "chaos_command.hpp"

#include <dirent.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "chaos/fault_plan.hpp"
#include "chaos/fault_points.hpp"
#include "chaos/invariants.hpp"
#include "chaos/safeguards.hpp"
#include "chaos_hosts.hpp"
#include "chaos_workload.hpp"
#include "embedded_cluster.hpp"
#include "exit_codes.hpp"
#include "model/input_error.hpp"
#include "number_options.hpp"
#include "plan/policy_registry.hpp"
#include "printable.hpp"
#include "run_facts.hpp"

namespace concord::cli {

namespace {

struct ChaosOptions {
  std::string workload = "proofflow";
  int dags = 24;
  std::string datasets_dir;
  std::uint64_t runs = 1000;
  std::uint64_t seed = 1;
  std::int64_t only_run = -1;  // --run K: replay that run alone
  std::string policy = "mcpp";
  int max_faults = 3;
  int max_point_faults = 2;
  int max_companions = 2;  // -1: no tenant runs
  int nodes = 3, workers_per_model = 2;
  bool quiet = false, verbose = false;
  std::string disable;  // --disable-safeguard NAME: the mutation check
  // --hosts N: on a deploy/netns cluster instead (chaos_hosts.hpp)
  int hosts = 0;
  std::string cluster_script, workers_file;
  double time_scale = 100;
};

/// Entries in a /proc folder (threads of the process, open file descriptors); -1 if unreadable.
long count_entries(const char* dir) {
  DIR* d = ::opendir(dir);
  if (!d) return -1;
  long n = 0;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - (std::string(dir) == "/proc/self/fd" ? 1 : 0);  // the folder's own descriptor
}


std::string replay_command(const ChaosOptions& o, std::uint64_t run) {
  return fmt::format("concord chaos {} --dags {} --seed {} --run {} --policy {} --max-faults {} --max-point-faults {} "
                     "--max-companions {} --nodes {} --workers-per-model {}{}",
                     o.workload, o.dags, o.seed, run, o.policy, o.max_faults, o.max_point_faults, o.max_companions, o.nodes,
                     o.workers_per_model,
                     o.disable.empty() ? "" : " --disable-safeguard " + o.disable);
}

struct Tally {
  std::uint64_t runs = 0, violating_runs = 0;
  std::array<std::uint64_t, chaos::kWorkerFaultKinds> planned{}, started{};
  std::array<std::uint64_t, chaos::kFaultPoints> points_armed{}, points_fired{};
  std::map<std::string, std::uint64_t> reasons;
  std::map<std::string, std::uint64_t> violations;  // by invariant
  std::uint64_t tenant_runs = 0, tenant_workflows = 0;
  std::uint64_t tenant_budget_ends = 0;  // workflows of tenant runs that ended budget_exhausted
  double tenant_max_share = 0;           // the largest committed / budget of a run's tenant
};

int run_chaos(const ChaosOptions& o) {
  const ChaosWorkload work(o.workload, o.dags, o.datasets_dir);
  const std::vector<Workflow>& workflows = work.workflows();
  make_policy(o.policy, *work.plan(o.seed, 0).flat, 1);  // an unknown policy is refused before any run
  if (!o.disable.empty()) {
    const auto s = chaos::safeguard_named(o.disable);
    if (!s) throw InputError("--disable-safeguard", "", fmt::format("unknown safeguard '{}' (see --help)", printable(o.disable)));
    chaos::disable_safeguard(*s);
    std::cout << fmt::format("MUTATION CHECK: safeguard {} is off; the invariants should break\n", o.disable);
  }
  chaos::PlanOptions po;
  po.max_faults = o.max_faults;
  po.max_point_faults = o.max_point_faults;
  po.max_companions = o.max_companions;
  const std::uint64_t first = o.only_run >= 0 ? static_cast<std::uint64_t>(o.only_run) : 0;
  const std::uint64_t last = o.only_run >= 0 ? first + 1 : o.runs;
  std::cout << fmt::format("concord chaos: {} run{}, seed {}, {} ({} workflows), policy {}, embedded cluster ({} nodes x {} "
                           "simulated workers per model, virtual clock)\n",
                           last - first, last - first == 1 ? "" : "s", o.seed, printable(o.workload), workflows.size(), o.policy,
                           o.nodes, o.workers_per_model)
            << std::flush;
  const auto t0 = std::chrono::steady_clock::now();
  Tally t;
  long threads_base = -1, fds_base = -1;
  for (std::uint64_t run = first; run < last; ++run) {
    const PlannedRun planned = work.plan(o.seed, run, po);
    const chaos::RunPlan& plan = planned.plan;
    const auto& flat = planned.flat;
    EpisodeConfig cfg;
    cfg.semantics = Semantics::runtime;
    cfg.budget = planned.budget;
    cfg.deadline_s = planned.deadline_s;
    cfg.seed = plan.seed;
    actors::ClusterOptions co;
    co.nodes = o.nodes;
    co.workers_per_model = o.workers_per_model;
    co.virtual_time = true;
    co.pace = false;
    co.threads = 1;
    const int workers = o.nodes * o.workers_per_model * flat->num_models();
    co.worker_faults = [&](int index, const std::string&) {
      std::vector<chaos::WorkerFault> mine;
      for (const auto& f : plan.faults)
        if (static_cast<int>(f.worker % static_cast<std::uint32_t>(workers)) == index) mine.push_back(f.fault);
      return mine;
    };
    std::vector<EpisodeConfig> configs{cfg};  // the plan's workflow, then its companions (a tenant run)
    for (const PlannedRun::Terms& c : planned.companions) {
      EpisodeConfig cc = cfg;
      cc.budget = c.budget;
      cc.deadline_s = c.deadline_s;
      cc.seed = c.seed;
      configs.push_back(cc);
    }
    // A run still going well past its (longest) deadline is stopped and counted as never ended.
    co.virtual_limit_s = 0;
    for (const EpisodeConfig& c : configs)
      co.virtual_limit_s = std::max(co.virtual_limit_s, 2 * c.deadline_s + co.stale_after_intervals * co.beacon_interval_s * co.time_scale + 60);
    std::vector<actors::ClusterRun> runs;
    std::vector<std::int64_t> tenant;  // {budget, committed, reserved, uncovered}: a tenant run's
    std::array<std::int64_t, chaos::kFaultPoints> fired{};
    {
      actors::EmbeddedCluster cluster(flat, co);
      chaos::disarm_faults();  // hits count from the run's first ledger call and decision
      for (const auto& p : plan.points) chaos::arm_fault(p.point, p.after, 1);
      if (!plan.tenant.on) {
        runs.push_back(cluster.run(make_policy(o.policy, *flat, plan.seed), cfg));
      } else {
        std::vector<actors::GroupMember> members;
        for (const EpisodeConfig& c : configs) members.push_back({make_policy(o.policy, *flat, c.seed), c});
        auto group = cluster.run_tenant_group(std::move(members), planned.tenant_budget);
        runs = std::move(group.runs);
        tenant = std::move(group.tenant);
      }
      for (int i = 0; i < chaos::kFaultPoints; ++i) fired[static_cast<std::size_t>(i)] = chaos::fired(static_cast<chaos::FaultPoint>(i));
      chaos::disarm_faults();
    }
    const long threads_after = count_entries("/proc/self/task");
    const long fds_after = count_entries("/proc/self/fd");
    std::vector<chaos::RunFacts> all_facts;
    std::vector<std::string> violations;  // a companion's end with " [companion I]"
    std::int64_t ledger_faults = 0;
    for (const auto& p : plan.points) ledger_faults += p.point == chaos::FaultPoint::planner_crash ? 0 : 1;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      chaos::RunFacts f = actors::run_facts(runs[i], configs[i], flat->num_subtasks());
      // How late past the deadline an end may come (simulated seconds): a dead worker is seen when
      // its beacons stop (stale_after_intervals beacon intervals); a sample whose worker hangs, or
      // whose result was lost, holds its batch until the cancel grace runs out after the cancel; and
      // each lost or late ledger message of the run delays its batch by at most one retry interval.
      f.detection_bound_s = (std::max(co.stale_after_intervals * co.beacon_interval_s, actors::kDefaultTunables.cancel_grace_s) +
                             static_cast<double>(ledger_faults) * actors::kDefaultTunables.ledger_retry_s) *
                            co.time_scale;
      // The process's resources (once per run) after the cluster is gone, against the base: the
      // first run's "after" (libraries start their threads once per process, e.g. TBB's arena).
      if (i == 0) {
        f.threads_before = threads_base >= 0 ? threads_base : threads_after;
        f.fds_before = fds_base >= 0 ? fds_base : fds_after;
        f.threads_after = threads_after;
        f.fds_after = fds_after;
      }
      for (auto& v : chaos::check_invariants(f)) violations.push_back(i == 0 ? v : fmt::format("{} [companion {}]", v, i));
      all_facts.push_back(std::move(f));
    }
    if (threads_base < 0) {
      threads_base = threads_after;
      fds_base = fds_after;
    }
    if (plan.tenant.on) {
      chaos::TenantFacts tf;
      tf.reported = tenant.size() == 4;
      if (tf.reported) {
        tf.budget = tenant[0];
        tf.committed = tenant[1];
        tf.reserved = tenant[2];
        tf.uncovered = tenant[3];
      }
      for (const auto& f : all_facts) tf.workflows_committed += f.ledger_committed;
      for (auto& v : chaos::check_tenant_invariants(tf)) violations.push_back(std::move(v));
      ++t.tenant_runs;
      t.tenant_workflows += runs.size();
      if (tf.reported && tf.budget > 0)
        t.tenant_max_share = std::max(t.tenant_max_share, static_cast<double>(tf.committed) / static_cast<double>(tf.budget));
      for (const auto& f : all_facts) t.tenant_budget_ends += f.end_reason == "budget_exhausted" ? 1 : 0;
    }
    const chaos::RunFacts& facts = all_facts.front();

    ++t.runs;
    for (const auto& f : all_facts) ++t.reasons[f.end_reason];
    for (const auto& f : plan.faults) {
      ++t.planned[static_cast<std::size_t>(f.fault.kind)];
      if (f.fault.from_s < facts.end_s) ++t.started[static_cast<std::size_t>(f.fault.kind)];
    }
    for (const auto& p : plan.points) ++t.points_armed[static_cast<std::size_t>(p.point)];
    for (int i = 0; i < chaos::kFaultPoints; ++i) t.points_fired[static_cast<std::size_t>(i)] += static_cast<std::uint64_t>(fired[static_cast<std::size_t>(i)]);
    if (!violations.empty()) {
      ++t.violating_runs;
      for (const auto& v : violations) {
        ++t.violations[v.substr(0, v.find(':'))];
        std::cout << fmt::format("VIOLATION run {}: {}\n", run, v);
      }
      std::cout << fmt::format("  replay: {}\n", replay_command(o, run)) << std::flush;
    }
    if (o.only_run >= 0)  // a replay shows what it replays
      for (const auto& f : plan.faults)
        std::cout << fmt::format("  fault: {} on worker {} from {:.2f} s to {:.2f} s (factor {:.2f})\n", to_string(f.fault.kind),
                                 f.worker % static_cast<std::uint32_t>(workers), f.fault.from_s, f.fault.to_s, f.fault.factor);
    if (o.only_run >= 0 && plan.tenant.on) {
      std::cout << fmt::format("  tenant: ${:.6f} for {} workflow{} (their own budgets: ${:.6f}", dollars(planned.tenant_budget),
                               runs.size(), runs.size() == 1 ? "" : "s", dollars(planned.budget));
      for (const auto& c : planned.companions) std::cout << fmt::format(", ${:.6f}", dollars(c.budget));
      std::cout << ")";
      if (tenant.size() == 4) std::cout << fmt::format("; it committed ${:.6f}", dollars(tenant[1]));
      std::cout << "\n";
      for (std::size_t i = 1; i < all_facts.size(); ++i)
        std::cout << fmt::format("  companion {}: {}, spend ${:.6f} of ${:.6f}, end {:.2f} s of {:.2f} s\n", i, all_facts[i].end_reason,
                                 dollars(all_facts[i].spend), dollars(all_facts[i].budget), all_facts[i].end_s, all_facts[i].deadline_s);
    }
    if (o.only_run >= 0)
      for (const auto& p : plan.points)
        std::cout << fmt::format("  fault point: {} fails its hit {} ({})\n", to_string(p.point), p.after + 1,
                                 fired[static_cast<std::size_t>(p.point)] > 0 ? "it did" : "the run ended before it");
    if (o.verbose || o.only_run >= 0 || (!o.quiet && (run + 1) % 100 == 0)) {
      std::cout << fmt::format("run {}: {} ({}), {} fault{}, spend ${:.6f} of ${:.6f}, end {:.2f} s of {:.2f} s; {} runs, {} violating\n",
                               run, facts.end_reason, planned.workflow->name, plan.faults.size(),
                               plan.faults.size() == 1 ? "" : "s", dollars(facts.spend), dollars(facts.budget), facts.end_s,
                               facts.deadline_s, t.runs, t.violating_runs)
                << std::flush;
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << fmt::format("\nfault kind        planned  started before the run ended\n");
  for (int k = 0; k < chaos::kWorkerFaultKinds; ++k)
    std::cout << fmt::format("{:<17} {:>7}  {:>7}\n", to_string(static_cast<chaos::WorkerFaultKind>(k)), t.planned[static_cast<std::size_t>(k)],
                             t.started[static_cast<std::size_t>(k)]);
  std::cout << fmt::format("fault point                 armed  fired\n");
  for (const chaos::FaultPoint p : chaos::kChaosPoints)
    std::cout << fmt::format("{:<26} {:>6}  {:>5}\n", to_string(p), t.points_armed[static_cast<std::size_t>(p)],
                             t.points_fired[static_cast<std::size_t>(p)]);
  std::cout << fmt::format("tenant runs       {} ({} workflows, {} of them ended budget_exhausted; largest tenant spend / budget {:.3f})\n",
                           t.tenant_runs, t.tenant_workflows, t.tenant_budget_ends, t.tenant_max_share);
  std::cout << "end reasons      ";
  for (const auto& [reason, n] : t.reasons) std::cout << fmt::format(" {} {}", reason, n);
  std::cout << fmt::format("\ninvariant violations: {} in {} of {} runs", t.violations.empty() ? 0 : [&] {
    std::uint64_t n = 0;
    for (const auto& [name, c] : t.violations) n += c;
    return n;
  }(), t.violating_runs, t.runs);
  for (const auto& [name, n] : t.violations) std::cout << fmt::format("; {} {}", name, n);
  std::cout << fmt::format("\nwall time {:.1f} s ({:.3f} s per run)\n", wall, wall / static_cast<double>(t.runs ? t.runs : 1));
  return t.violating_runs == 0 ? kExitOk : kExitConstraintsFailed;
}

}  // namespace

void add_chaos_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ChaosOptions>();
  CLI::App* cmd = app.add_subcommand("chaos", "Run workflows on an embedded cluster whose workers play seeded faults; check the invariants");
  cmd->footer(
      "Each run draws (from --seed and its number) a workflow of WORKLOAD, a budget (0.3-1.5 x nominal),\n"
      "a deadline (0.5-2 x nominal) and 1..--max-faults faults for random workers: crash, hang,\n"
      "slow, lie_tokens, drop_result, duplicate_result, delay_result; and 0..--max-point-faults fault points\n"
      "armed in Concord's own actors: ledger_request_lost, ledger_reply_lost, ledger_request_duplicated,\n"
      "ledger_request_delayed (between a batch and its ledger), planner_crash. Half the runs are tenant runs:\n"
      "0..--max-companions more workflows at once, every workflow's ledger drawing from one tenant ledger of\n"
      "0.1-1 x the sum of their budgets. The cluster runs on a virtual clock, so `--run K` replays run K\n"
      "exactly. After each run, for every workflow: spend <= budget, the ledger's committed total = the sum\n"
      "of the batches' settlements = the reported spend, nothing left reserved, each subtask completed at\n"
      "most once, an end with a reason no later than the deadline plus the detection bound; for the tenant:\n"
      "committed + reserved <= its budget, nothing left reserved, committed = its workflows' ledgers'; no\n"
      "leaked thread or file descriptor (docs/chaos.md).\n"
      "--hosts N (root): the same workflows on a deploy/netns cluster of N hosts (cluster.sh, a gateway\n"
      "on host 0, workflows submitted from inside host 0's namespace) while one seeded host fault per\n"
      "run hits another host: kill_restart, stop_continue, partition_heal, degrade_link (tc netem, or\n"
      "a tbf throttle where the kernel has no netem); real time, so --run K replays K's schedule, not\n"
      "its interleaving. After `cluster.sh down`: no process, namespace or link may be left.\n"
      "Exit codes: 0 no invariant violated; 1 a violation (each printed with its replay command);\n"
      "2 bad input; 3 internal error.");
  cmd->add_option("WORKLOAD", o->workload, "proofflow | codeflow (shared datasets, synthetic profiles) | FILE.json")->capture_default_str();
  cmd->add_option("--dags", o->dags, "Use the first N workflows of the workload (0: all)")->transform(integer_in(0, 100000))->capture_default_str();
  cmd->add_option("--datasets", o->datasets_dir, "Datasets folder for proofflow / codeflow")->default_str("$CONCORD_DATASETS or ../shared/datasets");
  cmd->add_option("--runs", o->runs, "Number of runs")->transform(integer_in(1, 100000000))->capture_default_str();
  cmd->add_option("--seed", o->seed, "Root seed of the schedule")->transform(unsigned64())->capture_default_str();
  cmd->add_option("--run", o->only_run, "Replay run K alone (printed with every violation)")->transform(integer_in(0, 100000000));
  cmd->add_option("--policy", o->policy, "Planning policy (as `concord run --policy`)")->capture_default_str();
  cmd->add_option("--max-faults", o->max_faults, "Faults per run: 1..N")->transform(integer_in(1, 64))->capture_default_str();
  cmd->add_option("--max-point-faults", o->max_point_faults, "Fault points armed per run: 0..N (0: none)")
      ->transform(integer_in(0, 5))
      ->capture_default_str();
  cmd->add_option("--max-companions", o->max_companions,
                  "Tenant runs (half of them): 0..N workflows beside the run's own, all drawing from one tenant ledger\n"
                  "(-1: no tenant run)")
      ->transform(integer_in(-1, 8))
      ->capture_default_str();
  cmd->add_option("--nodes", o->nodes, "Logical nodes of the embedded cluster")->transform(integer_in(1, 64))->capture_default_str();
  cmd->add_option("--workers-per-model", o->workers_per_model, "Simulated workers per model and node")
      ->transform(integer_in(1, 64))
      ->capture_default_str();
  cmd->add_option("--disable-safeguard", o->disable,
                  "Mutation check: turn one safeguard off (reservation_check, overclaim_clamp, redispatch, settle_once,\n"
                  "deadline_timer, ledger_retry, tenant_check) to show the invariants catch its absence");
  cmd->add_option("--hosts", o->hosts, "Run on a deploy/netns cluster of N >= 3 hosts (root) with host-level faults")
      ->transform(integer_in(3, 64));
  cmd->add_option("--cluster-script", o->cluster_script, "With --hosts: deploy/netns/cluster.sh")
      ->default_str("$CONCORD_CLUSTER_SCRIPT, else EXE_DIR/../../deploy/netns/cluster.sh");
  cmd->add_option("--workers", o->workers_file, "With --hosts: every node's workers file")->default_str("examples/workers.json next to the script");
  cmd->add_option("--time-scale", o->time_scale, "With --hosts: the nodes' simulated seconds per real second")
      ->transform(real_in(1.0, 10000.0, false, "simulated seconds per real second"))
      ->capture_default_str();
  cmd->add_flag("--quiet", o->quiet, "Print violations and the summary only (no progress line every 100 runs)");
  cmd->add_flag("--verbose", o->verbose, "A line for every run (its end, spend and faults)");
  cmd->callback([o, &exit_code] {
    try {
      if (o->hosts > 0) {
        if (!o->disable.empty()) throw InputError("--disable-safeguard", "", "not with --hosts (the safeguards are in the nodes' processes)");
        ChaosHostsOptions h;
        h.workload = o->workload;
        h.dags = o->dags;
        h.datasets_dir = o->datasets_dir;
        h.runs = o->runs;
        h.seed = o->seed;
        h.only_run = o->only_run;
        h.policy = o->policy;
        h.hosts = o->hosts;
        h.cluster_script = o->cluster_script;
        h.workers_file = o->workers_file;
        h.time_scale = o->time_scale;
        h.quiet = o->quiet;
        h.verbose = o->verbose;
        exit_code = run_chaos_hosts(h);
        return;
      }
      exit_code = run_chaos(*o);
    } catch (const InputError& e) {
      std::cerr << "concord chaos: " << printable_lines(e.what()) << '\n';
      exit_code = kExitBadInput;
    }
  });
}

}  // namespace concord::cli
