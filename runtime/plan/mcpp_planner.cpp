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

  /// Runs `rollouts` trajectories for every pair; successes[i] receives the count.
  template <int W>
  void evaluate(const Widths<W>& widths, const RootState& root, const CandidateSet& cands, const McppConfig& cfg,
                std::uint64_t decision_seed) {
    Bits<W> root_completed{};
    for (int s : root.completed) root_completed.set(s);
    const std::size_t nk = cfg.k_levels.size();
    const std::size_t per_candidate = static_cast<std::size_t>(model.num_models()) * nk;
    const std::size_t pairs = cands.count() * per_candidate;
    successes.assign(pairs, 0);
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, pairs, 4), [&](const tbb::blocked_range<std::size_t>& range) {
        Trajectory<W> traj(model, widths.parent_masks, widths.all);
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          const std::size_t c = i / per_candidate;
          const int cont_model = static_cast<int>((i % per_candidate) / nk);
          const int cont_k = cfg.k_levels[i % nk];
          std::int32_t ok = 0;
          FastRng pair_rng(derive_seed(decision_seed, 1 + i));
          for (int j = 0; j < cfg.rollouts; ++j) {
            // Common random numbers: trajectory j draws the same stream for every pair.
            FastRng crn_rng(derive_seed(decision_seed, (1ull << 40) + static_cast<std::uint64_t>(j)));
            FastRng& rng = cfg.common_random_numbers ? crn_rng : pair_rng;
            ok += traj.run(root, root_completed, cands.ready, cands.row(c), cont_model, cont_k, cfg.max_rollout_steps, rng) ? 1 : 0;
          }
          successes[i] = ok;
        }
      });
    });
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
  return n;
}

void McppPlanner::reset() {
  decision_seconds_.clear();
  last_ = {};
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

  const std::uint64_t decision_seed = derive_seed(config_.seed, rng.next());
  Rng candidate_rng(derive_seed(decision_seed, 0));
  const CandidateSet cands = generate_candidates(model, ready, config_, candidate_rng);

  if (model.num_subtasks() <= 64) impl_->evaluate(impl_->narrow, root, cands, config_, decision_seed);
  else impl_->evaluate(impl_->wide, root, cands, config_, decision_seed);

  // argmax over (candidate, continuation model, k); ties go to the first.
  const std::size_t nk = config_.k_levels.size();
  const std::size_t per_candidate = static_cast<std::size_t>(model.num_models()) * nk;
  std::size_t best = 0;
  double best_q = -1.0;
  for (std::size_t i = 0; i < impl_->successes.size(); ++i) {
    const double q = static_cast<double>(impl_->successes[i]) / config_.rollouts;
    if (q > best_q + 1e-12) best_q = q, best = i;
  }
  const Choice* row = cands.row(best / per_candidate);
  for (std::size_t i = 0; i < ready.size(); ++i) out.push_back({ready[i], row[i].model, row[i].k});

  last_.candidates = static_cast<int>(cands.count());
  last_.trajectories = static_cast<std::int64_t>(impl_->successes.size()) * config_.rollouts;
  last_.best_q = std::max(best_q, 0.0);
  last_.best_continuation_model = static_cast<int>((best % per_candidate) / nk);
  last_.best_continuation_k = config_.k_levels[best % nk];
  last_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  decision_seconds_.push_back(last_.seconds);
}

}  // namespace concord
