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
double clamped_p(const FlatWorkflow& wf, int s) {
  return std::clamp(wf.profile(s, reference_model(wf, s)).p_success, 0.01, 0.99);
}
}  // namespace

Money nominal_budget(const FlatWorkflow& wf) {
  Money total = 0;
  for (int s = 0; s < wf.num_subtasks(); ++s) {
    const double k = std::ceil(std::log(0.05) / std::log(1.0 - clamped_p(wf, s)));
    total += static_cast<Money>(k) * wf.expected_sample_cost(s, reference_model(wf, s));
  }
  return total;
}

double nominal_deadline_s(const FlatWorkflow& wf) {
  std::vector<double> finish(static_cast<std::size_t>(wf.num_subtasks()), 0.0);
  double longest = 0;
  for (int s : wf.topological_order()) {
    double start = 0;
    for (int p : wf.parents(s)) start = std::max(start, finish[p]);
    finish[s] = start + wf.profile(s, reference_model(wf, s)).mean_latency_s / clamped_p(wf, s);
    longest = std::max(longest, finish[s]);
  }
  return longest;
}

}  // namespace concord
