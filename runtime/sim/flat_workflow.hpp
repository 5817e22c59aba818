#pragma once
// The execution view of a validated Workflow: subtasks and models become
// dense indices, profiles become ranges of one sample array, prices become
// exact picodollars per token. Immutable after compile(); shared read-only by
// simulators on many threads.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/money.hpp"
#include "model/workflow.hpp"
#include "sim/execution_rules.hpp"
#include "sim/rng.hpp"

namespace concord {

using exec::Draw;

struct FlatProfile {
  bool present = false;          // can this model run this subtask at all
  std::uint32_t first = 0;       // range in FlatWorkflow::samples
  std::uint32_t count = 0;       // 0 -> parametric
  ParametricProfile parametric;  // used when count == 0
  bool has_parametric = false;   // the profile carries a summary (the reference's "template")
  double lognormal_mu = 0;       // parameters of the latency's lognormal (parametric draws)
  double lognormal_sigma = 0;
  std::int64_t parametric_tokens = 0;  // output tokens of a parametric draw: max(1, round(mean))
  double p_success = 0;          // summary statistics (samples win over parametric)
  double mean_latency_s = 0;
  double mean_output_tokens = 0;
};

/// What real workers need of a subtask (simulated ones need none of it).
struct SubtaskContent {
  std::string prompt;                // template (model/prompt_template.hpp); empty: none
  std::optional<OutputCheck> check;  // none: the worker's verdict decides
  double time_limit_s = 0;           // real seconds per sample; 0: none
  std::string label;
};

class FlatWorkflow {
 public:
  /// REQUIRES: validate_workflow(wf) passed.
  static FlatWorkflow compile(const Workflow& wf);

  int num_subtasks() const { return static_cast<int>(subtask_ids_.size()); }
  int num_models() const { return static_cast<int>(model_ids_.size()); }
  const std::string& subtask_id(int s) const { return subtask_ids_[s]; }
  const std::string& model_id(int m) const { return model_ids_[m]; }
  /// -1 when unknown.
  int model_index(const std::string& id) const;
  int subtask_index(const std::string& id) const;

  const SubtaskContent& content(int s) const { return content_[s]; }
  /// Some subtask has a prompt or a check (a workflow for real workers).
  bool has_content() const { return has_content_; }

  const std::vector<int>& parents(int s) const { return parents_[s]; }
  const std::vector<int>& children(int s) const { return children_[s]; }
  /// Subtasks in a topological order (parents before children).
  const std::vector<int>& topological_order() const { return topo_; }

  const FlatProfile& profile(int s, int m) const { return profiles_[static_cast<std::size_t>(s) * model_ids_.size() + m]; }
  bool can_run(int s, int m) const { return profile(s, m).present; }

  /// Picodollars per output token of model m.
  Money price_per_token(int m) const { return price_out_[m]; }
  /// Picodollars charged per sample for the prompt (input tokens x input price).
  Money input_cost(int s, int m) const { return input_cost_[static_cast<std::size_t>(s) * model_ids_.size() + m]; }
  /// Cost of one sample that generated `tokens` output tokens.
  Money sample_cost(int s, int m, std::int64_t tokens) const { return input_cost(s, m) + tokens * price_out_[m]; }
  /// Expected cost of one sample (picodollars, rounded).
  Money expected_sample_cost(int s, int m) const;

  /// Token cap of model m (runtime semantics). ModelSpec::max_tokens when set;
  /// otherwise the largest output seen in m's samples (parametric: the mean, which is drawn),
  /// so that by default no recorded sample is truncated.
  std::int64_t token_cap(int m) const { return token_cap_[m]; }
  /// Worst-case cost of one sample: what the ledger reserves before dispatch.
  Money reservation(int s, int m) const { return sample_cost(s, m, token_cap_[m]); }
  /// What the ledger reserves for a batch of k samples: k x reservation(s, m), saturating at
  /// INT64_MAX (such a batch exceeds every budget and is denied). Bounded input keeps one
  /// sample's cost below 2e18 picodollars (model/limits.hpp), so only the product can overflow.
  Money batch_reservation(int s, int m, int k) const { return saturating_mul(reservation(s, m), k); }

  /// Draws one sample of model m on subtask s: bootstrap over the recorded samples,
  /// or, with a parametric summary only, the MCPP reference's template sampler:
  /// lognormal latency (mean, std), Bernoulli(p) success, mean tokens. REQUIRES: can_run(s, m).
  /// One sample of (s, m): uniformly among the recorded samples, else the parametric draw.
  template <class Gen>
  Draw draw(int s, int m, Gen& g) const {
    const FlatProfile& p = profile(s, m);
    if (p.count > 0) return samples_[p.first + g.below(p.count)];
    // The MCPP reference's template sampler (sim/execution_rules.hpp).
    return exec::draw_parametric(p.lognormal_mu, p.lognormal_sigma, p.parametric.p_success, p.parametric_tokens, g);
  }
  /// Recorded sample i of (s, m). REQUIRES: i < profile(s, m).count.
  const Draw& sample_at(int s, int m, std::uint32_t i) const { return samples_[profile(s, m).first + i]; }

 private:
  std::vector<std::string> subtask_ids_, model_ids_;
  std::vector<std::vector<int>> parents_, children_;
  std::vector<int> topo_;
  std::vector<FlatProfile> profiles_;
  std::vector<Draw> samples_;
  std::vector<Money> price_out_, input_cost_;
  std::vector<std::int64_t> token_cap_;
  std::vector<SubtaskContent> content_;
  bool has_content_ = false;
};

}  // namespace concord
