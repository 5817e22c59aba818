#include "workloads/proofflow.hpp"
#include "workloads/synthetic_workload.hpp"

#include "model/json_fields.hpp"
#include "sim/rng.hpp"
#include "workloads/model_tiers.hpp"
#include "workloads/rollout_stats.hpp"

namespace concord {

using json_fields::FieldReader;
using nlohmann::json;

namespace {

constexpr std::size_t kDescriptionChars = 160;
constexpr std::size_t kLabelChars = 120;

/// The item's id: an integer in most graphs, a string in a few ("18a").
std::string read_graph_id(const FieldReader& r, const json& j, const std::string& f) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<std::int64_t>());
  r.fail(f, fmt::format("expected a string or an integer, got {}", j.type_name()));
}

Subtask read_node(const FieldReader& r, const json& j, const std::string& f) {
  r.object(j, f);
  Subtask s;
  s.id = r.string(r.require(j, f, "id"), FieldReader::join(f, "id"));
  s.label = first_line(r.string(r.require(j, f, "natural_language"), FieldReader::join(f, "natural_language")),
                       kLabelChars);
  const auto df = FieldReader::join(f, "dependencies");
  const json& deps = r.array(r.require(j, f, "dependencies"), df);
  for (std::size_t i = 0; i < deps.size(); ++i) s.deps.push_back(r.string(deps[i], FieldReader::at(df, i)));
  return s;
}

Workflow read_graph(const FieldReader& r, const json& j, const std::string& f, std::size_t index) {
  r.object(j, f);
  const std::string origin = r.string(r.require(j, f, "origin"), FieldReader::join(f, "origin"));
  const std::string id = read_graph_id(r, r.require(j, f, "id"), FieldReader::join(f, "id"));
  const std::string theorem = r.string(r.require(j, f, "nl_theorem"), FieldReader::join(f, "nl_theorem"));
  Workflow wf;
  wf.name = fmt::format("proofflow-{}", index);
  wf.description = fmt::format("{} #{}: {}", origin, id, first_line(theorem, kDescriptionChars));
  wf.dag_kind = "proofflow";
  const auto gf = FieldReader::join(f, "proof_graph");
  const json& nodes = r.array(r.require(j, f, "proof_graph"), gf);
  for (std::size_t i = 0; i < nodes.size(); ++i) wf.subtasks.push_back(read_node(r, nodes[i], FieldReader::at(gf, i)));
  return wf;
}

}  // namespace

Workload build_proofflow(const WorkloadOptions& options) {
  return build_synthetic_workload(options, "proofflow/benchmark_0409.json", proofflow_tiers(), read_graph);
}

}  // namespace concord
