#pragma once
// The exec kind: one command per sample (docs/workers.md). No CAF, no ZeroMQ.
//
// Per sample the command runs as `/bin/sh -c COMMAND` (subprocess.hpp: own process group, killed on
// time limit or cancel, always reaped) with the prompt on its stdin:
//   - one message: its content, byte for byte;
//   - several: "ROLE: CONTENT" blocks joined by one blank line ("\n\n"), in order, no trailing newline.
// The output is its stdout (at most 1 MiB; more is a failed sample, `truncated`).
// Success iff it exits 0 (a subtask's check may still reject the output later).
// Failures: time limit -> timeout; cancel -> cancelled; the shell cannot start, or the shell's
// 126/127 ("not executable"/"not found") -> exec_failed; other non-zero exit or a signal ->
// exit_status (detail: "exit code N" or "killed by signal N", then the start of stderr);
// token_cap > 0 and the output's estimate above it -> truncated.
// Token estimate (no tokenizer): estimate_tokens(text) = ceil(bytes / 4), for input and output.
// latency_s is the command's real run time.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sample_job.hpp"

namespace concord::workers {

class ExecBackend final : public Backend {
 public:
  explicit ExecBackend(std::string command);
  /// Thread-safe: each call runs its own process.
  SampleOutcome run(const SampleJob& job, const std::atomic<bool>& cancel) override;
  const std::string& command() const { return command_; }

 private:
  std::string command_;  // immutable after construction
};

/// The prompt the exec kind writes on stdin (format above).
std::string render_exec_prompt(const std::vector<ChatMessage>& messages);

/// ceil(bytes / 4): the token estimate of the exec kind (OpenAI's rule of thumb for English).
std::int64_t estimate_tokens(std::string_view text);

}  // namespace concord::workers
