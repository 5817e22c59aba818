#pragma once
// The workflow model: a DAG of subtasks, the models that can run them, and
// per-(subtask, model) profiles. Plain data, keyed by string ids as users write
// them; runtime/sim flattens it into index arrays for execution.
//
// Units: latency in seconds, tokens as integers, prices in dollars per 1M tokens.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace concord {

/// One recorded run of a model on a subtask. Drawn jointly (bootstrap).
struct Sample {
  double latency_s = 0;          // wall time of the whole sample, >= 0
  bool success = false;          // did the output pass the subtask's check
  std::int64_t output_tokens = 0;  // generated tokens, >= 0

  friend bool operator==(const Sample&, const Sample&) = default;
};

/// Summary used when no samples were recorded. The simulator draws like the MCPP
/// reference: latency ~ lognormal with this mean and std (>= 1 ms), success ~
/// Bernoulli(p), output tokens = the mean (rounded; the reference charges the mean).
struct ParametricProfile {
  double p_success = 0;
  double latency_mean_s = 0;
  double latency_std_s = 0;
  double output_tokens_mean = 0;

  friend bool operator==(const ParametricProfile&, const ParametricProfile&) = default;
};

/// What is known of one model on one subtask. Samples win over the summary
/// when both are present (the summary is then informational, e.g. for planners).
struct Profile {
  std::vector<Sample> samples;
  std::optional<ParametricProfile> parametric;

  bool empty() const { return samples.empty() && !parametric; }
  /// Success probability: the sample mean, or the parametric p.
  double p_success() const;
  /// Mean latency (seconds) and mean output tokens, same precedence.
  double mean_latency_s() const;
  double mean_output_tokens() const;

  friend bool operator==(const Profile&, const Profile&) = default;
};

/// A subtask's check (field "check"): decides whether a real worker's output is acceptable.
/// Exactly one of command (run by /bin/sh -c with the output on stdin; acceptable iff it exits 0
/// within time_limit_s real seconds) and regex (POSIX extended; acceptable iff it matches somewhere).
struct OutputCheck {
  std::string command;
  std::string regex;
  double time_limit_s = 30;

  friend bool operator==(const OutputCheck&, const OutputCheck&) = default;
};

struct ModelSpec {
  std::string id;
  std::optional<double> usd_per_mtok_out;  // required; optional only so validation can name it
  std::optional<double> usd_per_mtok_in;   // defaults to 0
  std::optional<std::int64_t> max_tokens;  // token cap (runtime semantics); default: see FlatWorkflow

  friend bool operator==(const ModelSpec&, const ModelSpec&) = default;
};

struct Subtask {
  std::string id;
  std::vector<std::string> deps;     // ids of parents: this subtask is ready when all are complete
  std::int64_t input_tokens = 0;     // prompt size, charged at usd_per_mtok_in per sample
  std::string label;                 // free text shown in reports (e.g. the lemma)
  std::optional<int> layer;          // kept for DAG-pool round trips
  std::map<std::string, Profile> profiles;  // model id -> profile
  /// What a real worker is asked (model/prompt_template.hpp: {{ID}} is replaced by parent ID's
  /// output). Empty: none (simulated workers need none; a real one receives the label, else the id).
  std::string prompt;
  std::optional<OutputCheck> check;        // none: the worker's own verdict decides
  std::optional<double> time_limit_s;      // real seconds a sample may run (none: until the deadline)

  friend bool operator==(const Subtask&, const Subtask&) = default;
};

struct Workflow {
  std::string name;
  std::string description;
  std::string profile_source;          // provenance, e.g. "synthetic profiles (mcpp rollout stats)"
  std::string dag_kind;                // kept for DAG-pool round trips
  std::optional<double> budget_usd;    // default budget for `concord run`
  std::optional<double> deadline_s;    // default deadline
  std::vector<ModelSpec> models;       // order matters: the first is the reference model
  std::vector<Subtask> subtasks;

  const ModelSpec* find_model(const std::string& id) const;
  const Subtask* find_subtask(const std::string& id) const;

  friend bool operator==(const Workflow&, const Workflow&) = default;
};

}  // namespace concord
