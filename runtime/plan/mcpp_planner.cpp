#include "plan/mcpp_planner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <atomic>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "plan/mcpp_candidates.hpp"
#include "plan/mcpp_model.hpp"
#include "plan/mcpp_priced.hpp"
#include "plan/mcpp_rollout.hpp"
#include "plan/simple_policies.hpp"

namespace concord {

using namespace mcpp;

namespace {

using clock = std::chrono::steady_clock;

SharedSets<1> narrow_sets(const PlanModel& model) {
  SharedSets<1> sets;
  sets.parent_masks.resize(static_cast<std::size_t>(model.num_subtasks()));
  for (int s = 0; s < model.num_subtasks(); ++s) {
    sets.all.set(s);
    for (int p : model.parents(s)) sets.parent_masks[static_cast<std::size_t>(s)].set(p);
  }
  return sets;
}

SharedSets<0> general_sets(const PlanModel& model) {
  SharedSets<0> sets;
  const auto n = static_cast<std::size_t>(model.num_subtasks());
  std::vector<int> count(n, 0);
  for (std::size_t s = 0; s < n; ++s)
    for (int p : model.parents(static_cast<int>(s))) ++count[static_cast<std::size_t>(p)];
  sets.child_first.assign(n + 1, 0);
  for (std::size_t s = 0; s < n; ++s) sets.child_first[s + 1] = sets.child_first[s] + count[s];
  sets.children.resize(static_cast<std::size_t>(sets.child_first[n]));
  std::vector<int> next(sets.child_first.begin(), sets.child_first.end() - 1);
  for (std::size_t s = 0; s < n; ++s)  // children in subtask order, as FlatWorkflow lists them
    for (int p : model.parents(static_cast<int>(s)))
      sets.children[static_cast<std::size_t>(next[static_cast<std::size_t>(p)]++)] = static_cast<int>(s);
  sets.root_state.assign(n, NodeState::waiting);
  sets.root_pending.assign(n, 0);
  return sets;
}

}  // namespace

struct McppPlanner::Impl {
  explicit Impl(const FlatWorkflow& wf, int threads)
      : model(wf), arena(threads > 0 ? threads : tbb::this_task_arena::max_concurrency()) {
    // One subtask-set kind per workflow, by size (the other is never built).
    if (model.num_subtasks() <= 64) narrow = narrow_sets(model);
    else general = general_sets(model);
  }

  PlanModel model;
  SharedSets<1> narrow;   // <= 64 subtasks
  SharedSets<0> general;  // > 64 subtasks
  tbb::task_arena arena;
  std::vector<std::int32_t> successes;  // per (candidate, continuation model, k)

  std::vector<std::int32_t> trials;     // rollouts run per pair
  std::vector<double> spent;            // per pair: dollars its rollouts spent (cost to go), summed
  std::vector<FastRng> streams;          // per pair (independent streams), persistent across racing rounds
  std::vector<std::size_t> alive;
  // Re-use between decisions: which continuation policies (index m * |K| + k-level) the next
  // decision evaluates; empty = all of them.
  std::vector<std::uint8_t> continuation_used;

  // The outlook (set_outlook): queueing delays in the rollouts, prices in the choice.
  McppOutlook outlook;
  bool queue_on = false;
  const McppOutlook* queue_view() const { return queue_on ? &outlook : nullptr; }
  // Per pair: mean sample cost and latency, what the priced choice charges (computed on first use).
  PairMeans means;

  // Posterior planning (set_profile_draws): parameter sets, and per pair the sets' mean p.
  std::vector<DrawnPair> param_sets;
  int drawn_sets = 0;
  std::vector<double> drawn_p_mean;
  DrawnSets drawn_view() const {
    if (drawn_sets == 0) return {};
    return {param_sets.data(), drawn_sets, static_cast<std::size_t>(model.num_subtasks()) * static_cast<std::size_t>(model.num_models())};
  }

