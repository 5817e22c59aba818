#pragma once
// One real `concord node` child process for multi-process tests: started on loopback, its
// address read from its first line of stdout; killed (SIGKILL) and reaped on destruction, and by
// the kernel if the test process dies first (PR_SET_PDEATHSIG).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace concord {

namespace fs = std::filesystem;

/// One `concord node` child process; killed and reaped on destruction.
class NodeProcess {
 public:
  NodeProcess(const std::string& name, const std::vector<std::string>& extra, const fs::path& dir) : name_(name) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    const std::string err_path = (dir / (name + ".stderr")).string();
    err_path_ = err_path;
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      // A test that dies (crash, sanitizer abort, ctest timeout) must not leave nodes behind:
      // the kernel kills the child when the test process ends, however it ends.
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
      chdir(dir.c_str());
      std::vector<std::string> args{CONCORD_BIN, "node", "--name", name, "--listen", "127.0.0.1:0"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
    // The first line names the address: "concord node NAME: listening on HOST:PORT ...".
    const std::string line = read_line(std::chrono::seconds(10));
    std::smatch m;
    if (std::regex_search(line, m, std::regex("listening on ([0-9.]+:[0-9]+)"))) address_ = m[1];
  }
  ~NodeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGCONT);
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  const std::string& address() const { return address_; }
  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  void signal(int sig) { kill(pid_, sig); }
  /// Waits for the process to exit; its exit code, or -1 on timeout.
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
  std::string name_, address_, err_path_;
  pid_t pid_ = -1;
  int out_ = -1;
};

}  // namespace concord
