#include "plan/mcpp_planner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "plan/mcpp_candidates.hpp"
#include "plan/mcpp_model.hpp"
#include "plan/mcpp_rollout.hpp"

namespace concord {

using namespace mcpp;

namespace {

/// Everything the rollouts of one decision share, for one bitset width.
template <int W>
struct Widths {
  std::vector<Bits<W>> parent_masks;
  Bits<W> all{};

  explicit Widths(const PlanModel& model) {
    parent_masks.resize(static_cast<std::size_t>(model.num_subtasks()));
    for (int s = 0; s < model.num_subtasks(); ++s) {
      all.set(s);
      for (int p : model.parents(s)) parent_masks[static_cast<std::size_t>(s)].set(p);
    }
  }
};

}  // namespace

struct McppPlanner::Impl {
  explicit Impl(const FlatWorkflow& wf, int threads)
      : model(wf), narrow(model), wide(model), arena(threads > 0 ? threads : tbb::this_task_arena::max_concurrency()) {}

  PlanModel model;
  Widths<1> narrow;   // <= 64 subtasks
  Widths<16> wide;    // <= 1024 subtasks
  tbb::task_arena arena;
  std::vector<std::int32_t> successes;  // per (candidate, continuation model, k)

  std::vector<std::int32_t> trials;     // rollouts run per pair
  std::vector<FastRng> streams;          // per pair (independent streams), persistent across racing rounds
  std::vector<std::size_t> alive;
  // Re-use between decisions: which continuation policies (index m * |K| + k-level) the next
  // decision evaluates; empty = all of them.
  std::vector<std::uint8_t> continuation_used;

  /// Runs rollouts for the pairs in `alive`, `add` more each; successes/trials accumulate.
  template <int W, bool Runtime>
  void run_round(const Widths<W>& widths, const RootState& root, const CandidateSet& cands, const McppConfig& cfg,
                 std::uint64_t decision_seed, int add) {
    Bits<W> root_completed{};
    for (int s : root.completed) root_completed.set(s);
    const std::size_t nk = cfg.k_levels.size();
    const std::size_t per_candidate = static_cast<std::size_t>(model.num_models()) * nk;
    const int max_k = *std::max_element(cfg.k_levels.begin(), cfg.k_levels.end());
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, alive.size(), 4), [&](const tbb::blocked_range<std::size_t>& range) {
        Trajectory<W, Runtime> traj(model, widths.parent_masks, widths.all, max_k);
        for (std::size_t a = range.begin(); a != range.end(); ++a) {
          const std::size_t i = alive[a];
          const std::size_t c = i / per_candidate;
          const int cont_model = static_cast<int>((i % per_candidate) / nk);
          const int cont_k = cfg.k_levels[i % nk];
          std::int32_t ok = 0;
          for (int j = 0; j < add; ++j) {
            // Common random numbers: trajectory j draws the same stream for every pair.
            FastRng crn(derive_seed(decision_seed, (1ull << 40) + static_cast<std::uint64_t>(trials[i] + j)));
            FastRng& rng = cfg.common_random_numbers ? crn : streams[i];
            ok += traj.run(root, root_completed, cands.ready, cands.row(c), cont_model, cont_k, cfg.max_rollout_steps, rng) ? 1 : 0;
          }
          successes[i] += ok;
          trials[i] += add;
        }
      });
    });
  }

  template <int W, bool Runtime>
  void evaluate(const Widths<W>& widths, const RootState& root, const CandidateSet& cands, const McppConfig& cfg,
                std::uint64_t decision_seed) {
    const std::size_t pairs = cands.count() * static_cast<std::size_t>(model.num_models()) * cfg.k_levels.size();
    successes.assign(pairs, 0);
    trials.assign(pairs, 0);
    streams.clear();
    for (std::size_t i = 0; i < pairs; ++i) streams.emplace_back(derive_seed(decision_seed, 1 + i));
    const std::size_t per_candidate = static_cast<std::size_t>(model.num_models()) * cfg.k_levels.size();
    alive.clear();
    for (std::size_t i = 0; i < pairs; ++i)
      if (continuation_used.empty() || continuation_used[i % per_candidate]) alive.push_back(i);
    if (!cfg.racing) {
      run_round<W, Runtime>(widths, root, cands, cfg, decision_seed, cfg.rollouts);
      return;
    }
    // Successive halving: every pair gets racing_first rollouts; pairs whose optimistic
    // estimate falls below the leader's pessimistic one drop out; survivors get as many
    // again, up to racing_max.
    int add = std::max(1, cfg.racing_first);
    while (true) {
      run_round<W, Runtime>(widths, root, cands, cfg, decision_seed, add);
      const int n = trials[alive.front()];
      if (n >= cfg.racing_max || alive.size() <= 1) return;
      auto bound = [&](std::size_t i, double sign) {
        const double q = static_cast<double>(successes[i]) / trials[i];
        return q + sign * cfg.racing_z * std::sqrt((q * (1 - q) + 1.0 / trials[i]) / trials[i]);
      };
      double best_lower = -1;
      for (std::size_t i : alive) best_lower = std::max(best_lower, bound(i, -1));
      std::vector<std::size_t> next;
      for (std::size_t i : alive)
        if (bound(i, +1) >= best_lower) next.push_back(i);
      alive.swap(next);
      add = std::min(n, cfg.racing_max - n);
    }
  }
};

