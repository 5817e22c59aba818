#include "learn/calibration.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "learn/posterior_table.hpp"
#include "learn/promise_calibrator.hpp"
#include "plan/mcpp_config.hpp"
#include "plan/mcpp_planner.hpp"
#include "sim/execution_rules.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"

namespace concord::learn {

void episode_observations(const FlatWorkflow& truth, const EpisodeConfig& config, const EpisodeResult& result,
                          const std::function<void(int, int, const Observation&)>& sink) {
  for (const AttemptTrace& tr : result.attempts) {
    const double elapsed = tr.end_s - tr.start_s;
    const double tol = 1e-9 * std::max(1.0, std::abs(elapsed));
    for (int j = 0; j < tr.k; ++j) {
      LazyRng rng(exec::sample_seed(config.seed, tr.subtask, tr.attempt, j));
      const exec::Draw d = truth.draw(tr.subtask, tr.model, rng);
      const exec::Effective e = exec::apply_token_cap(d, truth.token_cap(tr.model));
      Observation o;
      if (e.latency_s <= elapsed + tol) {
        o.end = e.truncated ? SampleEnd::truncated : SampleEnd::finished;
        o.success = e.success;
        o.latency_s = e.latency_s;
        o.output_tokens = e.tokens;
      } else {
        o.end = SampleEnd::cancelled;
        o.latency_s = std::max(0.0, elapsed);
      }
      sink(tr.subtask, tr.model, o);
    }
  }
}

std::vector<std::pair<std::string, std::vector<CalibrationCell>>> CalibrationConfig::default_cells() {
  auto grid = [](std::vector<double> b, std::vector<double> d) {
    std::vector<CalibrationCell> out;
    for (double x : b)
      for (double y : d) out.push_back({x, y});
    return out;
  };
  return {{"proofflow", grid({0.1, 0.2, 0.5}, {0.4, 0.55, 0.75})},
          {"codeflow", grid({0.02, 0.04, 0.1}, {0.2, 0.3, 0.4})},
          {"default", grid({0.1, 0.2, 0.5}, {0.4, 0.55, 0.75})}};
}

namespace {

/// Records the promise of the first decision of an episode.
class PromiseRecorder final : public Policy {
 public:
  explicit PromiseRecorder(McppPlanner& p) : p_(p) {}
  std::string name() const override { return p_.name(); }
  void reset() override {
    p_.reset();
    first_ = -1;
  }
  void decide(const SimState& state, Rng& rng, std::vector<Assignment>& out) override {
    p_.decide(state, rng, out);
    if (first_ < 0) first_ = p_.last_decision().promise;
  }
  double first() const { return std::max(0.0, first_); }

