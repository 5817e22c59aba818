#include "sim/nominal.hpp"

#include <algorithm>
#include <cmath>

namespace concord {

int reference_model(const FlatWorkflow& wf, int s) {
  for (int m = 0; m < wf.num_models(); ++m)
    if (wf.can_run(s, m)) return m;
  return 0;
}

namespace {

struct Summary {
  double p, latency_s;
  Money sample_cost;
};

/// The reference model's summary on subtask s: the template when present, else the samples.
Summary summary(const FlatWorkflow& wf, int s) {
  const int m = reference_model(wf, s);
  const FlatProfile& fp = wf.profile(s, m);
  Summary out;
  if (fp.has_parametric) {
    out.p = fp.parametric.p_success;
    out.latency_s = fp.parametric.latency_mean_s;
    out.sample_cost = wf.input_cost(s, m) + static_cast<Money>(std::llround(fp.parametric.output_tokens_mean *
                                                                            static_cast<double>(wf.price_per_token(m))));
  } else {
    out.p = fp.p_success;
    out.latency_s = fp.mean_latency_s;
    out.sample_cost = wf.expected_sample_cost(s, m);
  }
  out.p = std::clamp(out.p, 1e-9, 1.0 - 1e-9);
  out.latency_s = std::max(out.latency_s, 1e-9);
  return out;
}

}  // namespace

Money nominal_budget(const FlatWorkflow& wf) {
  Money total = 0;
  for (int s = 0; s < wf.num_subtasks(); ++s) {
    const Summary v = summary(wf, s);
    // k can reach ~3e9 at p = 1e-9: both the product and the sum saturate, then clamp.
    const double k = std::min(1e15, std::max(1.0, std::ceil(std::log(0.05) / std::log(1.0 - v.p))));
    total = saturating_add(total, saturating_mul(v.sample_cost, static_cast<std::int64_t>(k)));
  }
  return std::min(total, kMaxBudgetPico);
}

double nominal_deadline_s(const FlatWorkflow& wf) {
  std::vector<double> finish(static_cast<std::size_t>(wf.num_subtasks()), 0.0);
  double longest = 0;
  for (int s : wf.topological_order()) {
    double start = 0;
    for (int p : wf.parents(s)) start = std::max(start, finish[p]);
    const Summary v = summary(wf, s);
    finish[s] = start + v.latency_s / v.p;
    longest = std::max(longest, finish[s]);
  }
  return std::min(longest, limits::kMaxSeconds);
}

}  // namespace concord
