#pragma once
// A subtask's check: decides whether a sample's output is acceptable (workflow field "check").
// Either a command (the output on its stdin; acceptable iff it exits 0 within its time limit) or
// a POSIX extended regular expression the output must match somewhere. No CAF, no ZeroMQ.
// Running a command blocks the calling thread: actors call it from a detached helper.
#include <string>
#include <string_view>

namespace concord::workers {

struct CheckSpec {
  enum class Kind { none, command, regex };
  Kind kind = Kind::none;
  std::string text;            // the command (run by /bin/sh -c) or the regex
  double time_limit_s = 30;    // command only: killed (and failed) past this many real seconds
  friend bool operator==(const CheckSpec&, const CheckSpec&) = default;
};

struct CheckVerdict {
  bool passed = false;
  std::string detail;  // why not (exit code, signal, timeout, "no match", regex compile error)
};

/// Never throws. Kind::none passes everything.
CheckVerdict run_check(const CheckSpec& check, std::string_view output);

/// Empty when the regex compiles, else the reason (for validation at the boundary).
std::string regex_error(const std::string& pattern);

}  // namespace concord::workers
