#pragma once
// Errors in user input (files, flags). Every message names the source (file or
// flag), the field (a JSON-path-like location) and the reason, e.g.
//   examples/x.json: subtasks[2] "l1".deps[0]: unknown subtask "l9"
// The CLI maps InputError to exit code 2.
#include <stdexcept>
#include <string>
#include <vector>

namespace concord {

struct InputIssue {
  std::string field;   // e.g. models[1].usd_per_mtok_out
  std::string reason;  // e.g. "missing: every model needs a price"
};

class InputError : public std::runtime_error {
 public:
  InputError(std::string source, std::vector<InputIssue> issues);
  InputError(std::string source, std::string field, std::string reason)
      : InputError(std::move(source), std::vector<InputIssue>{{std::move(field), std::move(reason)}}) {}

  const std::string& source() const { return source_; }
  const std::vector<InputIssue>& issues() const { return issues_; }

 private:
  std::string source_;
  std::vector<InputIssue> issues_;
};

/// "source: field: reason" (field omitted when empty).
std::string format_issue(const std::string& source, const InputIssue& issue);

}  // namespace concord
