#include "contention/contention_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace concord::contention {

namespace {

/// Two-sided 97.5 % quantile of Student's t with df degrees of freedom.
double t_quantile(int df) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                 2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return 0;
  if (df <= 30) return table[df - 1];
  return 1.959964 + 2.4 / df;  // within 0.002 of the exact value beyond 30
}

}  // namespace

Interval t_interval(const std::vector<double>& values) {
  Interval iv;
  iv.n = static_cast<int>(values.size());
  if (values.empty()) return iv;
  double sum = 0;
  for (double v : values) sum += v;
  iv.mean = sum / iv.n;
  double ss = 0;
  for (double v : values) ss += (v - iv.mean) * (v - iv.mean);
  const double half = iv.n > 1 ? t_quantile(iv.n - 1) * std::sqrt(ss / (iv.n - 1) / iv.n) : 0.0;
  iv.lo = iv.mean - half;
  iv.hi = iv.mean + half;
  return iv;
}

const SweepCell* SweepResult::find(ContentionPolicy p, double rate) const {
  for (const auto& c : cells)
    if (c.policy == p && c.rate == rate) return &c;
  return nullptr;
}

SweepResult run_sweep(const ContentionWorkload& workload, const SweepConfig& config) {
  if (config.rates.empty()) throw std::invalid_argument("contention sweep: rates: need at least one");
  if (config.policies.empty()) throw std::invalid_argument("contention sweep: policies: need at least one");
  if (config.replicates < 1) throw std::invalid_argument("contention sweep: replicates: need >= 1");
  const std::size_t np = config.policies.size(), nr = config.rates.size();
  const auto reps = static_cast<std::size_t>(config.replicates);
  const std::size_t total = nr * np * reps;
  std::vector<RunResult> runs(total);
  std::mutex mu;
  std::size_t done = 0;
  const auto start = std::chrono::steady_clock::now();
  tbb::task_arena arena(config.threads > 0 ? config.threads : tbb::this_task_arena::max_concurrency());
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, total, 1), [&](const tbb::blocked_range<std::size_t>& range) {
      for (std::size_t i = range.begin(); i != range.end(); ++i) {
        ContentionConfig c = config.base;
        c.arrival_rate_per_s = config.rates[i / (np * reps)];
        c.policy = config.policies[(i / reps) % np];
        c.replicate = static_cast<int>(i % reps);
        c.planner.threads = 1;
        runs[i] = config.engine ? config.engine(workload, c) : run_contention(workload, c);
        std::lock_guard<std::mutex> lock(mu);
        ++done;
        if (config.progress) config.progress(done, total);
      }
    });
  });
  SweepResult r;
  r.config = config;
  for (std::size_t ri = 0; ri < nr; ++ri) {
    std::vector<double> fcfs;
    for (std::size_t pi = 0; pi < np; ++pi) {
      SweepCell cell;
      cell.policy = config.policies[pi];
      cell.rate = config.rates[ri];
      double workflows = 0, util = 0, reads = 0, ledger = 0, decisions = 0, planner = 0, wait = 0, refusals = 0;
      double spend_sum = 0;
      int spend_n = 0;
      for (std::size_t k = 0; k < reps; ++k) {
        const RunResult& run = runs[(ri * np + pi) * reps + k];
        for (std::size_t t = 0; t < run.tenants.size(); ++t) {
          const TenantOutcome& o = run.tenants[t];
          if (o.committed + o.uncovered > o.budget || o.peak_held > o.budget)
            throw std::logic_error(fmt::format("contention sweep: {} at rate {} replicate {}: tenant {} spent {} of {} "
                                               "(peak held {}): the tenant invariant is broken",
                                               to_string(cell.policy), cell.rate, k, t, o.committed + o.uncovered,
                                               o.budget, o.peak_held));
          const double ratio = o.budget > 0 ? static_cast<double>(o.committed) / static_cast<double>(o.budget) : 0.0;
          cell.spend_ratio_max = std::max(cell.spend_ratio_max, ratio);
          spend_sum += ratio;
          ++spend_n;
        }
        int completed = 0;
        for (const auto& w : run.workflows) {
          completed += w.completed ? 1 : 0;
          reads += static_cast<double>(w.price_reads);
          ledger += static_cast<double>(w.ledger_messages);
          decisions += w.decisions;
          planner += w.planner_s;
          wait += w.wait_s;
          refusals += static_cast<double>(w.tenant_refusals);
        }
        workflows += static_cast<double>(run.workflows.size());
        cell.completion_by_replicate.push_back(run.workflows.empty() ? 0.0 : static_cast<double>(completed) / run.workflows.size());
        for (double u : run.utilisation) util += u / static_cast<double>(run.utilisation.size() * reps);
      }
      cell.completion = t_interval(cell.completion_by_replicate);
      if (cell.policy == ContentionPolicy::fcfs) fcfs = cell.completion_by_replicate;
      const double nw = std::max(1.0, workflows);
      cell.workflows_per_run = workflows / static_cast<double>(reps);
      cell.spend_ratio_mean = spend_n ? spend_sum / spend_n : 0.0;
      cell.utilisation = util;
      cell.price_reads_per_workflow = reads / nw;
      cell.ledger_messages_per_workflow = ledger / nw;
      cell.decisions_per_workflow = decisions / nw;
      cell.planner_ms_per_workflow = planner * 1e3 / nw;
      cell.wait_s_per_workflow = wait / nw;
      cell.tenant_refusals_per_workflow = refusals / nw;
      r.cells.push_back(std::move(cell));
    }
    // Paired differences to fcfs (same replicate: same arrivals and draws).
    if (!fcfs.empty())
      for (std::size_t pi = 0; pi < np; ++pi) {
        SweepCell& cell = r.cells[ri * np + pi];
        std::vector<double> diff;
        for (std::size_t k = 0; k < reps; ++k) diff.push_back(cell.completion_by_replicate[k] - fcfs[k]);
        cell.gain_vs_fcfs = t_interval(diff);
      }
    for (std::size_t pi = 0; pi < np; ++pi)
      if (config.policies[pi] == ContentionPolicy::negotiation) r.negotiation_r0.push_back(runs[(ri * np + pi) * reps]);
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

std::string format_csv(const SweepResult& r) {
  std::string out =
      "policy,rate_per_s,replicates,workflows_per_run,completion,completion_lo95,completion_hi95,gain_vs_fcfs,"
      "gain_lo95,gain_hi95,tenant_spend_over_budget_max,tenant_spend_over_budget_mean,utilisation,"
      "price_reads_per_workflow,ledger_messages_per_workflow,messages_per_workflow,decisions_per_workflow,"
      "planner_ms_per_workflow,queue_wait_s_per_workflow,tenant_refusals_per_workflow\n";
  for (const auto& c : r.cells)
    out += fmt::format("{},{},{},{:.2f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.2f},{:.2f},{:.2f},{:.2f},{:.3f},{:.2f},{:.3f}\n",
                       to_string(c.policy), c.rate, c.completion.n, c.workflows_per_run, c.completion.mean,
                       c.completion.lo, c.completion.hi, c.gain_vs_fcfs.mean, c.gain_vs_fcfs.lo, c.gain_vs_fcfs.hi,
                       c.spend_ratio_max, c.spend_ratio_mean, c.utilisation, c.price_reads_per_workflow,
                       c.ledger_messages_per_workflow, c.price_reads_per_workflow + c.ledger_messages_per_workflow,
                       c.decisions_per_workflow, c.planner_ms_per_workflow, c.wait_s_per_workflow,
                       c.tenant_refusals_per_workflow);
  return out;
}

std::string format_table(const SweepResult& r) {
  std::string out = fmt::format("{:<13} {:>8} {:>6} {:>22} {:>24} {:>11} {:>6} {:>9} {:>9}\n", "policy", "rate/s",
                                "wf/run", "completion [95% CI]", "vs fcfs [95% CI]", "spend/bud", "util",
                                "msgs/wf", "plan ms");
  for (const auto& c : r.cells) {
    const std::string gain = c.gain_vs_fcfs.n > 0 && c.policy != ContentionPolicy::fcfs
                                 ? fmt::format("{:+.3f} [{:+.3f}, {:+.3f}]", c.gain_vs_fcfs.mean, c.gain_vs_fcfs.lo, c.gain_vs_fcfs.hi)
                                 : std::string("-");
    out += fmt::format("{:<13} {:>8.4f} {:>6.1f} {:>22} {:>24} {:>11.3f} {:>6.2f} {:>9.1f} {:>9.1f}\n", to_string(c.policy),
                       c.rate, c.workflows_per_run,
                       fmt::format("{:.3f} [{:.3f}, {:.3f}]", c.completion.mean, c.completion.lo, c.completion.hi), gain,
                       c.spend_ratio_max, c.utilisation, c.price_reads_per_workflow + c.ledger_messages_per_workflow,
                       c.planner_ms_per_workflow);
  }
  return out;
}

}  // namespace concord::contention
