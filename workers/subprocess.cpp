#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <tuple>
#include <utility>

extern char** environ;

namespace concord::workers {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(20);  // cancel and deadline granularity
constexpr auto kKillGrace = std::chrono::milliseconds(200);    // SIGTERM -> SIGKILL
constexpr auto kDrainGrace = std::chrono::milliseconds(200);   // leader gone, pipes still open
constexpr std::size_t kChunk = 64 * 1024;                      // bytes per read/write call

/// An owned file descriptor (-1: none); closed on destruction.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);  // not retried on EINTR: Linux always releases the descriptor
    fd_ = -1;
  }

 private:
  int fd_;
};

bool make_pipe(Fd& read_end, Fd& write_end) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return false;
  read_end = Fd(p[0]);
  write_end = Fd(p[1]);
  return true;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

/// write(2) that never lets a SIGPIPE reach the process: SIGPIPE is blocked in this thread for the
/// call, and one raised by it (EPIPE, not already pending before) is consumed with sigtimedwait.
/// The thread's mask is restored before returning. `err` receives errno when the result is < 0.
ssize_t write_without_sigpipe(int fd, const char* data, std::size_t size, int& err) {
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t old_mask;
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  sigset_t pending;
  sigemptyset(&pending);
  ::sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  ssize_t n;
  do {
    n = ::write(fd, data, size);
  } while (n < 0 && errno == EINTR);
  err = n < 0 ? errno : 0;
  if (n < 0 && err == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    while (::sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  return n;
}

/// Appends up to `limit` bytes in total; returns false when some were dropped.
bool append_bounded(std::string& to, const char* data, std::size_t size, std::size_t limit) {
  const std::size_t room = to.size() < limit ? limit - to.size() : 0;
  to.append(data, size < room ? size : room);
  return size <= room;
}

/// Starts SHELL -c COMMAND in a new process group with the given pipe ends as 0, 1, 2.
/// Returns 0 and sets `pid`, or the errno of the failure.
int spawn_shell(const SubprocessOptions& o, int in_fd, int out_fd, int err_fd, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  if (int rc = posix_spawn_file_actions_init(&actions); rc != 0) return rc;
  posix_spawnattr_t attr;
  if (int rc = posix_spawnattr_init(&attr); rc != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return rc;
  }
  int rc = posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  // Descriptors another thread opened without O_CLOEXEC do not leak into the command.
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (rc == 0) rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (rc == 0) rc = posix_spawnattr_setpgroup(&attr, 0);  // its own group: pgid = its pid
  sigset_t none;
  sigemptyset(&none);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2, SIGXFSZ, SIGTSTP, SIGTTIN, SIGTTOU})
    sigaddset(&defaults, sig);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &defaults);
  if (rc == 0) {
    std::string arg0 = "sh", arg1 = "-c", command = o.command;
    char* argv[] = {arg0.data(), arg1.data(), command.data(), nullptr};
    rc = ::posix_spawn(&pid, o.shell.c_str(), &actions, &attr, argv, environ);
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}

/// True once `pid` has terminated; it is left a zombie (WNOWAIT) so its pid, which is also the
/// group id, cannot be reused before the group is signalled.
bool has_exited(pid_t pid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno == ECHILD;
  return info.si_pid == pid;
}

}  // namespace

