#pragma once
// Concord's own workflow file format (JSON), documented in docs/workflow-format.md.
// Readers validate fully: a Workflow they return satisfies validate_workflow().
#include <string>
#include <string_view>

#include "model/workflow.hpp"

namespace concord {

/// Format tag written in every file; readers accept exactly this version.
inline constexpr std::string_view kWorkflowFormat = "concord.workflow/1";

/// Parses and validates. `source` names the input in error messages.
/// Throws InputError.
Workflow parse_workflow_json(std::string_view text, const std::string& source);

/// Reads a file. Throws InputError (also when the file cannot be read).
Workflow read_workflow_file(const std::string& path);

/// Serialises losslessly: parse_workflow_json(write_workflow_json(w)) == w.
std::string write_workflow_json(const Workflow& wf);

/// Writes to a file; throws InputError when it cannot be written.
void write_workflow_file(const Workflow& wf, const std::string& path);

}  // namespace concord