McppPlanner::McppPlanner(const FlatWorkflow& wf, McppConfig config)
    : impl_(std::make_unique<Impl>(wf, config.threads)), config_(std::move(config)) {
  if (config_.k_levels.empty()) config_.k_levels = {1};
}

McppPlanner::~McppPlanner() = default;

std::string McppPlanner::name() const {
  std::string n = "mcpp";
  if (config_.common_random_numbers) n += "+crn";
  if (config_.racing) n += "+racing";
  // The same parts a configuration spec is written with (mcpp_preset), where not the default.
  const McppConfig d;
  if (config_.k_levels != d.k_levels) n += "+k" + std::to_string(config_.k_levels.size());
  if (config_.max_candidates != d.max_candidates) n += "+cap" + std::to_string(config_.max_candidates);
  if (config_.rollouts != d.rollouts) n += "+M" + std::to_string(config_.rollouts);
  if (config_.deferral) n += "+defer";
  if (config_.reuse_continuations > 0) n += "+reuse" + std::to_string(config_.reuse_continuations);
  if (config_.reuse_refresh > 0) n += "+refresh" + std::to_string(config_.reuse_refresh);
  return n;
}

void McppPlanner::reset() {
  decision_seconds_.clear();
  last_ = {};
  impl_->continuation_used.clear();
  decisions_since_full_ = 0;
}