 private:
  McppPlanner& p_;
  double first_ = -1;
};

/// The workflow as the learner is given it: the DAG, the models and which model can run which
/// subtask, but no profile (no samples, no summary): every pair starts from the default prior.
Workflow hide_profiles(const Workflow& truth) {
  Workflow w = truth;
  for (Subtask& st : w.subtasks)
    for (auto& [model, prof] : st.profiles) {
      prof.samples.clear();
      prof.parametric.reset();
    }
  return w;
}

const std::vector<CalibrationCell>& cells_for(const CalibrationConfig& c, const std::string& kind) {
  const std::vector<CalibrationCell>* fallback = nullptr;
  for (const auto& [k, v] : c.cells) {
    if (k == kind) return v;
    if (k == "default") fallback = &v;
  }
  if (!fallback) throw std::invalid_argument("calibration: no cells for dag_kind \"" + kind + "\" and no default");
  return *fallback;
}

}  // namespace

std::vector<CalibrationRun> run_calibration(const std::vector<Workflow>& truths, const CalibrationConfig& config,
                                            const std::function<void(int, int)>& progress) {
  const int nw = static_cast<int>(truths.size());
  const int runs = std::max(0, config.runs_per_workflow);
  std::vector<CalibrationRun> out(static_cast<std::size_t>(nw) * static_cast<std::size_t>(runs));
  McppConfig mc = mcpp_preset(config.planner);
  mc.threads = 1;  // parallel over workflows instead
  mc.promise_rollouts = config.promise_rollouts;

  // What each workflow keeps across its runs: the truth (hidden from the learner) and the posterior.
  struct Track {
    FlatWorkflow truth_flat;
    Workflow hidden;
    const std::vector<CalibrationCell>* cells = nullptr;
    Money nominal_b = 0;
    double nominal_d = 0;
    PosteriorTable table;
    std::int64_t learned = 0;
  };
  std::vector<Track> tracks;
  tracks.reserve(static_cast<std::size_t>(nw));
  for (const Workflow& truth : truths) {
    Track t{FlatWorkflow::compile(truth), hide_profiles(truth), &cells_for(config, truth.dag_kind), 0, 0, {}, 0};
    t.nominal_b = nominal_budget(t.truth_flat);
    t.nominal_d = nominal_deadline_s(t.truth_flat);
    t.table.ensure(t.hidden, t.truth_flat);
    tracks.push_back(std::move(t));
  }
  PromiseCalibrator calibrator;
  tbb::task_arena arena(config.threads > 0 ? config.threads : tbb::this_task_arena::max_concurrency());
  for (int r = 0; r < runs; ++r) {
    arena.execute([&] {
      tbb::parallel_for(0, nw, [&](int w) {
        Track& t = tracks[static_cast<std::size_t>(w)];
        CalibrationRun& rec = out[static_cast<std::size_t>(w) * static_cast<std::size_t>(runs) + static_cast<std::size_t>(r)];
        const CalibrationCell cell = (*t.cells)[static_cast<std::size_t>(w + r) % t.cells->size()];
        rec.workflow = w;
        rec.run = r;
        rec.budget_x = cell.budget_x;
        rec.deadline_x = cell.deadline_x;
        EpisodeConfig ec;
        ec.semantics = Semantics::runtime;
        ec.budget = static_cast<Money>(std::llround(static_cast<double>(t.nominal_b) * cell.budget_x));
        ec.deadline_s = t.nominal_d * cell.deadline_x;
        ec.seed = derive_seed(config.seed, static_cast<std::uint64_t>(w) * 1'000'003ull + static_cast<std::uint64_t>(r));
        Simulator sim(t.truth_flat);

        // The learner: plans with the posterior (its means, and parameter sets drawn from it).
        const FlatWorkflow belief = FlatWorkflow::compile(belief_workflow(t.hidden, t.truth_flat, t.table));
        McppPlanner learner(belief, mc);
        if (config.posterior_sets > 0)
          learner.set_profile_draws(
              draw_profile_sets(t.hidden, t.truth_flat, t.table, config.posterior_sets, derive_seed(ec.seed, 0x5e75)),
              config.posterior_sets);
        PromiseRecorder lrec(learner);
        const EpisodeResult lr = sim.run(lrec, ec);
        rec.predicted = lrec.first();
        rec.calibrated = calibrator.apply(rec.predicted);  // fitted on earlier rounds only (read-only here)
        rec.completed = lr.completed;
        if (config.learn)
          episode_observations(t.truth_flat, ec, lr, [&](int s, int m, const Observation& o) {
            t.table.update(t.hidden, s, t.truth_flat.model_id(m), o);
            ++t.learned;
          });
        rec.samples_learned = t.learned;

        // The oracle: the same configuration on the true profiles, the same episode.
        McppPlanner oracle(t.truth_flat, mc);
        PromiseRecorder orec(oracle);
        const EpisodeResult orr = sim.run(orec, ec);
        rec.oracle_predicted = orec.first();
        rec.oracle_completed = orr.completed;
      });
    });
    for (int w = 0; w < nw; ++w) {
      const CalibrationRun& rec = out[static_cast<std::size_t>(w) * static_cast<std::size_t>(runs) + static_cast<std::size_t>(r)];
      calibrator.add(rec.predicted, rec.completed);
    }
    calibrator.fit();
    if (progress) progress(r + 1, runs);
  }
  return out;
}

std::pair<double, double> wilson95(std::int64_t k, std::int64_t n) {
  if (n <= 0) return {0, 1};
  const double z = 1.959963984540054, nn = static_cast<double>(n), p = static_cast<double>(k) / nn;
  const double den = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / den;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / den;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::vector<ReliabilityBin> reliability(const std::vector<std::pair<double, bool>>& points, int bins) {
  bins = std::max(1, bins);
  std::vector<ReliabilityBin> out(static_cast<std::size_t>(bins));
  std::vector<double> sum_p(out.size(), 0);
  std::vector<std::int64_t> hits(out.size(), 0);
  for (int b = 0; b < bins; ++b) {
    out[static_cast<std::size_t>(b)].lo = static_cast<double>(b) / bins;
    out[static_cast<std::size_t>(b)].hi = static_cast<double>(b + 1) / bins;
  }
  for (const auto& [p, ok] : points) {
    const int b = std::clamp(static_cast<int>(std::floor(std::clamp(p, 0.0, 1.0) * bins)), 0, bins - 1);
    ++out[static_cast<std::size_t>(b)].count;
    sum_p[static_cast<std::size_t>(b)] += p;
    hits[static_cast<std::size_t>(b)] += ok ? 1 : 0;
  }
  for (std::size_t b = 0; b < out.size(); ++b) {
    ReliabilityBin& r = out[b];
    if (r.count == 0) continue;
    r.mean_predicted = sum_p[b] / static_cast<double>(r.count);
    r.realized = static_cast<double>(hits[b]) / static_cast<double>(r.count);
    std::tie(r.ci_lo, r.ci_hi) = wilson95(hits[b], r.count);
  }
  return out;
}

double expected_calibration_error(const std::vector<ReliabilityBin>& bins) {
  std::int64_t n = 0;
  double sum = 0;
  for (const auto& b : bins) {
    n += b.count;
    sum += static_cast<double>(b.count) * std::abs(b.realized - b.mean_predicted);
  }
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

std::pair<double, double> ece_if_calibrated(const std::vector<std::pair<double, bool>>& points, int bins, int replicates,
                                            std::uint64_t seed, double quantile) {
  if (points.empty() || replicates < 1) return {0, 0};
  Rng rng(seed);
  std::vector<double> e;
  std::vector<std::pair<double, bool>> sim(points.size());
  for (int r = 0; r < replicates; ++r) {
    for (std::size_t i = 0; i < points.size(); ++i) sim[i] = {points[i].first, rng.uniform() < points[i].first};
    e.push_back(expected_calibration_error(reliability(sim, bins)));
  }
  std::sort(e.begin(), e.end());
  double mean = 0;
  for (double x : e) mean += x;
  return {mean / static_cast<double>(e.size()), e[std::min(e.size() - 1, static_cast<std::size_t>(quantile * static_cast<double>(e.size())))]};
}

double ece_noise_bound(std::int64_t n, int bins, double delta) {
  if (n <= 0) return 1.0;
  const double nn = static_cast<double>(n);
  return std::sqrt(static_cast<double>(std::max(1, bins)) / nn) / 2 + std::sqrt(std::log(1 / delta) / (2 * nn));
}

}  // namespace concord::learn
