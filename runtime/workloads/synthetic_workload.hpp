#pragma once
// Internal to the workload builders (includes nlohmann): the part every dataset
// shares — read a JSON list of graphs, give each synthetic profiles drawn from the
// MCPP rollout statistics with a tier table, and keep the valid ones.
#include <functional>
#include <string>
#include <vector>

#include "model/json_fields.hpp"
#include "workloads/datasets.hpp"
#include "workloads/model_tiers.hpp"

namespace concord {

/// Reads one graph of the list (structure only: no models or profiles yet).
using GraphReader = std::function<Workflow(const json_fields::FieldReader&, const nlohmann::json&, const std::string& field,
                                           std::size_t index)>;

/// `relative_path` is below options.datasets_dir. Graph i's profiles come from
/// Rng(derive_seed(options.seed, i)), whatever other graphs are skipped.
Workload build_synthetic_workload(const WorkloadOptions& options, const std::string& relative_path,
                                  const std::vector<ModelTier>& tiers, const GraphReader& read_graph);

}  // namespace concord