void McppPlanner::decide(const SimState& state, Rng& rng, std::vector<Assignment>& out) {
  const auto t0 = std::chrono::steady_clock::now();
  const PlanModel& model = impl_->model;
  const std::vector<int> ready(state.dispatchable.begin(), state.dispatchable.end());
  if (ready.empty()) return;

  RootState root;
  for (int s = 0; s < model.num_subtasks(); ++s)
    if (state.status[static_cast<std::size_t>(s)] == SubtaskStatus::done) root.completed.push_back(s);
  root.h = state.remaining_time_s();
  root.b = state.remaining_budget();
  // In-flight samples: each running subtask's batch ends with its last sample; its
  // success is known if a finished sample succeeded, else redrawn with p per sample.
  for (const InFlightSample& f : state.in_flight) {
    auto it = std::find_if(root.running.begin(), root.running.end(), [&](const RunningBatch& r) { return r.node == f.subtask; });
    if (it == root.running.end()) {
      RunningBatch rb;
      rb.node = f.subtask;
      rb.success = (!state.partial_success.empty() && state.partial_success[static_cast<std::size_t>(f.subtask)]) ? 1 : -1;
      rb.p_unknown = 1.0;  // becomes 1 - prod(1 - p) below
      root.running.push_back(rb);
      it = root.running.end() - 1;
    }
    it->end_s = std::max(it->end_s, f.finish_s - state.now_s);
    it->p_unknown *= 1.0 - model.pair(f.subtask, f.model).p_success;
  }
  for (auto& rb : root.running) rb.p_unknown = 1.0 - rb.p_unknown;

  // Re-use: a refresh evaluates every continuation again.
  if (config_.reuse_refresh > 0 && decisions_since_full_ >= config_.reuse_refresh) impl_->continuation_used.clear();
  if (impl_->continuation_used.empty()) decisions_since_full_ = 0;
  ++decisions_since_full_;

  const std::uint64_t decision_seed = derive_seed(config_.seed, rng.next());
  Rng candidate_rng(derive_seed(decision_seed, 0));
  CandidateSet cands = generate_candidates(model, ready, config_, candidate_rng);
  const bool runtime_state = state.semantics == Semantics::runtime;
  if (config_.deferral && runtime_state) {
    // The uniform actions come first: |K| x (1 + models that can run all of R) at most.
    add_deferrals(cands, config_.k_levels.size() * (1 + static_cast<std::size_t>(model.num_models())),
                  cands.count() + config_.k_levels.size() * (1 + static_cast<std::size_t>(model.num_models())) * ready.size());
  }

  // Rollouts follow the semantics the workflow runs under (the option exists to
  // compare; faithful mode is evaluated under reference semantics).
  const bool runtime = runtime_state && config_.runtime_rollouts;
  if (model.num_subtasks() <= 64) {
    if (runtime) impl_->evaluate<1, true>(impl_->narrow, root, cands, config_, decision_seed);
    else impl_->evaluate<1, false>(impl_->narrow, root, cands, config_, decision_seed);
  } else {
    if (runtime) impl_->evaluate<16, true>(impl_->wide, root, cands, config_, decision_seed);
    else impl_->evaluate<16, false>(impl_->wide, root, cands, config_, decision_seed);
  }

  // argmax over (candidate, continuation model, k); ties go to the first.
  const std::size_t nk = config_.k_levels.size();
  const std::size_t per_candidate = static_cast<std::size_t>(model.num_models()) * nk;
  std::size_t best = 0;
  double best_q = -1.0;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < impl_->successes.size(); ++i) {
    total += impl_->trials[i];
    if (impl_->trials[i] == 0) continue;
    // Racing: only pairs that survived every round compete (they have the most rollouts).
    if (config_.racing && impl_->trials[i] < impl_->trials[impl_->alive.front()]) continue;
    const double q = static_cast<double>(impl_->successes[i]) / impl_->trials[i];
    if (q > best_q + 1e-12) best_q = q, best = i;
  }
  const Choice* row = cands.row(best / per_candidate);
  for (std::size_t i = 0; i < ready.size(); ++i)
    if (row[i].k > 0) out.push_back({ready[i], row[i].model, row[i].k});  // k = 0: deferred

  last_.continuations = impl_->continuation_used.empty()
                            ? static_cast<int>(per_candidate)
                            : static_cast<int>(std::count(impl_->continuation_used.begin(), impl_->continuation_used.end(), 1));
  if (config_.reuse_continuations > 0) remember_continuations(per_candidate);
  last_.candidates = static_cast<int>(cands.count());
  last_.trajectories = total;
  last_.best_q = std::max(best_q, 0.0);
  last_.best_continuation_model = static_cast<int>((best % per_candidate) / nk);
  last_.best_continuation_k = config_.k_levels[best % nk];
  last_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  decision_seconds_.push_back(last_.seconds);
}

void McppPlanner::remember_continuations(std::size_t per_candidate) {
  // Score of a continuation policy = its best estimate over the candidates; under racing
  // only pairs that survived every round count (the others' estimates rest on few rollouts).
  const auto& successes = impl_->successes;
  const auto& trials = impl_->trials;
  const std::int32_t full = config_.racing ? trials[impl_->alive.front()] : 1;
  std::vector<double> score(per_candidate, -1.0);
  for (std::size_t i = 0; i < successes.size(); ++i) {
    if (trials[i] == 0 || trials[i] < full) continue;
    double& sc = score[i % per_candidate];
    sc = std::max(sc, static_cast<double>(successes[i]) / trials[i]);
  }
  std::vector<std::size_t> order(per_candidate);
  for (std::size_t j = 0; j < per_candidate; ++j) order[j] = j;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  auto& used = impl_->continuation_used;
  used.assign(per_candidate, 0);
  const std::size_t keep = std::min(per_candidate, static_cast<std::size_t>(config_.reuse_continuations));
  for (std::size_t r = 0; r < keep; ++r) used[order[r]] = 1;
}

}  // namespace concord
