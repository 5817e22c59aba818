#pragma once
// Runs one command to completion under a real-time limit, with bounded capture. No CAF, no ZeroMQ.
//
// The command runs as `SHELL -c COMMAND` (SHELL = /bin/sh) in a process group of its own, with
// `stdin_bytes` on its stdin (then EOF), stdout captured up to `stdout_limit` bytes (the rest is
// read and dropped, `stdout_truncated` says so) and the first `stderr_limit` bytes of stderr kept.
// The child starts with an empty signal mask, default dispositions and no inherited descriptor
// other than 0, 1 and 2.
//
// Invariants on return (every path, including timeout and cancel):
//   (1) the child is reaped (no zombie) and every process still in its group got SIGKILL before the
//       reap (a grandchild that left the group with setsid/setpgid is out of reach);
//   (2) every descriptor opened here is closed;
//   (3) the calling thread's signal mask is as it was, and no SIGPIPE was delivered to the process
//       (a child that does not read its stdin is fine: the write sees EPIPE and stops).
// Timeout or cancel: SIGTERM to the group, SIGKILL 200 ms later if the group leader still runs.
// When the leader exits while its descendants hold stdout/stderr open, those are read for at most
// 200 ms more, then the group is killed.
//
// Thread safety: may be called from several threads at once. Blocks the calling thread.
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace concord::workers {

struct SubprocessOptions {
  std::string command;                     // given to the shell's -c
  std::string stdin_bytes;                 // written to the child's stdin, then closed
  double time_limit_s = 0;                 // real seconds; <= 0: none
  std::size_t stdout_limit = 1 << 20;      // bytes kept from stdout (1 MiB)
  std::size_t stderr_limit = 4096;         // bytes kept from the start of stderr
  const std::atomic<bool>* cancel = nullptr;  // polled every <= 20 ms; true: kill and return
  std::string shell = "/bin/sh";           // the interpreter (tests use a missing one)
};

struct SubprocessResult {
  bool started = false;       // false: the shell could not be started (`start_error` says why)
  std::string start_error;
  pid_t pid = -1;             // the child's pid = its process group id (already reaped)
  bool exited = false;        // true: `exit_code` is valid; false and started: `signal` killed it
  int exit_code = -1;
  int signal = 0;
  bool timed_out = false;
  bool cancelled = false;
  std::string stdout_bytes;   // at most stdout_limit bytes
  bool stdout_truncated = false;
  std::string stderr_excerpt; // at most stderr_limit bytes
  double elapsed_s = 0;       // real seconds from start to reap
};

/// Never throws except std::bad_alloc.
SubprocessResult run_subprocess(const SubprocessOptions& options);

}  // namespace concord::workers
