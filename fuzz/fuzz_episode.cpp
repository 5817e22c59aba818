// Fuzz target (c): a whole simulated episode from fuzzed input.
//
// Input = an 8-byte header, then the workflow text:
//   byte 0  policy: 0-3 MCPP (small budget: rollouts 4, <= 8 candidates, K = {1, 2}, 1 thread;
//           bits 4-7 switch racing, common random numbers, deferral, continuation re-use),
//           4 greedy, 5 cheapest, 6 seq:MODEL:K, 7 a paper baseline (byte 1 picks which)
//   byte 1  bit 0: semantics (0 runtime, 1 reference); bit 1: reader (0 workflow JSON,
//           1 DAG-pool JSONL, first line); bit 2: reference atomic launch off;
//           bit 3: run the episode twice and compare (determinism); bits 4-7: model / k / baseline
//   byte 2  budget: 0 -> $0, 255 -> the file's budget_usd (else nominal), otherwise
//           nominal x (byte / 64)^2 (0.0002x .. 15.8x)
//   byte 3  deadline: 255 -> none (infinity), otherwise nominal x (byte / 64)^2
//   4-7     seed (environment and policy)
//
// Invariants (abort on violation, libFuzzer saves the input):
//   the nominal budget is in [0, $1M] and the nominal deadline finite in [0, kMaxSeconds];
//   the run returns with a stated EndReason; 0 <= spend <= budget (both semantics, at the end);
//   every attempt's cost >= 0 and they add up to the spend; 0 <= subtasks_done <= n;
//   completed <=> reason completed, and implies subtasks_done == n and makespan <= deadline;
//   the same input gives the same result (header bit).
// Inputs are kept small so one execution stays well under 100 ms: at most 64 subtasks
// (MCPP gets up to 96, planning only its first two decisions above 64, to reach the
// planner's wide-workflow paths), 8 models, 4000 recorded samples.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_common.hpp"
#include "model/dag_pool.hpp"
#include "model/input_error.hpp"
#include "model/limits.hpp"
#include "model/validate.hpp"
#include "model/workflow_json.hpp"
#include "plan/baselines.hpp"
#include "plan/mcpp_planner.hpp"
#include "plan/policy_registry.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"

namespace {

using namespace concord;

constexpr int kMaxFuzzSubtasks = 64;
constexpr int kMaxFuzzSubtasksMcpp = 96;
constexpr int kMaxFuzzModels = 8;
constexpr std::size_t kMaxFuzzSamples = 4000;

/// Delegates to a policy; after `limit` decisions raises the episode's stop flag.
class StopAfter final : public Policy {
 public:
  StopAfter(Policy& inner, int limit, std::atomic<bool>& stop) : inner_(inner), limit_(limit), stop_(stop) {}
  std::string name() const override { return inner_.name(); }
  void reset() override { decisions_ = 0; inner_.reset(); }
  void decide(const SimState& state, Rng& rng, std::vector<Assignment>& out) override {
    inner_.decide(state, rng, out);
    if (++decisions_ >= limit_) stop_.store(true);
  }