  // Anytime limits of the decision being made. Work = samples drawn in rollouts, counted
  // exactly (each pair's rollouts run on one thread from its own stream, and integer sums
  // do not depend on the order): the budget is checked between rounds, and the next round
  // is sized from what the last one cost, so the decision is deterministic.
  std::int64_t work_left = 0;            // draws (McppConfig::work_budget)
  std::int64_t work_per_rollout_k = 0;   // estimated draws of one rollout per unit of continuation k: subtasks left
  double draws_per_rollout = 0;          // measured in the last round (0: not yet)
  std::atomic<std::int64_t> drawn{0};    // in the current round
  std::optional<clock::time_point> wall_deadline;
  std::atomic<bool> expired{false};      // the wall deadline passed (or a stop came): no more rollouts start
  const std::atomic<bool>* stop = nullptr;  // SimState::stop of the decision being made
  bool truncated = false;                // the budget or the wall cap cut the decision short
  std::int32_t full_trials = 0;          // rollouts every alive pair had after the last round that ran in full

  /// The largest add <= want whose estimated cost the work left pays for (0: none).
  int affordable(const McppConfig& cfg, int want) {
    double per_rollout = draws_per_rollout;
    if (per_rollout <= 0) {  // no round yet: r x mean k of the alive pairs
      double k_sum = 0;
      for (std::size_t i : alive) k_sum += cfg.k_levels[i % cfg.k_levels.size()];
      per_rollout = static_cast<double>(work_per_rollout_k) * k_sum / std::max<std::size_t>(1, alive.size());
    }
    const double one = std::max(1.0, per_rollout * static_cast<double>(alive.size()));
    const auto n = static_cast<std::int64_t>(std::min<double>(want, std::floor(static_cast<double>(work_left) / one)));
    if (n < want) truncated = true;
    return static_cast<int>(std::max<std::int64_t>(0, n));
  }

  /// Pairs of the first chunk of a round: its measured cost sizes the next chunks.
  static constexpr std::size_t kFirstChunk = 16;

