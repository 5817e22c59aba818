#pragma once
// Where /work/shared/datasets lives, and the types shared by the workload
// builders (proofflow.hpp, codeflow.hpp): options, the result, and the graphs
// a builder rejected. Builders turn dataset DAG structures into Concord
// workflows whose per-(subtask, model) profiles are synthetic (drawn from the
// MCPP rollout statistics, see model_tiers.hpp), deterministic by seed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/workflow.hpp"

namespace concord {

/// $CONCORD_DATASETS when set and non-empty, else the compile-time
/// CONCORD_DEFAULT_DATASETS_DIR when defined, else "../shared/datasets".
std::string default_datasets_dir();

struct WorkloadOptions {
  std::string datasets_dir = default_datasets_dir();
  std::uint64_t seed = 1;
  int samples_per_profile = 32;  // samples per (subtask, model); 0 keeps only the parametric summary
};

/// A dataset graph the builder did not turn into a workflow.
struct SkippedGraph {
  std::size_t index;   // position in the dataset's list
  std::string name;    // the name the workflow would have had, e.g. "proofflow-176"
  std::string reason;  // every validation issue, "field: reason" joined by "; "
};

struct Workload {
  std::vector<Workflow> workflows;   // in dataset order, skipped graphs left out
  std::vector<SkippedGraph> skipped;
  std::string profile_source;        // also set on every workflow
};

/// "synthetic profiles: MCPP rollout statistics x model tiers (seed N)".
std::string synthetic_profile_source(std::uint64_t seed);

/// The first non-blank line of `text`, trimmed, cut to at most `max_chars`
/// Unicode code points (UTF-8 sequences are never split).
std::string first_line(std::string_view text, std::size_t max_chars);

/// Validates `wf` (model/validate.hpp): appends it to `out.workflows` when valid,
/// else records it in `out.skipped` with every issue as the reason.
void admit_or_skip(Workload& out, Workflow wf, std::size_t index);

}  // namespace concord
