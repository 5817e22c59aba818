#pragma once
// One MCPP trajectory (DESIGN.md §4, reference semantics): apply a candidate
// action, then the Seq-(m, k) continuation until every subtask completed
// (success) or an action cannot be paid or finished in time (failure).
// Header-only so the planner instantiates it for its bitset width; included
// by mcpp_planner.cpp only. No allocation: all state lives on the stack.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "plan/mcpp_candidates.hpp"
#include "plan/mcpp_model.hpp"
#include "plan/mcpp_outlook.hpp"
#include "sim/execution_rules.hpp"
#include "sim/rng.hpp"

namespace concord::mcpp {

/// wyrand: one multiply per 64 random bits; fast enough that sampling, not the
/// generator, dominates a rollout. Seeded per (decision, pair or rollout index).
class FastRng {
 public:
  explicit FastRng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    s_ += 0xa0761d6478bd642full;
    const __uint128_t t = static_cast<__uint128_t>(s_) * (s_ ^ 0xe7037ed1a0b428dbull);
    return static_cast<std::uint64_t>(t >> 64) ^ static_cast<std::uint64_t>(t);
  }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Index in [0, n) from 32 random bits (bias below n / 2^32, far under sampling error).
  static std::uint32_t index(std::uint32_t bits, std::uint32_t n) {
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(bits) * n) >> 32);
  }
  double normal() {
    double unused;
    return polar_normal(*this, unused);
  }

 private:
  std::uint64_t s_;
};

/// One pair's parameters drawn from a posterior (McppPlanner::set_profile_draws): the
/// parametric draw of every sample of the pair in a rollout that picked this set.
struct DrawnPair {
  double lognormal_mu = 0, lognormal_sigma = 0, p_success = 0;
  std::int64_t tokens = 0;  // output tokens of a sample (before the cap)
  Money cost = 0;           // reference semantics: cost of one sample of `tokens`
};

/// The posterior's parameter sets: set i of pair (s, m) is pairs[i x stride + s x models + m].
struct DrawnSets {
  const DrawnPair* pairs = nullptr;  // null: planning with the workflow's profiles (faithful)
  int sets = 0;
  std::size_t stride = 0;
};

/// A fixed-size set of subtasks (W words; the planner uses W = 1, up to 64 subtasks).
template <int W>
struct Bits {
  std::array<std::uint64_t, W> w{};
  void set(int i) { w[static_cast<std::size_t>(i) >> 6] |= 1ull << (i & 63); }
  void reset(int i) { w[static_cast<std::size_t>(i) >> 6] &= ~(1ull << (i & 63)); }
  bool test(int i) const { return (w[static_cast<std::size_t>(i) >> 6] >> (i & 63)) & 1ull; }
  bool contains(const Bits& o) const {
    for (int j = 0; j < W; ++j)
      if ((w[j] & o.w[j]) != o.w[j]) return false;
    return true;
  }
  friend bool operator==(const Bits&, const Bits&) = default;
};

/// A subtask's running batch: when it ends (seconds from now) and whether it succeeds.
struct RunningBatch {
  double end_s = 0;
  int node = 0;
  std::int8_t success = 0;  // 1, 0, or -1: unknown, drawn at the end with p_unknown
  double p_unknown = 0;     // P(at least one still-running sample succeeds)
};

/// The state a decision starts from.
struct RootState {
  std::vector<int> completed;
  double h = 0;   // seconds left
  Money b = 0;    // budget left (picodollars)
  std::vector<RunningBatch> running;  // one per subtask with samples in flight
};

/// What every trajectory of one decision shares, by subtask-set kind.
/// W = 1 (<= 64 subtasks): sets are one 64-bit word and ready subtasks are found by
/// scanning the topological order (a few instructions per subtask at this size).
template <int W>
struct SharedSets {
  static_assert(W == 1, "the bitset path is for <= 64 subtasks; use W = 0 beyond");
  std::vector<Bits<W>> parent_masks;  // per subtask: its parents
  Bits<W> all{};
  Bits<W> root_completed{};           // per decision
};