  /// Runs rollouts for the pairs in `alive`, `add` more each; successes/trials accumulate.
  /// The pairs run in chunks, in `alive` order, each chunk in parallel: the first chunk has
  /// kFirstChunk pairs, each next one what the work left pays for at the cost measured so far
  /// (at most twice the last chunk, unless the rest is affordable twice over). When the work
  /// left is spent the round stops (truncated): the pairs after it keep their trials. Chunk
  /// boundaries depend only on measured draws (deterministic), so the decision is too, and a
  /// decision overshoots its budget by at most one chunk's misestimate. Returns false if the
  /// round stopped before every pair (budget, wall cap or stop request).
  template <int W, bool Runtime>
  bool run_round(const SharedSets<W>& sets, const RootState& root, const CandidateSet& cands, const McppConfig& cfg,
                 std::uint64_t decision_seed, int add) {
    const std::size_t nk = cfg.k_levels.size();
    const std::size_t per_candidate = static_cast<std::size_t>(model.num_models()) * nk;
    const int max_k = *std::max_element(cfg.k_levels.begin(), cfg.k_levels.end());
    std::int64_t round_drawn = 0;
    std::size_t begin = 0, chunk = std::min(alive.size(), kFirstChunk);
    bool all = true;
    while (begin < alive.size()) {
      if (begin > 0) {
        const std::int64_t left = work_left - round_drawn;
        const double per_pair = static_cast<double>(round_drawn) / static_cast<double>(begin);
        const double afford = left > 0 ? std::floor(static_cast<double>(left) / std::max(1.0, per_pair)) : 0.0;
        const std::size_t rest = alive.size() - begin;
        if (afford < 1) {
          all = false;
          truncated = true;
          break;
        }
        chunk = afford >= 2.0 * static_cast<double>(rest) ? rest
                                                           : std::min<std::size_t>(rest, static_cast<std::size_t>(std::min(afford, 2.0 * static_cast<double>(chunk))));
      }
      drawn.store(0);
      arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(begin, begin + chunk, 4), [&](const tbb::blocked_range<std::size_t>& range) {
          Trajectory<W, Runtime> traj(model, sets, max_k, drawn_view(), queue_view());
          for (std::size_t a = range.begin(); a != range.end(); ++a) {
            const std::size_t i = alive[a];
            const std::size_t c = i / per_candidate;
            const int cont_model = static_cast<int>((i % per_candidate) / nk);
            const int cont_k = cfg.k_levels[i % nk];
            std::int32_t ok = 0, ran = 0;
            double spent_usd = 0;
            for (int j = 0; j < add; ++j) {
              if ((stop && stop->load(std::memory_order_relaxed)) ||
                  (wall_deadline && (expired.load(std::memory_order_relaxed) || clock::now() > *wall_deadline))) {
                expired.store(true, std::memory_order_relaxed);
                break;
              }
              // Common random numbers: trajectory j draws the same stream for every pair.
              FastRng crn(derive_seed(decision_seed, (1ull << 40) + static_cast<std::uint64_t>(trials[i] + j)));
              FastRng& rng = cfg.common_random_numbers ? crn : streams[i];
              ok += traj.run(root, cands.ready, cands.row(c), cont_model, cont_k, cfg.max_rollout_steps, rng) ? 1 : 0;
              spent_usd += static_cast<double>(traj.spent()) / static_cast<double>(kPicoPerDollar);
              ++ran;
              drawn.fetch_add(traj.drawn(), std::memory_order_relaxed);
            }
            successes[i] += ok;
            spent[i] += spent_usd;
            trials[i] += ran;
          }
        });
      });
      round_drawn += drawn.load();
      begin += chunk;
      if (expired.load()) {
        all = false;
        break;
      }
    }
    if (expired.load()) truncated = true;
    work_left -= round_drawn;
    draws_per_rollout = static_cast<double>(round_drawn) / std::max<double>(1.0, static_cast<double>(begin) * add);
    return all;
  }

  /// The calibrated promise: `n` fresh rollouts of pair i (candidate, continuation) in chunks of
  /// 64, chunk c on its own stream derive_seed(decision_seed, 3 x 2^40 + c): independent of the
  /// rollouts that chose it (no winner's curse) and of the thread count. Returns the successes.
  template <int W, bool Runtime>
  std::int64_t promise(const SharedSets<W>& sets, const RootState& root, const CandidateSet& cands, const McppConfig& cfg,
                       std::uint64_t decision_seed, std::size_t i, int n) {
    const std::size_t nk = cfg.k_levels.size();
    const std::size_t per_candidate = static_cast<std::size_t>(model.num_models()) * nk;
    const int max_k = *std::max_element(cfg.k_levels.begin(), cfg.k_levels.end());
    const std::size_t c = i / per_candidate;
    const int cont_model = static_cast<int>((i % per_candidate) / nk);
    const int cont_k = cfg.k_levels[i % nk];
    constexpr int kChunk = 64;
    const std::size_t chunks = static_cast<std::size_t>((n + kChunk - 1) / kChunk);
    std::atomic<std::int64_t> ok{0};
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, chunks, 1), [&](const tbb::blocked_range<std::size_t>& range) {
        Trajectory<W, Runtime> traj(model, sets, max_k, drawn_view(), queue_view());
        for (std::size_t ch = range.begin(); ch != range.end(); ++ch) {
          FastRng rng(derive_seed(decision_seed, (3ull << 40) + ch));
          const int count = std::min(kChunk, n - static_cast<int>(ch) * kChunk);
          std::int64_t local = 0;
          for (int j = 0; j < count; ++j)
            local += traj.run(root, cands.ready, cands.row(c), cont_model, cont_k, cfg.max_rollout_steps, rng) ? 1 : 0;
          ok.fetch_add(local, std::memory_order_relaxed);
        }
      });
    });
    return ok.load();
  }

  template <int W, bool Runtime>
  void evaluate(const SharedSets<W>& sets, const RootState& root, const CandidateSet& cands, const McppConfig& cfg,
                std::uint64_t decision_seed) {
    const std::size_t pairs = cands.count() * static_cast<std::size_t>(model.num_models()) * cfg.k_levels.size();
    successes.assign(pairs, 0);
    spent.assign(pairs, 0.0);
    trials.assign(pairs, 0);
    streams.clear();
    for (std::size_t i = 0; i < pairs; ++i) streams.emplace_back(derive_seed(decision_seed, 1 + i));
    const std::size_t per_candidate = static_cast<std::size_t>(model.num_models()) * cfg.k_levels.size();
    alive.clear();
    full_trials = 0;
    for (std::size_t i = 0; i < pairs; ++i)
      if (continuation_used.empty() || continuation_used[i % per_candidate]) alive.push_back(i);
    if (!cfg.racing) {
      // M rollouts per pair, in rounds of at most 16 (the same rollouts as one round of M:
      // streams continue across rounds); rounds after the first only as the budget allows.
      for (int done = 0; done < cfg.rollouts;) {
        int add = std::min(16, cfg.rollouts - done);
        if (done == 0) add = std::max(1, affordable(cfg, add));  // at least one rollout per pair
        else if ((add = affordable(cfg, add)) == 0) return;
        if (!run_round<W, Runtime>(sets, root, cands, cfg, decision_seed, add)) return;
        full_trials = trials[alive.front()];
        done += add;
      }
      return;
    }
    // Successive halving: every pair gets racing_first rollouts; pairs whose optimistic
    // estimate falls below the leader's pessimistic one drop out; survivors get as many
    // again, up to racing_max. The first round runs (at least one rollout per pair).
    int add = std::max(1, affordable(cfg, std::max(1, cfg.racing_first)));
    while (true) {
      if (!run_round<W, Runtime>(sets, root, cands, cfg, decision_seed, add)) return;  // pairs left without this round
      full_trials = trials[alive.front()];
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
      add = affordable(cfg, std::min(n, cfg.racing_max - n));
      if (add == 0) return;
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
  if (config_.work_budget != d.work_budget) n += "+work" + std::to_string(config_.work_budget / 1'000);
  if (config_.max_decision_seconds > 0) n += "+wall" + std::to_string(std::llround(config_.max_decision_seconds * 1000));
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
    const double p = impl_->drawn_sets > 0
                         ? impl_->drawn_p_mean[static_cast<std::size_t>(f.subtask) * static_cast<std::size_t>(model.num_models()) +
                                               static_cast<std::size_t>(f.model)]
                         : model.pair(f.subtask, f.model).p_success;
    it->p_unknown *= 1.0 - p;
  }
  for (auto& rb : root.running) rb.p_unknown = 1.0 - rb.p_unknown;

  // Re-use: a refresh evaluates every continuation again.
  if (config_.reuse_refresh > 0 && decisions_since_full_ >= config_.reuse_refresh) impl_->continuation_used.clear();
  if (impl_->continuation_used.empty()) decisions_since_full_ = 0;
  ++decisions_since_full_;

  const std::uint64_t decision_seed = derive_seed(config_.seed, rng.next());
  Impl& impl = *impl_;
  const std::size_t nk = config_.k_levels.size();
  const std::size_t per_candidate = static_cast<std::size_t>(model.num_models()) * nk;

  // Anytime limits. Work of one rollout = subtasks left x the continuation's k (about the
  // samples it draws); the budget bounds the candidates generated (each needs its first
  // round of rollouts) and the rollouts run. Deterministic: same seed and state, same decision.
  impl.work_left = config_.work_budget;
  impl.draws_per_rollout = 0;
  impl.work_per_rollout_k = std::max<std::int64_t>(1, model.num_subtasks() - static_cast<std::int64_t>(root.completed.size()));
  impl.truncated = false;
  impl.expired.store(false);
  impl.wall_deadline.reset();
  impl.stop = state.stop;
  if (config_.max_decision_seconds > 0)
    impl.wall_deadline = clock::now() + std::chrono::duration_cast<clock::duration>(
                                            std::chrono::duration<double>(config_.max_decision_seconds));
  std::int64_t candidate_work = 0;  // one rollout of every evaluated continuation of one candidate
  for (std::size_t j = 0; j < per_candidate; ++j)
    if (impl.continuation_used.empty() || impl.continuation_used[j]) candidate_work += config_.k_levels[j % nk];
  candidate_work = saturating_mul(std::max<std::int64_t>(1, candidate_work), impl.work_per_rollout_k);
  const int first_round = config_.racing ? std::max(1, config_.racing_first) : std::max(1, std::min(config_.rollouts, 16));
  const std::int64_t affordable_candidates =
      std::max<std::int64_t>(1, config_.work_budget / std::max<std::int64_t>(1, saturating_mul(candidate_work, first_round)));
  McppConfig gen = config_;
  if (affordable_candidates < gen.max_candidates) {
    gen.max_candidates = static_cast<int>(affordable_candidates);
    impl.truncated = true;
  }

  Rng candidate_rng(derive_seed(decision_seed, 0));
  CandidateSet cands = generate_candidates(model, ready, gen, candidate_rng);
  const bool runtime_state = state.semantics == Semantics::runtime;
  if (config_.deferral && runtime_state) {
    // The uniform actions come first: |K| x (1 + models that can run all of R) at most.
    const std::size_t uniform = nk * (1 + static_cast<std::size_t>(model.num_models()));
    add_deferrals(cands, uniform,
                  std::min<std::size_t>(cands.count() + uniform * ready.size(),
                                        std::max<std::size_t>(cands.count(), static_cast<std::size_t>(affordable_candidates))));
  }

  // Rollouts follow the semantics the workflow runs under (the option exists to
  // compare; faithful mode is evaluated under reference semantics).
  const bool runtime = runtime_state && config_.runtime_rollouts;
  if (model.num_subtasks() <= 64) {
    impl.narrow.root_completed = Bits<1>{};
    for (int s : root.completed) impl.narrow.root_completed.set(s);
    if (runtime) impl.evaluate<1, true>(impl.narrow, root, cands, config_, decision_seed);
    else impl.evaluate<1, false>(impl.narrow, root, cands, config_, decision_seed);
  } else {
    SharedSets<0>& g = impl.general;
    for (int s = 0; s < model.num_subtasks(); ++s) {
      const auto su = static_cast<std::size_t>(s);
      g.root_state[su] = NodeState::waiting;
      g.root_pending[su] = static_cast<std::int32_t>(model.parents(s).size());
    }
    for (int s : root.completed) g.root_state[static_cast<std::size_t>(s)] = NodeState::completed;
    for (int s : root.completed)
      for (int c = g.child_first[static_cast<std::size_t>(s)]; c < g.child_first[static_cast<std::size_t>(s) + 1]; ++c)
        --g.root_pending[static_cast<std::size_t>(g.children[static_cast<std::size_t>(c)])];
    for (const auto& rb : root.running) g.root_state[static_cast<std::size_t>(rb.node)] = NodeState::running;
    for (int s : ready) g.root_state[static_cast<std::size_t>(s)] = NodeState::ready;
    g.root_completed_count = static_cast<int>(root.completed.size());
    if (runtime) impl.evaluate<0, true>(g, root, cands, config_, decision_seed);
    else impl.evaluate<0, false>(g, root, cands, config_, decision_seed);
  }

  // argmax over (candidate, continuation model, k); ties go to the first. Only pairs with the
  // rollouts of the last round that ran in full compete (under racing: those that survived
  // every round); when even the first round was cut short (work budget, wall cap), those with
  // the most rollouts. (Cut short with no success at all: the greedy action, below.)
  std::int32_t most = impl.full_trials;
  if (most == 0)
    for (std::int32_t t : impl.trials) most = std::max(most, t);
  std::size_t best = 0;
  double best_q = -1.0;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < impl.successes.size(); ++i) {
    total += impl.trials[i];
    if (impl.trials[i] == 0 || impl.trials[i] < most) continue;
    const double q = static_cast<double>(impl.successes[i]) / impl.trials[i];
    if (q > best_q + 1e-12) best_q = q, best = i;
  }
  // Priced choice (plan/mcpp_outlook.hpp): only with a positive price; otherwise the argmax
  // above is kept as it is (with every price 0 both pick the same candidate).
  bool wait = false;
  if (impl.outlook.has_price() && best_q >= 0) {
    const auto priced = priced_best(cands, most);
    if (priced) best = *priced;
    else wait = true;
  }
  // Anytime fallback: a decision cut short (work budget, wall cap) before any rollout of a
  // competing pair succeeded has learnt nothing that ranks its candidates, and its first
  // candidate is an arbitrary one; the greedy heuristic (plan/simple_policies.hpp) is a better
  // guess. A decision that ran in full is never changed (faithful mode decides as the paper).
  last_.fallback = impl.truncated && best_q <= 0.0;
  last_.promise = last_.fallback ? 0.0 : std::max(best_q, 0.0);
  last_.promise_trials = 0;
  if (!last_.fallback && config_.promise_rollouts > 0 && !impl.successes.empty()) {
    const int n = config_.promise_rollouts;
    std::int64_t ok;
    if (model.num_subtasks() <= 64)
      ok = runtime ? impl.promise<1, true>(impl.narrow, root, cands, config_, decision_seed, best, n)
                   : impl.promise<1, false>(impl.narrow, root, cands, config_, decision_seed, best, n);
    else
      ok = runtime ? impl.promise<0, true>(impl.general, root, cands, config_, decision_seed, best, n)
                   : impl.promise<0, false>(impl.general, root, cands, config_, decision_seed, best, n);
    last_.promise = static_cast<double>(ok) / n;
    last_.promise_trials = n;
  }
  if (last_.fallback) {
    GreedyPolicy greedy;
    Rng greedy_rng(derive_seed(decision_seed, 2));
    greedy.decide(state, greedy_rng, out);
  } else if (!wait) {
    const Choice* row = cands.row(best / per_candidate);
    for (std::size_t i = 0; i < ready.size(); ++i)
      if (row[i].k > 0) out.push_back({ready[i], row[i].model, row[i].k});  // k = 0: deferred
  }

  last_.continuations = impl_->continuation_used.empty()
                            ? static_cast<int>(per_candidate)
                            : static_cast<int>(std::count(impl_->continuation_used.begin(), impl_->continuation_used.end(), 1));
  if (config_.reuse_continuations > 0) remember_continuations(per_candidate);
  last_.candidates = static_cast<int>(cands.count());
  last_.priced_wait = wait;
  last_.trajectories = total;
  last_.work = config_.work_budget - impl.work_left;
  last_.truncated = impl.truncated;
  last_.best_q = std::max(best_q, 0.0);
  last_.best_continuation_model = static_cast<int>((best % per_candidate) / nk);
  last_.best_continuation_k = config_.k_levels[best % nk];
  last_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  decision_seconds_.push_back(last_.seconds);
}

