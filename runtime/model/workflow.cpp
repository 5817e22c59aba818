#include "model/workflow.hpp"

namespace concord {

double Profile::p_success() const {
  if (samples.empty()) return parametric ? parametric->p_success : 0.0;
  std::size_t ok = 0;
  for (const auto& s : samples) ok += s.success ? 1 : 0;
  return static_cast<double>(ok) / static_cast<double>(samples.size());
}

double Profile::mean_latency_s() const {
  if (samples.empty()) return parametric ? parametric->latency_mean_s : 0.0;
  double sum = 0;
  for (const auto& s : samples) sum += s.latency_s;
  return sum / static_cast<double>(samples.size());
}

double Profile::mean_output_tokens() const {
  if (samples.empty()) return parametric ? parametric->output_tokens_mean : 0.0;
  double sum = 0;
  for (const auto& s : samples) sum += static_cast<double>(s.output_tokens);
  return sum / static_cast<double>(samples.size());
}

const ModelSpec* Workflow::find_model(const std::string& id) const {
  for (const auto& m : models)
    if (m.id == id) return &m;
  return nullptr;
}

const Subtask* Workflow::find_subtask(const std::string& id) const {
  for (const auto& s : subtasks)
    if (s.id == id) return &s;
  return nullptr;
}

}  // namespace concord