/// W = 0 (any size): per-subtask state and pending-parent counts, ready subtasks kept in
/// a queue; a trajectory costs O(subtasks + edges + samples drawn), never O(subtasks^2).
enum class NodeState : std::uint8_t { waiting, ready, running, completed };
template <>
struct SharedSets<0> {
  std::vector<int> child_first, children;  // CSR: children of s are children[child_first[s] .. child_first[s + 1])
  // Per decision: the root's state of each subtask (ready = dispatchable at the root),
  // its parents not yet completed, and how many subtasks are completed.
  std::vector<NodeState> root_state;
  std::vector<std::int32_t> root_pending;
  int root_completed_count = 0;
};

/// A reusable trajectory simulator (one per thread): run() resets it from the root.
/// Runtime = false: the reference semantics (atomic launch, charge at launch, a batch
/// ends with its slowest sample). Runtime = true: DESIGN.md §3's runtime semantics:
/// each batch reserves k x worst case (denied -> the subtask waits; nothing running ->
/// failure), samples reaching the token cap stop there and fail, the first success
/// ends the batch and siblings are charged pro-rata; no launch-time deadline check
/// (the deadline fails a trajectory when a batch would end after it). Simplification:
/// a batch's reservation is released when the batch ends, not sample by sample.
/// Queueing (`queue`, plan/mcpp_outlook.hpp; null: none): sample j of every batch launched in
/// the trajectory starts queue->delay_s(model, j) seconds late; under runtime semantics a
/// sample still waiting when its batch ends never ran and costs nothing.
template <int W, bool Runtime = false>
class Trajectory {
 public:
  Trajectory(const PlanModel& model, const SharedSets<W>& sets, int max_k = 64, DrawnSets drawn = {},
             const McppOutlook* queue = nullptr)
      : model_(model), sets_(sets), drawn_sets_(drawn), queue_view_(queue) {
    if (Runtime) {
      tmp_latency_.resize(static_cast<std::size_t>(max_k));
      tmp_tokens_.resize(static_cast<std::size_t>(max_k));
      tmp_delay_.resize(static_cast<std::size_t>(max_k));
    }
    // Sized once: at most one running batch and one launch per subtask.
    const auto n = static_cast<std::size_t>(model.num_subtasks());
    if constexpr (W == 0) {
      running_.resize(n);
      launch_.resize(n);
      queue_.reserve(n);
      state_.resize(n);
      pending_.resize(n);
    }
  }

  /// Samples drawn by the last run() (its work).
  std::int64_t drawn() const { return drawn_; }
  /// Money the last run() spent or still held when it ended (picodollars): its cost to go.
  Money spent() const { return b0_ - b_; }

  /// Runs one trajectory from `root`; true iff every subtask completes within budget and time.
  /// Gen: FastRng in the planner; a test may script the draws (next(), uniform(), normal()).
  template <class Gen>
  bool run(const RootState& root, const std::vector<int>& ready, const Choice* action, int cont_model, int cont_k,
           int max_steps, Gen& rng) {
    if constexpr (W == 0) {
      std::copy(sets_.root_state.begin(), sets_.root_state.end(), state_.begin());
      std::copy(sets_.root_pending.begin(), sets_.root_pending.end(), pending_.begin());
      ncompleted_ = sets_.root_completed_count;
      queue_.clear();
    } else {
      completed_ = sets_.root_completed;
      running_set_ = Bits<W>{};
    }
    h_ = root.h;
    b_ = root.b;
    b0_ = root.b;
    nrun_ = 0;
    // Posterior planning: this rollout's parameters are one set, picked with its own stream.
    if (drawn_sets_.pairs)
      set_ = drawn_sets_.pairs +
             (drawn_sets_.sets > 1
                  ? FastRng::index(static_cast<std::uint32_t>(rng.next() >> 32), static_cast<std::uint32_t>(drawn_sets_.sets)) *
                        drawn_sets_.stride
                  : 0);
    now_ = 0;
    drawn_ = 0;
    // A rollout that draws more than this many samples counts as a failure: at least
    // kDrawFactor attempts per subtask left on average, hopeless for any real deadline;
    // it bounds a rollout's work at kDrawFactor x its units (McppConfig::work_budget).
    draw_cap_ = saturating_mul(kDrawFactor, saturating_add(static_cast<std::int64_t>(ready.size()),
                                                            saturating_mul(remaining_subtasks(root), cont_k)));
    for (const auto& rb : root.running) add_running({rb.end_s, rb.p_unknown, 0, 0, rb.node, rb.success});
    if constexpr (W != 0)
      for (const auto& rb : root.running) running_set_.set(rb.node);
    for (std::size_t i = 0; i < ready.size(); ++i) launch_[i] = {ready[i], action[i].model, action[i].k};
    if (!transition(static_cast<int>(ready.size()), rng)) return false;
    for (int step = 0; step < max_steps; ++step) {
      if (all_completed()) return true;
      if (h_ <= 0.0) return false;
      int nready = 0;
      if constexpr (W == 0) {
        for (int s : queue_) {
          if (!model_.pair(s, cont_model).can_run) return false;
          launch_[nready++] = {s, cont_model, cont_k};
        }
        queue_.clear();
      } else {
        for (int s : model_.topological_order()) {
          if (completed_.test(s) || running_set_.test(s) ||
              !completed_.contains(sets_.parent_masks[static_cast<std::size_t>(s)]))
            continue;
          if (!model_.pair(s, cont_model).can_run) return false;
          launch_[nready++] = {s, cont_model, cont_k};
        }
      }
      if (nready == 0) {
        if (nrun_ == 0 || !advance(rng)) return false;
        continue;
      }
      if (!transition(nready, rng)) return false;
    }
    return false;
  }

