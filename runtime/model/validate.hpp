#pragma once
// Validation of a Workflow against the rules every reader and builder must
// uphold. Rejects: cycles, self-dependencies, dangling or duplicate ids, models
// without a price, profiles for unknown models, subtasks no model can run, and
// negative or non-finite numbers.
#include <string>
#include <vector>

#include "model/input_error.hpp"
#include "model/workflow.hpp"

namespace concord {

/// Every problem found, in document order; empty when the workflow is valid.
std::vector<InputIssue> find_workflow_issues(const Workflow& wf);

/// Throws InputError(source, issues) when find_workflow_issues is not empty.
void validate_workflow(const Workflow& wf, const std::string& source);

/// A cycle through the dependency graph as a list of subtask ids
/// (first == last), or empty when the graph is acyclic. Unknown deps are ignored.
std::vector<std::string> find_cycle(const Workflow& wf);

/// "subtasks[3] \"l1\"" — the field prefix used in messages.
std::string subtask_field(std::size_t index, const std::string& id);

}  // namespace concord