SubprocessResult run_subprocess(const SubprocessOptions& o) {
  SubprocessResult r;
  const auto start = Clock::now();
  Fd in_r, in_w, out_r, out_w, err_r, err_w;
  if (!make_pipe(in_r, in_w) || !make_pipe(out_r, out_w) || !make_pipe(err_r, err_w)) {
    r.start_error = std::string("pipe2: ") + std::strerror(errno);
    return r;
  }
  pid_t pid = -1;
  if (int rc = spawn_shell(o, in_r.get(), out_w.get(), err_w.get(), pid); rc != 0) {
    r.start_error = o.shell + ": " + std::strerror(rc);
    return r;
  }
  r.started = true;
  r.pid = pid;
  in_r.reset();
  out_w.reset();
  err_w.reset();
  set_nonblocking(in_w.get());
  set_nonblocking(out_r.get());
  set_nonblocking(err_r.get());
  if (o.stdin_bytes.empty()) in_w.reset();
  // Readable when the child terminates (Linux >= 5.3); without it, exit is seen within 20 ms.
  Fd exit_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  const bool has_deadline = o.time_limit_s > 0;
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(has_deadline ? o.time_limit_s : 0));
  std::size_t written = 0;
  bool leader_exited = false, term_sent = false, kill_sent = false;
  Clock::time_point leader_exit_time{}, term_time{};
  char buf[kChunk];

  for (;;) {
    if (!leader_exited && has_exited(pid)) {
      leader_exited = true;
      leader_exit_time = Clock::now();
    }
    const auto now = Clock::now();
    if (!term_sent && !leader_exited) {
      if (o.cancel != nullptr && o.cancel->load(std::memory_order_relaxed)) r.cancelled = true;
      else if (has_deadline && now >= deadline) r.timed_out = true;
      if (r.cancelled || r.timed_out) {
        ::kill(-pid, SIGTERM);
        term_sent = true;
        term_time = now;
      }
    }
    if (term_sent && !kill_sent && (leader_exited || now - term_time >= kKillGrace)) {
      ::kill(-pid, SIGKILL);
      kill_sent = true;
    }
    if (leader_exited) {
      const bool drained = !out_r.open() && !err_r.open();
      if (drained || kill_sent || now - leader_exit_time >= kDrainGrace) break;
    }

    pollfd fds[4];
    nfds_t n = 0;
    int in_i = -1, out_i = -1, err_i = -1;
    if (in_w.open()) fds[in_i = static_cast<int>(n++)] = {in_w.get(), POLLOUT, 0};
    if (out_r.open()) fds[out_i = static_cast<int>(n++)] = {out_r.get(), POLLIN, 0};
    if (err_r.open()) fds[err_i = static_cast<int>(n++)] = {err_r.get(), POLLIN, 0};
    if (exit_fd.open() && !leader_exited) fds[n++] = {exit_fd.get(), POLLIN, 0};
    int wait_ms = static_cast<int>(kPollInterval.count());
    if (has_deadline && !term_sent) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      if (left < wait_ms) wait_ms = static_cast<int>(left < 0 ? 0 : left);
    }
    if (::poll(fds, n, wait_ms) < 0) continue;  // EINTR (or ENOMEM): the loop re-checks everything

    if (in_i >= 0 && fds[in_i].revents != 0) {
      if (fds[in_i].revents & POLLOUT) {
        const std::size_t left = o.stdin_bytes.size() - written;
        int err = 0;
        const ssize_t w = write_without_sigpipe(in_w.get(), o.stdin_bytes.data() + written, left < kChunk ? left : kChunk, err);
        if (w > 0) written += static_cast<std::size_t>(w);
        if (written == o.stdin_bytes.size() || (w < 0 && err != EAGAIN)) in_w.reset();  // done, or EPIPE: not read
      } else {
        in_w.reset();  // POLLERR/POLLHUP: nobody reads
      }
    }
    for (auto [i, fd, to, limit, is_out] : {std::tuple{out_i, &out_r, &r.stdout_bytes, o.stdout_limit, true},
                                            std::tuple{err_i, &err_r, &r.stderr_excerpt, o.stderr_limit, false}}) {
      if (i < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fd->get(), buf, sizeof buf);
      if (got > 0) {
        if (!append_bounded(*to, buf, static_cast<std::size_t>(got), limit) && is_out) r.stdout_truncated = true;
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        fd->reset();
      }
    }
  }

  if (!kill_sent) ::kill(-pid, SIGKILL);  // descendants left in the group (the leader is a zombie)
  int status = 0;
  pid_t reaped;
  do {
    reaped = ::waitpid(pid, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == pid) {
    if (WIFEXITED(status)) {
      r.exited = true;
      r.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      r.signal = WTERMSIG(status);
    }
  }
  r.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

}  // namespace concord::workers