 private:
  struct Launch {  // trivial: arrays of it are never initialised wholesale
    int node, model, k;
  };
  struct Run {
    double end_s, p_unknown;
    Money reserved, cost;  // runtime: held until the end, then `cost` is committed
    int node;
    std::int8_t success;  // 1, 0, or -1: unknown, drawn at the end with p_unknown
  };

  /// Queueing delay of sample j of a batch on model m (seconds; 0.0 without a queue view).
  double wait(int m, int j) const { return queue_view_ ? queue_view_->delay_s(m, j) : 0.0; }

  /// Draws allowed per unit of work of a rollout (subtasks left x continuation k).
  static constexpr std::int64_t kDrawFactor = 256;

  std::int64_t remaining_subtasks(const RootState& root) const {
    return model_.num_subtasks() - static_cast<std::int64_t>(root.completed.size());
  }
  /// W = 1: end_s is relative to now (advance() shifts every running batch). W = 0: end_s
  /// is absolute and running_ is a min-heap on (end_s, node), so advance() is O(log n).
  static bool later(const Run& a, const Run& c) { return a.end_s > c.end_s || (a.end_s == c.end_s && a.node > c.node); }
  void add_running(Run r) {
    if constexpr (W == 0) {
      r.end_s += now_;
      running_[static_cast<std::size_t>(nrun_++)] = r;
      std::push_heap(running_.begin(), running_.begin() + nrun_, later);
    } else {
      running_[static_cast<std::size_t>(nrun_++)] = r;
    }
  }
  /// Counts k more samples drawn; false once past the rollout's cap.
  bool draw(int k) {
    drawn_ += k;
    return drawn_ <= draw_cap_;
  }

  bool all_completed() const {
    if constexpr (W == 0) return ncompleted_ == model_.num_subtasks();
    else return completed_ == sets_.all;
  }
  /// A launch that did not happen (deferred, or its reservation denied): the subtask stays
  /// ready. The bitset path finds it again by scanning; the queue path must requeue it.
  void stays_ready(int node) {
    if constexpr (W == 0) queue_.push_back(node);
  }
  void mark_running(int node) {
    if constexpr (W == 0) state_[static_cast<std::size_t>(node)] = NodeState::running;
    else running_set_.set(node);
  }

