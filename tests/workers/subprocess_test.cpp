// workers/subprocess: exit codes, bounded capture, time limit and cancel kill the whole group,
// no SIGPIPE death, no descriptor leak.
#include "subprocess.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace concord::workers {
namespace {

SubprocessResult run(const std::string& command, std::string input = {}, double limit_s = 10) {
  SubprocessOptions o;
  o.command = command;
  o.stdin_bytes = std::move(input);
  o.time_limit_s = limit_s;
  return run_subprocess(o);
}

int open_fd_count() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) ++n;
    closedir(d);
  }
  return n;
}

/// True when a live (not zombie) process is in group `pgid`, scanning /proc/PID/stat.
bool live_member(pid_t pgid) {
  bool found = false;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
      std::string stat((std::istreambuf_iterator<char>(in)), {});
      const auto close_paren = stat.rfind(')');  // after "PID (COMM)": STATE PPID PGRP
      if (close_paren == std::string::npos) continue;
      std::istringstream rest(stat.substr(close_paren + 1));
      char state = 0;
      long ppid = 0, pgrp = 0;
      if ((rest >> state >> ppid >> pgrp) && pgrp == pgid && state != 'Z') found = true;
    }
    closedir(d);
  }
  return found;
}

/// True when a live process is still in group `pgid` after `grace`: SIGKILL is asynchronous, and
/// an orphaned grandchild is reaped by init (a zombie until then, which counts as gone).
bool group_alive(pid_t pgid, std::chrono::milliseconds grace = std::chrono::milliseconds(1000)) {
  const auto until = std::chrono::steady_clock::now() + grace;
  while (live_member(pgid)) {
    if (std::chrono::steady_clock::now() >= until) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(Subprocess, ReportsExitCodeStdoutAndStderr) {
  const auto r = run("printf hello; printf oops >&2; exit 3");
  ASSERT_TRUE(r.started) << r.start_error;
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.stdout_bytes, "hello");
  EXPECT_EQ(r.stderr_excerpt, "oops");
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.cancelled);
  EXPECT_GE(r.elapsed_s, 0);
}

TEST(Subprocess, FeedsStdin) {
  std::string input(300000, 'x');
  input += "end";
  const auto r = run("cat", input);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_bytes, input);
}

TEST(Subprocess, ReportsASignalDeath) {
  const auto r = run("kill -9 $$");
  EXPECT_FALSE(r.exited);
  EXPECT_EQ(r.signal, SIGKILL);
}

TEST(Subprocess, BoundsStdoutAndFlagsTheExcess) {
  SubprocessOptions o;
  o.command = "head -c 3000000 /dev/zero; exit 0";
  o.stdout_limit = 1 << 20;
  const auto r = run_subprocess(o);
  EXPECT_EQ(r.exit_code, 0);  // the excess was read (the child never blocked) and dropped
  EXPECT_EQ(r.stdout_bytes.size(), std::size_t{1} << 20);
  EXPECT_TRUE(r.stdout_truncated);
  const auto small = run("printf abc");
  EXPECT_FALSE(small.stdout_truncated);
}

TEST(Subprocess, AMissingShellIsNotStarted) {
  SubprocessOptions o;
  o.command = "true";
  o.shell = "/nonexistent/sh";
  const auto r = run_subprocess(o);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.start_error.find("/nonexistent/sh"), std::string::npos) << r.start_error;
}

TEST(Subprocess, TimeLimitKillsTheCommandQuickly) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run("sleep 30", {}, 0.3);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.exited);
  EXPECT_LT(took, 1.5);
  EXPECT_GE(took, 0.29);
  EXPECT_FALSE(group_alive(r.pid));
}

TEST(Subprocess, TimeLimitKillsTheWholeGroup) {
  // The inner shell waits on a background sleep that holds stdout: both must die.
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run("sh -c 'sleep 30 & wait'", {}, 0.3);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(took, 1.5);
  EXPECT_FALSE(group_alive(r.pid)) << "a process of the group survived";
}

TEST(Subprocess, DescendantsLeftBehindAreKilled) {
  // The leader exits at once; its background child keeps stdout open for 30 s.
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run("sleep 30 & exit 0");
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(took, 1.5);
  EXPECT_FALSE(group_alive(r.pid));
}

TEST(Subprocess, CancelFromAnotherThreadReturnsWithin200ms) {
  std::atomic<bool> cancel{false};
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    cancelled_at = std::chrono::steady_clock::now();
    cancel = true;
  });
  SubprocessOptions o;
  o.command = "sh -c 'sleep 30 & wait'";
  o.cancel = &cancel;
  const auto r = run_subprocess(o);
  const auto returned = std::chrono::steady_clock::now();
  canceller.join();
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(std::chrono::duration<double>(returned - cancelled_at).count(), 0.2);
  EXPECT_FALSE(group_alive(r.pid));
}

TEST(Subprocess, AChildThatDoesNotReadItsStdinDoesNotKillUs) {
  // SIGPIPE's default action would end this test process; EPIPE must stop the write instead.
  const std::string input(1 << 20, 'y');
  for (const char* command : {"exit 0", "exec 0<&-; sleep 0.1; printf done", "head -c 10 >/dev/null; printf done"}) {
    const auto r = run(command, input);
    EXPECT_TRUE(r.exited) << command;
    EXPECT_EQ(r.exit_code, 0) << command;
  }
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGPIPE)) << "a SIGPIPE was left pending";
}

TEST(Subprocess, LeaksNoDescriptorOverManyRuns) {
  const int before = open_fd_count();
  std::atomic<bool> cancel{true};
  for (int i = 0; i < 50; ++i) {
    SubprocessOptions o;
    o.command = i % 5 == 0 ? "sleep 5" : "cat; echo err >&2; exit 1";
    o.stdin_bytes = i % 2 == 0 ? std::string(100000, 'z') : std::string();
    o.time_limit_s = 5;
    o.cancel = i % 5 == 0 ? &cancel : nullptr;
    const auto r = run_subprocess(o);
    ASSERT_TRUE(r.started);
  }
  EXPECT_EQ(open_fd_count(), before);
}

}  // namespace
}  // namespace concord::workers