std::optional<std::size_t> McppPlanner::priced_best(const mcpp::CandidateSet& cands, std::int32_t most) {
  Impl& impl = *impl_;
  if (impl.means.cost_usd.empty()) impl.means = pair_means(impl.model);
  const PricedPairs pairs{impl.successes, impl.trials, impl.spent, most};
  return priced_pair(cands, impl.model, config_.k_levels.size(), pairs, impl.means, impl.outlook);
}

void McppPlanner::set_outlook(const McppOutlook& outlook) {
  impl_->outlook = outlook;
  impl_->queue_on = outlook.has_queue();
}

void McppPlanner::clear_outlook() {
  impl_->outlook = McppOutlook{};
  impl_->queue_on = false;
}

void McppPlanner::set_profile_draws(const std::vector<ParametricProfile>& draws, int sets) {
  const PlanModel& model = impl_->model;
  const std::size_t stride = static_cast<std::size_t>(model.num_subtasks()) * static_cast<std::size_t>(model.num_models());
  if (sets < 1 || draws.size() != static_cast<std::size_t>(sets) * stride)
    throw std::invalid_argument("McppPlanner::set_profile_draws: expected sets x subtasks x models parameter sets");
  impl_->param_sets.assign(draws.size(), DrawnPair{});
  impl_->drawn_p_mean.assign(stride, 0.0);
  for (std::size_t i = 0; i < draws.size(); ++i) {
    const std::size_t pair = i % stride;
    const int s = static_cast<int>(pair / static_cast<std::size_t>(model.num_models()));
    const int m = static_cast<int>(pair % static_cast<std::size_t>(model.num_models()));
    const PairProfile& pp = model.pair(s, m);
    if (!pp.can_run) continue;
    const ParametricProfile& p = draws[i];
    DrawnPair& d = impl_->param_sets[i];
    lognormal_from_moments(p.latency_mean_s, p.latency_std_s, d.lognormal_mu, d.lognormal_sigma);
    d.p_success = p.p_success;
    d.tokens = std::max<std::int64_t>(1, std::llround(p.output_tokens_mean));  // as FlatWorkflow's parametric draw
    d.cost = exec::sample_cost(pp.input_cost, pp.price_per_token, d.tokens);
    impl_->drawn_p_mean[pair] += p.p_success;
  }
  for (double& p : impl_->drawn_p_mean) p /= sets;
  impl_->drawn_sets = sets;
}

void McppPlanner::clear_profile_draws() {
  impl_->param_sets.clear();
  impl_->drawn_p_mean.clear();
  impl_->drawn_sets = 0;
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
