#include "exec_backend.hpp"

#include <fmt/format.h>

#include <csignal>
#include <exception>
#include <utility>

#include "subprocess.hpp"

namespace concord::workers {
namespace {

constexpr std::size_t kStdoutLimit = 1 << 20;  // bytes of output kept (1 MiB)
constexpr std::size_t kDetailStderr = 200;     // bytes of stderr quoted in `detail`

/// One line: newlines and tabs become spaces, at most `limit` bytes.
std::string one_line(std::string_view text, std::size_t limit) {
  std::string out(text.substr(0, limit));
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string with_stderr(std::string head, const std::string& stderr_excerpt) {
  const std::string tail = one_line(stderr_excerpt, kDetailStderr);
  if (!tail.empty()) head += ": " + tail;
  return head;
}

}  // namespace

ExecBackend::ExecBackend(std::string command) : command_(std::move(command)) {}

std::string render_exec_prompt(const std::vector<ChatMessage>& messages) {
  if (messages.size() == 1) return messages.front().content;
  std::string out;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) out += "\n\n";
    out += messages[i].role;
    out += ": ";
    out += messages[i].content;
  }
  return out;
}

std::int64_t estimate_tokens(std::string_view text) { return static_cast<std::int64_t>((text.size() + 3) / 4); }

SampleOutcome ExecBackend::run(const SampleJob& job, const std::atomic<bool>& cancel) {
  SampleOutcome out;
  try {
    SubprocessOptions options;
    options.command = command_;
    options.stdin_bytes = render_exec_prompt(job.messages);
    options.time_limit_s = job.time_limit_s;
    options.stdout_limit = kStdoutLimit;
    options.cancel = &cancel;
    out.input_tokens = estimate_tokens(options.stdin_bytes);
    SubprocessResult r = run_subprocess(options);
    out.latency_s = r.elapsed_s > 0 ? r.elapsed_s : 0;
    if (!r.started) {
      out.error = ErrorClass::exec_failed;
      out.detail = r.start_error;
      return out;
    }
    out.output = std::move(r.stdout_bytes);
    out.output_tokens = estimate_tokens(out.output);
    if (r.cancelled) {
      out.error = ErrorClass::cancelled;
      out.detail = "cancelled";
    } else if (r.timed_out) {
      out.error = ErrorClass::timeout;
      out.detail = fmt::format("killed after the time limit of {} s", job.time_limit_s);
    } else if (r.exited && (r.exit_code == 126 || r.exit_code == 127)) {
      out.error = ErrorClass::exec_failed;
      out.detail = with_stderr(fmt::format("exit code {} (the shell could not run the command)", r.exit_code), r.stderr_excerpt);
    } else if (!r.exited) {
      out.error = ErrorClass::exit_status;
      out.detail = with_stderr(fmt::format("killed by signal {}", r.signal), r.stderr_excerpt);
    } else if (r.exit_code != 0) {
      out.error = ErrorClass::exit_status;
      out.detail = with_stderr(fmt::format("exit code {}", r.exit_code), r.stderr_excerpt);
    } else if (r.stdout_truncated) {
      out.error = ErrorClass::truncated;
      out.detail = fmt::format("stdout exceeded {} bytes", kStdoutLimit);
    } else if (job.token_cap > 0 && out.output_tokens > job.token_cap) {
      out.error = ErrorClass::truncated;
      out.detail = fmt::format("output estimated at {} tokens, above the cap of {}", out.output_tokens, job.token_cap);
    } else {
      out.success = true;
    }
  } catch (const std::exception& e) {  // std::bad_alloc: the boundary never throws
    out = SampleOutcome{};
    out.error = ErrorClass::exec_failed;
    out.detail = std::string("internal error: ") + e.what();
  }
  return out;
}

}  // namespace concord::workers