 private:
  Policy& inner_;
  int limit_;
  int decisions_ = 0;
  std::atomic<bool>& stop_;
};

Money scaled(Money nominal, std::uint8_t byte) {
  const double f = (byte / 64.0) * (byte / 64.0);
  const double v = static_cast<double>(nominal) * f;
  if (!(v < static_cast<double>(kMaxBudgetPico))) return kMaxBudgetPico;
  return static_cast<Money>(v);
}

// ---- generated workflows: the body starts with a NUL byte, the rest drives a generator ----
// Mutating JSON rarely reaches the numbers and shapes that matter (a 70-subtask DAG, tokens
// near the limits, a subtask whose samples all fail in 0 s): bytes drawn by FuzzedDataProvider
// reach them directly. The workflow is then validated like a file (invalid: skipped) and
// must survive write_workflow_json + parse_workflow_json unchanged.
double pick_double(FuzzedDataProvider& p) {
  static constexpr double table[] = {0, 1e-300, 1e-12, 1e-9, 1e-3, 0.5, 1, 2.8, 100, 1e4, 1e4 + 1,
                                     1e6, 1e7, 1e7 + 1, 1e8, 1e15, 1e300};
  const std::uint8_t sel = p.ConsumeIntegral<std::uint8_t>();
  if (sel < std::size(table)) return table[sel];
  return p.ConsumeFloatingPointInRange<double>(0, 1e4);
}

std::int64_t pick_int(FuzzedDataProvider& p) {
  static constexpr std::int64_t table[] = {0, 1, 10, 1000, 100'000'000, 100'000'001, 2'147'483'648LL,
                                           1'000'000'000'000'000LL, 4'611'686'018'427'387'904LL, INT64_MAX};
  const std::uint8_t sel = p.ConsumeIntegral<std::uint8_t>();
  if (sel < std::size(table)) return table[sel];
  return p.ConsumeIntegralInRange<std::int64_t>(0, 100'000);
}

double pick_prob(FuzzedDataProvider& p) {
  static constexpr double table[] = {0, 1e-300, 1e-12, 1e-9, 0.05, 0.5, 0.95, 1 - 1e-12, 1};
  const std::uint8_t sel = p.ConsumeIntegral<std::uint8_t>();
  if (sel < std::size(table)) return table[sel];
  return p.ConsumeProbability<double>();
}

Workflow generate_workflow(FuzzedDataProvider& p) {
  Workflow wf;
  wf.name = "generated";
  const int models = p.ConsumeIntegralInRange(1, 4);
  for (int m = 0; m < models; ++m) {
    ModelSpec spec;
    spec.id = "m" + std::to_string(m);
    spec.usd_per_mtok_out = pick_double(p);
    if (p.ConsumeBool()) spec.usd_per_mtok_in = pick_double(p);
    if (p.ConsumeBool()) spec.max_tokens = pick_int(p);
    wf.models.push_back(spec);
  }
  const int n = p.ConsumeIntegralInRange(1, kMaxFuzzSubtasksMcpp);
  for (int s = 0; s < n; ++s) {
    Subtask st;
    st.id = "s" + std::to_string(s);
    const int deps = s == 0 ? 0 : p.ConsumeIntegralInRange(0, std::min(s, 3));
    for (int d = 0; d < deps; ++d) {
      const std::string dep = "s" + std::to_string(s - 1 - p.ConsumeIntegralInRange(0, std::min(s - 1, 7)));
      if (std::find(st.deps.begin(), st.deps.end(), dep) == st.deps.end()) st.deps.push_back(dep);
    }
    if (p.ConsumeBool()) st.input_tokens = pick_int(p);
    for (int m = 0; m < models; ++m) {
      if (m > 0 && !p.ConsumeBool()) continue;
      Profile prof;
      if (p.ConsumeBool()) {
        const int k = p.ConsumeIntegralInRange(1, 4);
        for (int i = 0; i < k; ++i)
          prof.samples.push_back({pick_double(p), p.ConsumeBool(), pick_int(p)});
      } else {
        prof.parametric = ParametricProfile{pick_prob(p), pick_double(p), pick_double(p), static_cast<double>(pick_int(p))};
      }
      st.profiles["m" + std::to_string(m)] = std::move(prof);
    }
    wf.subtasks.push_back(std::move(st));
  }
  if (p.ConsumeBool()) wf.budget_usd = pick_double(p);
  if (p.ConsumeBool()) wf.deadline_s = pick_double(p);
  return wf;
}

/// McppConfig::work_budget where the planner has one (older trees build too, for bisecting).
template <class Config>
void set_work_budget(Config& c, std::int64_t units) {
  if constexpr (requires { c.work_budget; }) c.work_budget = units;
}

bool strict_traces() {
  static const bool strict = [] {
    const char* v = std::getenv("CONCORD_FUZZ_STRICT");
    return v && *v && *v != '0';
  }();
  return strict;
}

bool reason_is_stated(EndReason r) {
  switch (r) {
    case EndReason::completed:
    case EndReason::budget_exhausted:
    case EndReason::deadline_exhausted:
    case EndReason::stalled:
    case EndReason::no_worker_left:
    case EndReason::attempts_exhausted:
    case EndReason::interrupted:
    case EndReason::coordinator_restarted:
      return true;
  }
  return false;
}

void check_result(const FlatWorkflow& flat, const EpisodeConfig& cfg, const EpisodeResult& r, const std::string& policy) {
  const char* sem = cfg.semantics == Semantics::runtime ? "runtime" : "reference";
  const int n = flat.num_subtasks();
  FUZZ_CHECK(reason_is_stated(r.reason), "%s %s: unstated EndReason %d", policy.c_str(), sem, static_cast<int>(r.reason));
  FUZZ_CHECK(r.spend >= 0, "%s %s: negative spend %lld", policy.c_str(), sem, static_cast<long long>(r.spend));
  FUZZ_CHECK(r.spend <= cfg.budget, "%s %s: spend %lld > budget %lld (reason %s)", policy.c_str(), sem,
             static_cast<long long>(r.spend), static_cast<long long>(cfg.budget), std::string(to_string(r.reason)).c_str());
  FUZZ_CHECK(r.subtasks_done >= 0 && r.subtasks_done <= n, "%s %s: subtasks_done %d of %d", policy.c_str(), sem,
             r.subtasks_done, n);
  FUZZ_CHECK(r.completed == (r.reason == EndReason::completed), "%s %s: completed=%d but reason %s", policy.c_str(),
             sem, r.completed, std::string(to_string(r.reason)).c_str());
  if (r.completed) {
    FUZZ_CHECK(r.subtasks_done == n, "%s %s: completed with %d of %d subtasks done", policy.c_str(), sem,
               r.subtasks_done, n);
    FUZZ_CHECK(r.makespan_s <= cfg.deadline_s, "%s %s: completed with makespan %g > deadline %g", policy.c_str(), sem,
               r.makespan_s, cfg.deadline_s);
  }
  FUZZ_CHECK(std::isfinite(r.makespan_s) && r.makespan_s >= 0, "%s %s: makespan %g", policy.c_str(), sem, r.makespan_s);
  Money total = 0;
  for (std::size_t i = 0; i < r.attempts.size(); ++i) {
    const AttemptTrace& a = r.attempts[i];
    FUZZ_CHECK(a.cost >= 0, "%s %s: attempt %zu (subtask %d, model %d, k %d) costs %lld", policy.c_str(), sem, i,
               a.subtask, a.model, a.k, static_cast<long long>(a.cost));
    FUZZ_CHECK(a.subtask >= 0 && a.subtask < n && a.model >= 0 && a.model < flat.num_models() && a.k >= 1,
               "%s %s: attempt %zu: subtask %d model %d k %d", policy.c_str(), sem, i, a.subtask, a.model, a.k);
    FUZZ_CHECK(a.successes + a.failures + a.cancelled <= a.k, "%s %s: attempt %zu: %d+%d+%d outcomes of k=%d",
               policy.c_str(), sem, i, a.successes, a.failures, a.cancelled, a.k);
    // end_s of a batch still open when a reference episode ends stays 0 (reported, minor):
    // checked for finished batches, and for all with CONCORD_FUZZ_STRICT=1.
    if (a.finished || strict_traces())
      FUZZ_CHECK(a.end_s >= a.start_s, "%s %s: attempt %zu ends %g before its start %g", policy.c_str(), sem, i, a.end_s,
                 a.start_s);
    total = saturating_add(total, a.cost);
  }
  FUZZ_CHECK(total == r.spend, "%s %s: attempts cost %lld in total, spend %lld", policy.c_str(), sem,
             static_cast<long long>(total), static_cast<long long>(r.spend));
}

bool same(const EpisodeResult& a, const EpisodeResult& b) {
  if (a.completed != b.completed || a.reason != b.reason || a.spend != b.spend || a.subtasks_done != b.subtasks_done ||
      a.decisions != b.decisions || a.attempts.size() != b.attempts.size())
    return false;
  if (!(a.makespan_s == b.makespan_s) && !(std::isnan(a.makespan_s) && std::isnan(b.makespan_s))) return false;
  for (std::size_t i = 0; i < a.attempts.size(); ++i) {
    const AttemptTrace &x = a.attempts[i], &y = b.attempts[i];
    if (x.subtask != y.subtask || x.model != y.model || x.k != y.k || x.cost != y.cost || x.successes != y.successes)
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  const std::uint8_t policy_byte = data[0], flags = data[1], budget_byte = data[2], deadline_byte = data[3];
  std::uint32_t seed32;
  std::memcpy(&seed32, data + 4, 4);
  const std::string_view text(reinterpret_cast<const char*>(data + 8), size - 8);
  const bool reference = flags & 1;
  const bool dag_pool = flags & 2;
  const int policy_kind = policy_byte & 7;
  const bool mcpp = policy_kind < 4;

  Workflow wf;
  try {
    if (!text.empty() && text[0] == '\0') {
      FuzzedDataProvider p(data + 9, size - 9);
      wf = generate_workflow(p);
      validate_workflow(wf, "generated");  // throws InputError like a reader
      const std::string json = write_workflow_json(wf);
      Workflow back;
      try {
        back = parse_workflow_json(json, "generated-rewritten");
      } catch (const InputError& e) {
        FUZZ_CHECK(false, "a valid workflow's JSON is rejected: %s", e.what());
      }
      FUZZ_CHECK(back == wf, "parse(write(w)) != w for a valid generated workflow");
    } else if (dag_pool) {
      static const PriceTable prices = [] {
        PriceTable t = paper_price_table();
        t["default"] = 1.0;
        return t;
      }();
      std::vector<Workflow> wfs = parse_dag_pool(text, prices, "fuzz-input");
      if (wfs.empty()) return 0;
      wf = std::move(wfs.front());
    } else {
      wf = parse_workflow_json(text, "fuzz-input");
    }
  } catch (const InputError& e) {
    if (std::getenv("CONCORD_FUZZ_VERBOSE")) std::fprintf(stderr, "episode: rejected: %s\n", e.what());
    return 0;
  }
  // Keep one execution small.
  const int n = static_cast<int>(wf.subtasks.size());
  if (n > (mcpp ? kMaxFuzzSubtasksMcpp : kMaxFuzzSubtasks) || wf.models.size() > kMaxFuzzModels) return 0;
  std::size_t samples = 0;
  for (const Subtask& s : wf.subtasks)
    for (const auto& [m, p] : s.profiles) samples += p.samples.size();
  if (samples > kMaxFuzzSamples) return 0;

  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  const Money nominal = nominal_budget(flat);
  const double nominal_d = nominal_deadline_s(flat);
  FUZZ_CHECK(nominal >= 0 && nominal <= kMaxBudgetPico, "nominal budget %lld outside [0, $1M]",
             static_cast<long long>(nominal));
  FUZZ_CHECK(std::isfinite(nominal_d) && nominal_d >= 0 && nominal_d <= limits::kMaxSeconds,
             "nominal deadline %g outside [0, kMaxSeconds]", nominal_d);

  EpisodeConfig cfg;
  cfg.semantics = reference ? Semantics::reference : Semantics::runtime;
  cfg.seed = seed32;
  if (budget_byte == 255)
    cfg.budget = wf.budget_usd ? money_from_dollars(*wf.budget_usd) : nominal;
  else
    cfg.budget = scaled(nominal, budget_byte);
  if (deadline_byte == 255)
    cfg.deadline_s = std::numeric_limits<double>::infinity();
  else
    cfg.deadline_s = nominal_d * (deadline_byte / 64.0) * (deadline_byte / 64.0);

  // The policy.
  const int sel = flags >> 4;
  const int model = sel % flat.num_models();
  std::unique_ptr<Policy> policy;
  try {
    switch (policy_kind) {
      case 0: case 1: case 2: case 3: {
        McppConfig mc;
        mc.rollouts = 4;
        mc.max_candidates = 8;
        mc.k_levels = policy_kind & 1 ? std::vector<int>{1, 2} : std::vector<int>{1, 3};
        mc.threads = 1;
        mc.seed = seed32;
        mc.max_rollout_steps = 200;
        set_work_budget(mc, 8192);  // sample draws per decision (anytime planning): keeps decisions ~1 ms
        mc.racing = policy_byte & 0x10;
        mc.racing_first = 2;
        mc.racing_max = 8;
        mc.common_random_numbers = policy_byte & 0x20;
        mc.deferral = policy_byte & 0x40;
        mc.reuse_continuations = policy_byte & 0x80 ? 1 : 0;
        mc.reuse_refresh = policy_kind & 2 ? 2 : 0;
        policy = std::make_unique<McppPlanner>(flat, mc);
        break;
      }
      case 4: policy = make_policy("greedy", flat, seed32); break;
      case 5: policy = make_policy("cheapest", flat, seed32); break;
      case 6: {
        const int k = 1 + (policy_byte >> 3) % 8;
        policy = make_policy("seq:" + flat.model_id(model) + ":" + std::to_string(k), flat, seed32);
        break;
      }
      default: {
        const auto specs = all_baselines();
        const BaselineSpec spec = specs[(policy_byte >> 3) % specs.size()];
        if (!model_runs_all(flat, model)) return 0;  // REQUIRES of BaselinePolicy
        policy = std::make_unique<BaselinePolicy>(flat, spec, model, cfg.budget, seed32);
        cfg.atomic_launch = false;  // the reference's launch for baselines
        break;
      }
    }
  } catch (const InputError&) {
    return 0;  // e.g. seq: with a model id the registry's syntax cannot name
  }
  if (reference && (flags & 4)) cfg.atomic_launch = false;

  // MCPP above 64 subtasks: two decisions. Any MCPP run: at most 100 decisions (a subtask of
  // p ~ 1e-12 otherwise takes its 1000 attempts, ~2-7 s of planning); both end `interrupted`.
  // Endless runs of the other policies stay findings (timeouts): they decide in microseconds.
  std::atomic<bool> stop{false};
  const int decision_cap = n > kMaxFuzzSubtasks ? 2 : mcpp ? 100 : 0;
  StopAfter capped(*policy, decision_cap, stop);
  Policy& run_policy = decision_cap > 0 ? static_cast<Policy&>(capped) : *policy;
  if (decision_cap > 0) cfg.stop = &stop;

  Simulator sim(flat);
  const EpisodeResult r = sim.run(run_policy, cfg);
  if (std::getenv("CONCORD_FUZZ_VERBOSE"))
    std::fprintf(stderr, "episode: %s %s, %d subtasks, %d models, budget %lld (nominal %lld), deadline %g (nominal %g): "
                 "%s, %d decisions, %zu attempts, spend %lld, makespan %g, done %d\n",
                 policy->name().c_str(), reference ? "reference" : "runtime", n, flat.num_models(),
                 static_cast<long long>(cfg.budget), static_cast<long long>(nominal), cfg.deadline_s, nominal_d,
                 std::string(to_string(r.reason)).c_str(), r.decisions, r.attempts.size(),
                 static_cast<long long>(r.spend), r.makespan_s, r.subtasks_done);
  check_result(flat, cfg, r, policy->name());
  if (flags & 8) {
    stop.store(false);
    const EpisodeResult again = sim.run(run_policy, cfg);
    FUZZ_CHECK(same(r, again), "%s: the same episode twice gave different results", policy->name().c_str());
  }
  return 0;
}