  /// Launches launch_[0..n), then advances to the next batch end.
  template <class Gen>
  bool transition(int n, Gen& rng) {
    if constexpr (Runtime) return transition_runtime(n, rng);
    Money cost = 0;  // saturating: an action whose cost overflows exceeds every budget
    const double* lat = model_.latency();
    const Money* cst = model_.cost();
    const std::uint8_t* suc = model_.success();
    for (int i = 0; i < n; ++i) {
      const Launch& l = launch_[i];
      const PairProfile& p = model_.pair(l.node, l.model);
      if (!p.can_run || !draw(l.k)) return false;
      double batch_end = 0;
      bool ok = false;
      if (set_) {
        const DrawnPair& d = set_[static_cast<std::size_t>(l.node) * static_cast<std::size_t>(model_.num_models()) + l.model];
        for (int j = 0; j < l.k; ++j) {
          const exec::Draw x = exec::draw_parametric(d.lognormal_mu, d.lognormal_sigma, d.p_success, d.tokens, rng);
          batch_end = std::max(batch_end, x.latency_s + wait(l.model, j));
          ok = ok || x.success;
        }
        cost = saturating_add(cost, saturating_mul(d.cost, l.k));
      } else if (p.count > 0) {
        const std::uint32_t first = p.first, count = p.count;
        int j = 0;
        for (; j + 1 < l.k; j += 2) {  // two indices per 64 random bits
          const std::uint64_t r = rng.next();
          const std::uint32_t a = first + FastRng::index(static_cast<std::uint32_t>(r), count);
          const std::uint32_t c = first + FastRng::index(static_cast<std::uint32_t>(r >> 32), count);
          cost = saturating_add(cost, cst[a] + cst[c]);  // one sample <= 2e18 (model/limits.hpp)
          batch_end = std::max(batch_end, std::max(lat[a] + wait(l.model, j), lat[c] + wait(l.model, j + 1)));
          ok = ok || suc[a] || suc[c];
        }
        if (j < l.k) {
          const std::uint32_t a = first + FastRng::index(static_cast<std::uint32_t>(rng.next()), count);
          cost = saturating_add(cost, cst[a]);
          batch_end = std::max(batch_end, lat[a] + wait(l.model, j));
          ok = ok || suc[a];
        }
      } else {
        for (int j = 0; j < l.k; ++j) {
          const exec::Draw d = exec::draw_parametric(p.lognormal_mu, p.lognormal_sigma, p.p_success, p.parametric_tokens, rng);
          batch_end = std::max(batch_end, d.latency_s + wait(l.model, j));
          ok = ok || d.success;
        }
        cost = saturating_add(cost, saturating_mul(p.parametric_cost, l.k));
      }
      // The action fails as soon as that is certain (its cost and latency only grow).
      if (cost > b_ || !exec::ends_by(batch_end, h_)) return false;
      add_running({batch_end, 0.0, 0, 0, l.node, static_cast<std::int8_t>(ok ? 1 : 0)});
      mark_running(l.node);
    }
    b_ -= cost;
    return advance(rng);
  }

  template <class Gen>
  bool transition_runtime(int n, Gen& rng) {
    const double* lat = model_.latency();
    const std::int64_t* tok = model_.tokens();
    const std::uint8_t* suc = model_.success();
    for (int i = 0; i < n; ++i) {
      const Launch& l = launch_[i];
      if (l.k == 0) {  // deferred: stays ready for the next replan point
        stays_ready(l.node);
        continue;
      }
      const PairProfile& p = model_.pair(l.node, l.model);
      if (!p.can_run || !draw(l.k)) return false;
      const Money reserve = saturating_mul(p.reservation, l.k);
      if (reserve > b_) {  // denied: the subtask stays ready
        stays_ready(l.node);
        continue;
      }
      b_ -= reserve;
      // Each sample through the token cap, then the batch's settlement (sim/execution_rules.hpp).
      // Each sample through the token cap, then the batch's settlement (sim/execution_rules.hpp),
      // on scalars: the kernel's innermost loop.
      exec::SettlementBuilder settle;
      for (int j = 0; j < l.k; ++j) {
        double t;
        std::int64_t x;
        bool ok;
        if (set_) {
          const DrawnPair& d = set_[static_cast<std::size_t>(l.node) * static_cast<std::size_t>(model_.num_models()) + l.model];
          const exec::Draw e = exec::draw_parametric(d.lognormal_mu, d.lognormal_sigma, d.p_success, d.tokens, rng);
          t = e.latency_s, x = e.output_tokens, ok = e.success;
        } else if (p.count > 0) {
          const std::uint32_t a = p.first + FastRng::index(static_cast<std::uint32_t>(rng.next()), p.count);
          t = lat[a], x = tok[a], ok = suc[a] != 0;
        } else {
          const exec::Draw d = exec::draw_parametric(p.lognormal_mu, p.lognormal_sigma, p.p_success, p.parametric_tokens, rng);
          t = d.latency_s, x = d.output_tokens, ok = d.success;
        }
        exec::cap_tokens(t, x, ok, p.token_cap);
        const double delay = wait(l.model, j);  // 0.0 without a queue: t + 0.0 == t
        tmp_latency_[static_cast<std::size_t>(j)] = t;
        tmp_tokens_[static_cast<std::size_t>(j)] = x;
        tmp_delay_[static_cast<std::size_t>(j)] = delay;
        settle.add(delay + t, ok);
      }
      const exec::Settlement settled = settle.result();
      const bool ok = settled.success;
      const double end = settled.end_s;
      Money cost = 0;
      for (int j = 0; j < l.k; ++j) {
        const double delay = tmp_delay_[static_cast<std::size_t>(j)];
        if (delay > 0 && end <= delay) continue;  // still waiting when the batch ended: never ran
        cost += exec::sample_cost(p.input_cost, p.price_per_token,
                                  exec::tokens_after(tmp_latency_[static_cast<std::size_t>(j)],
                                                     tmp_tokens_[static_cast<std::size_t>(j)], end - delay));
      }
      add_running({end, 0.0, reserve, cost, l.node, static_cast<std::int8_t>(ok ? 1 : 0)});
      mark_running(l.node);
    }
    if (nrun_ == 0) return false;  // every reservation denied with nothing running
    return advance(rng);
  }

