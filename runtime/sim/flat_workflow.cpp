#include "sim/flat_workflow.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace concord {

FlatWorkflow FlatWorkflow::compile(const Workflow& wf) {
  FlatWorkflow f;
  const std::size_t n = wf.subtasks.size(), nm = wf.models.size();
  std::unordered_map<std::string, int> sidx, midx;
  for (std::size_t i = 0; i < n; ++i) {
    f.subtask_ids_.push_back(wf.subtasks[i].id);
    const Subtask& st = wf.subtasks[i];
    f.content_.push_back(SubtaskContent{st.prompt, st.check, st.time_limit_s.value_or(0.0), st.label});
    if (!st.prompt.empty() || st.check) f.has_content_ = true;
    sidx.emplace(wf.subtasks[i].id, static_cast<int>(i));
  }
  for (std::size_t m = 0; m < nm; ++m) {
    f.model_ids_.push_back(wf.models[m].id);
    midx.emplace(wf.models[m].id, static_cast<int>(m));
    f.price_out_.push_back(pico_per_token(wf.models[m].usd_per_mtok_out.value_or(0.0)));
  }
  f.parents_.resize(n);
  f.children_.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& d : wf.subtasks[i].deps) {
      const int p = sidx.at(d);
      f.parents_[i].push_back(p);
      f.children_[p].push_back(static_cast<int>(i));
    }
  // Kahn's algorithm, smallest index first: a stable topological order.
  std::vector<int> indeg(n);
  for (std::size_t i = 0; i < n; ++i) indeg[i] = static_cast<int>(f.parents_[i].size());
  std::vector<int> frontier;
  for (std::size_t i = 0; i < n; ++i)
    if (!indeg[i]) frontier.push_back(static_cast<int>(i));
  while (!frontier.empty()) {
    std::sort(frontier.begin(), frontier.end(), std::greater<>());
    const int s = frontier.back();
    frontier.pop_back();
    f.topo_.push_back(s);
    for (int c : f.children_[s])
      if (--indeg[c] == 0) frontier.push_back(c);
  }

  f.profiles_.resize(n * nm);
  f.input_cost_.assign(n * nm, 0);
  std::vector<double> cap_seen(nm, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& st = wf.subtasks[i];
    for (std::size_t m = 0; m < nm; ++m) {
      const double in_price = wf.models[m].usd_per_mtok_in.value_or(0.0);
      f.input_cost_[i * nm + m] = st.input_tokens * pico_per_token(in_price);
    }
    for (const auto& [model, prof] : st.profiles) {
      const auto m = static_cast<std::size_t>(midx.at(model));
      FlatProfile& fp = f.profiles_[i * nm + m];
      fp.present = true;
      fp.first = static_cast<std::uint32_t>(f.samples_.size());
      fp.count = static_cast<std::uint32_t>(prof.samples.size());
      for (const auto& s : prof.samples) {
        f.samples_.push_back({s.latency_s, s.output_tokens, s.success});
        cap_seen[m] = std::max(cap_seen[m], static_cast<double>(s.output_tokens));
      }
      if (prof.parametric) fp.parametric = *prof.parametric, fp.has_parametric = true;
      if (prof.parametric) {
        // Lognormal with the given mean mu and std sigma (the reference's moment match).
        const double mu = std::max(prof.parametric->latency_mean_s, 1e-9);
        const double sigma = std::max(prof.parametric->latency_std_s, 1e-9);
        const double phi = std::sqrt(sigma * sigma + mu * mu);
        fp.lognormal_sigma = std::sqrt(std::max(std::log((phi * phi) / (mu * mu)), 1e-9));
        fp.lognormal_mu = std::log((mu * mu) / phi);
      }
      if (prof.parametric)
        fp.parametric_tokens = std::max<std::int64_t>(1, std::llround(prof.parametric->output_tokens_mean));
      if (fp.count == 0 && prof.parametric)
        cap_seen[m] = std::max(cap_seen[m], std::max(1.0, std::round(prof.parametric->output_tokens_mean)));
      fp.p_success = prof.p_success();
      fp.mean_latency_s = prof.mean_latency_s();
      fp.mean_output_tokens = prof.mean_output_tokens();
    }
  }
  for (std::size_t m = 0; m < nm; ++m) {
    const auto& spec = wf.models[m];
    f.token_cap_.push_back(spec.max_tokens ? *spec.max_tokens
                                           : std::max<std::int64_t>(1, static_cast<std::int64_t>(cap_seen[m])));
  }
  return f;
}

int FlatWorkflow::model_index(const std::string& id) const {
  for (std::size_t m = 0; m < model_ids_.size(); ++m)
    if (model_ids_[m] == id) return static_cast<int>(m);
  return -1;
}

int FlatWorkflow::subtask_index(const std::string& id) const {
  for (std::size_t s = 0; s < subtask_ids_.size(); ++s)
    if (subtask_ids_[s] == id) return static_cast<int>(s);
  return -1;
}

Money FlatWorkflow::expected_sample_cost(int s, int m) const {
  const auto& p = profile(s, m);
  return input_cost(s, m) + static_cast<Money>(std::llround(p.mean_output_tokens * static_cast<double>(price_out_[m])));
}


}  // namespace concord
