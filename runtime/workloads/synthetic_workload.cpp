#include "workloads/synthetic_workload.hpp"

#include <fmt/format.h>

#include "model/input_error.hpp"
#include "sim/rng.hpp"
#include "workloads/rollout_stats.hpp"

namespace concord {

Workload build_synthetic_workload(const WorkloadOptions& options, const std::string& relative_path,
                                  const std::vector<ModelTier>& tiers, const GraphReader& read_graph) {
  if (options.samples_per_profile < 0)
    throw InputError("workload options", "samples_per_profile",
                     fmt::format("must not be negative (got {})", options.samples_per_profile));
  const std::string path = options.datasets_dir + "/" + relative_path;
  const auto stats = read_rollout_stats(options.datasets_dir + "/mcpp/example_rollout_stats.csv");
  const nlohmann::json root = json_fields::parse_json(json_fields::read_file(path), path);
  json_fields::FieldReader r(path);
  r.array(root, "(top level)");
  Workload out;
  out.profile_source = synthetic_profile_source(options.seed);
  for (std::size_t i = 0; i < root.size(); ++i) {
    Workflow wf = read_graph(r, root[i], json_fields::FieldReader::at("", i), i);
    wf.profile_source = out.profile_source;
    wf.models = tier_models(tiers);
    Rng rng(derive_seed(options.seed, i));
    add_synthetic_profiles(wf, stats, tiers, options.samples_per_profile, rng);
    admit_or_skip(out, std::move(wf), i);
  }
  return out;
}

}  // namespace concord
