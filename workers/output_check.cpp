#include "output_check.hpp"

#include <regex.h>

#include <exception>
#include <fmt/format.h>

#include "subprocess.hpp"

namespace concord::workers {
namespace {

// A regex sees at most the first 1 MiB of the output (regexec needs a NUL-terminated copy, and
// POSIX matching time grows with the input); a match past it is not found.
constexpr std::size_t kRegexInputLimit = 1 << 20;
constexpr std::size_t kDetailStderr = 200;  // bytes of a failing command's stderr in `detail`

/// A compiled POSIX extended regex (REG_NOSUB: only "does it match"), freed on destruction.
class CompiledRegex {
 public:
  explicit CompiledRegex(const std::string& pattern) { rc_ = regcomp(&re_, pattern.c_str(), REG_EXTENDED | REG_NOSUB); }
  ~CompiledRegex() {
    if (rc_ == 0) regfree(&re_);
  }
  CompiledRegex(const CompiledRegex&) = delete;
  CompiledRegex& operator=(const CompiledRegex&) = delete;
  /// Empty when compiled, else regerror's text.
  std::string error() const {
    if (rc_ == 0) return {};
    char buf[256];
    regerror(rc_, &re_, buf, sizeof buf);
    return buf;
  }
  bool matches(std::string_view text) const {
    const std::string copy(text.substr(0, kRegexInputLimit));  // NUL-terminated; an inner NUL ends the subject
    return regexec(&re_, copy.c_str(), 0, nullptr, 0) == 0;
  }

 private:
  regex_t re_{};
  int rc_ = 0;
};

std::string one_line(std::string_view text, std::size_t limit) {
  std::string out(text.substr(0, limit));
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

CheckVerdict run_command_check(const CheckSpec& check, std::string_view output) {
  SubprocessOptions options;
  options.command = check.text;
  options.stdin_bytes = std::string(output);
  options.time_limit_s = check.time_limit_s;
  options.stdout_limit = 4096;  // a check's stdout is not used; kept small
  const SubprocessResult r = run_subprocess(options);
  CheckVerdict v;
  if (!r.started) {
    v.detail = "check could not start: " + r.start_error;
  } else if (r.timed_out) {
    v.detail = fmt::format("check killed after its time limit of {} s", check.time_limit_s);
  } else if (!r.exited) {
    v.detail = fmt::format("check killed by signal {}", r.signal);
  } else if (r.exit_code != 0) {
    v.detail = fmt::format("check exit code {}", r.exit_code);
  } else {
    v.passed = true;
    return v;
  }
  if (const std::string err = one_line(r.stderr_excerpt, kDetailStderr); !err.empty()) v.detail += ": " + err;
  return v;
}

}  // namespace

std::string regex_error(const std::string& pattern) {
  try {
    return CompiledRegex(pattern).error();
  } catch (const std::exception& e) {
    return e.what();
  }
}

CheckVerdict run_check(const CheckSpec& check, std::string_view output) {
  try {
    switch (check.kind) {
      case CheckSpec::Kind::none: return {true, {}};
      case CheckSpec::Kind::command: return run_command_check(check, output);
      case CheckSpec::Kind::regex: {
        const CompiledRegex re(check.text);
        if (std::string err = re.error(); !err.empty()) return {false, "invalid regex: " + err};
        if (re.matches(output)) return {true, {}};
        return {false, "no match"};
      }
    }
    return {false, "unknown check kind"};
  } catch (const std::exception& e) {
    return {false, std::string("internal error: ") + e.what()};
  }
}

}  // namespace concord::workers
