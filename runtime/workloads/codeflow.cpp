#include "workloads/codeflow.hpp"
#include "workloads/synthetic_workload.hpp"

#include "model/json_fields.hpp"
#include "sim/rng.hpp"
#include "workloads/model_tiers.hpp"
#include "workloads/rollout_stats.hpp"

namespace concord {

using json_fields::FieldReader;
using nlohmann::json;

namespace {

constexpr std::size_t kLabelChars = 120;

Subtask read_subproblem(const FieldReader& r, const json& j, const std::string& f) {
  r.object(j, f);
  Subtask s;
  s.id = r.string(r.require(j, f, "name"), FieldReader::join(f, "name"));
  s.label = first_line(r.string(r.require(j, f, "statement"), FieldReader::join(f, "statement")), kLabelChars);
  const auto df = FieldReader::join(f, "dependencies");
  const json& deps = r.array(r.require(j, f, "dependencies"), df);
  for (std::size_t i = 0; i < deps.size(); ++i) s.deps.push_back(r.string(deps[i], FieldReader::at(df, i)));
  return s;
}

Workflow read_problem(const FieldReader& r, const json& j, const std::string& f, std::size_t index) {
  r.object(j, f);
  Workflow wf;
  wf.name = fmt::format("codeflow-{}", index);
  wf.description = r.string(r.require(j, f, "problem-id"), FieldReader::join(f, "problem-id"));
  wf.dag_kind = "codeflow";
  const auto sf = FieldReader::join(f, "subproblems");
  const json& subs = r.array(r.require(j, f, "subproblems"), sf);
  for (std::size_t i = 0; i < subs.size(); ++i) wf.subtasks.push_back(read_subproblem(r, subs[i], FieldReader::at(sf, i)));
  return wf;
}

}  // namespace

Workload build_codeflow(const WorkloadOptions& options) {
  return build_synthetic_workload(options, "codeflow/codeflowbench_repo.json", codeflow_tiers(), read_problem);
}

}  // namespace concord
