#pragma once
// SIGINT/SIGTERM during `concord run`: the handler only records the signal in lock-free
// atomics (async-signal-safe); the simulator polls the flag (EpisodeConfig::stop) and the
// cluster's watcher tells the workflow actor to stop. The run then prints its partial report
// and exits 130 (SIGINT) or 143 (SIGTERM). A second signal while stopping kills the process
// with the default action (for a run that does not stop quickly enough).
#include <atomic>

namespace concord::cli {

class InterruptScope {
 public:
  /// Installs the handlers (one scope at a time); the destructor restores the previous ones.
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  /// Becomes true when SIGINT or SIGTERM arrives.
  const std::atomic<bool>* flag() const;
  /// The signal received (SIGINT or SIGTERM), 0 if none.
  int signal() const;
};

/// 128 + signal: 130 for SIGINT, 143 for SIGTERM (nodes/cli/exit_codes.hpp).
int exit_code_for_signal(int sig);

}  // namespace concord::cli
