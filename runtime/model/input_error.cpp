#include "model/input_error.hpp"

namespace concord {

std::string format_issue(const std::string& source, const InputIssue& issue) {
  std::string out = source;
  for (const std::string* part : {&issue.field, &issue.reason}) {
    if (part->empty()) continue;
    if (!out.empty()) out += ": ";
    out += *part;
  }
  return out;
}

namespace {
std::string join_issues(const std::string& source, const std::vector<InputIssue>& issues) {
  std::string msg;
  for (const auto& issue : issues) {
    if (!msg.empty()) msg += '\n';
    msg += format_issue(source, issue);
  }
  return msg;
}
}  // namespace

InputError::InputError(std::string source, std::vector<InputIssue> issues)
    : std::runtime_error(join_issues(source, issues)), source_(std::move(source)), issues_(std::move(issues)) {}

}  // namespace concord