  /// Moves time to the earliest batch end (ties: lower subtask index) and settles it.
  template <class Gen>
  bool advance(Gen& rng) {
    Run done;
    if constexpr (W == 0) {
      const double elapsed = running_[0].end_s - now_;
      if (!exec::ends_by(elapsed, h_)) return false;
      std::pop_heap(running_.begin(), running_.begin() + nrun_, later);
      done = running_[static_cast<std::size_t>(--nrun_)];
      now_ = std::max(now_, done.end_s);
      h_ = std::max(0.0, h_ - elapsed);
    } else {
      int best = 0;
      for (int i = 1; i < nrun_; ++i)
        if (later(running_[best], running_[i])) best = i;
      done = running_[best];
      if (!exec::ends_by(done.end_s, h_)) return false;
      running_[best] = running_[--nrun_];
      for (int i = 0; i < nrun_; ++i) running_[i].end_s = std::max(0.0, running_[i].end_s - done.end_s);
      h_ = std::max(0.0, h_ - done.end_s);
    }
    if constexpr (Runtime) b_ += done.reserved - done.cost;
    const bool ok = done.success == 1 || (done.success == -1 && rng.uniform() < done.p_unknown);
    if constexpr (W == 0) {
      const auto node = static_cast<std::size_t>(done.node);
      if (!ok) {
        state_[node] = NodeState::ready;
        queue_.push_back(done.node);
        return true;
      }
      state_[node] = NodeState::completed;
      ++ncompleted_;
      for (int i = sets_.child_first[node]; i < sets_.child_first[node + 1]; ++i) {
        const auto c = static_cast<std::size_t>(sets_.children[static_cast<std::size_t>(i)]);
        if (--pending_[c] == 0 && state_[c] == NodeState::waiting) {
          state_[c] = NodeState::ready;
          queue_.push_back(static_cast<int>(c));
        }
      }
    } else {
      running_set_.reset(done.node);
      if (ok) completed_.set(done.node);
    }
    return true;
  }

  // Up to 64 subtasks on the stack; beyond, vectors sized once at construction.
  template <class T>
  using Slots = std::conditional_t<W == 0, std::vector<T>, std::array<T, 64 * (W == 0 ? 1 : W)>>;

  const PlanModel& model_;
  const SharedSets<W>& sets_;
  DrawnSets drawn_sets_;
  const McppOutlook* queue_view_;   // null: no queueing delay
  const DrawnPair* set_ = nullptr;  // this rollout's parameter set (posterior planning)
  Bits<W == 0 ? 1 : W> completed_{}, running_set_{};  // W >= 1
  std::vector<NodeState> state_;                       // W == 0
  std::vector<std::int32_t> pending_;                  // W == 0: parents not completed
  std::vector<int> queue_;                             // W == 0: ready, not launched
  int ncompleted_ = 0;                                 // W == 0
  double h_ = 0;      // seconds left
  double now_ = 0;    // W == 0: seconds since the root
  std::int64_t drawn_ = 0, draw_cap_ = 0;
  Money b_ = 0, b0_ = 0;
  int nrun_ = 0;
  Slots<Run> running_{};
  Slots<Launch> launch_{};
  std::vector<double> tmp_latency_;  // runtime: the batch being drawn, after the cap (sized once, max k)
  std::vector<std::int64_t> tmp_tokens_;
  std::vector<double> tmp_delay_;    // runtime: each sample's queueing delay
};

}  // namespace concord::mcpp
