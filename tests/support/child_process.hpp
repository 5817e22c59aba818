#pragma once
// A child process for tests: ARGS run verbatim (argv[0] a path), stdout read line by line through a
// pipe, stderr to a file. Killed (SIGKILL) and reaped on destruction, and by the kernel if the test
// process dies first (PR_SET_PDEATHSIG). Every wait is bounded by its timeout.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace concord::testing_support {

class ChildProcess {
 public:
  /// `workdir` empty: the test's working directory.
  ChildProcess(std::vector<std::string> args, const std::string& err_path, const std::string& workdir = "") : err_path_(err_path) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      // A test that dies (crash, sanitizer abort, ctest timeout) must not leave children behind.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(126);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);  // the child starts with a clean signal mask
      ::signal(SIGTERM, SIG_DFL);
      ::signal(SIGINT, SIG_DFL);
      dup2(out[1], STDOUT_FILENO);
      const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(err, STDERR_FILENO);
      close(out[0]);
      if (!workdir.empty() && chdir(workdir.c_str()) != 0) _exit(125);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGCONT);
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) { kill(pid_, sig); }
  /// The exit code once the process ends (128 + signal if killed), -1 on timeout.
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      usleep(10000);
    }
    return -1;
  }
  std::string stderr_text() const {
    std::ifstream in(err_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  /// The next line of stdout (without its newline), or what came before the timeout.
  std::string read_line(std::chrono::milliseconds timeout) {
    std::string line;
    const auto until = std::chrono::steady_clock::now() + timeout;
    char c;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      if (read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }

 private:
  std::string err_path_;
  pid_t pid_ = -1;
  int out_ = -1;
};

/// A process's resident memory (VmRSS, KiB), or -1 when it cannot be read.
inline long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace concord::testing_support
