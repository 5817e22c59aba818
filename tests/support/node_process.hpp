#pragma once
// One real `concord node` child process for multi-process tests (and bench_gateway_load): started
// on loopback (`--listen 127.0.0.1:0`) in `dir`, its address read from its first line of stdout,
// stderr in dir/NAME.stderr. Killed and reaped on destruction (support/child_process.hpp).
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace concord {

namespace fs = std::filesystem;

class NodeProcess : public testing_support::ChildProcess {
 public:
  NodeProcess(const std::string& name, const std::vector<std::string>& extra, const fs::path& dir)
      : ChildProcess(args(name, extra), (dir / (name + ".stderr")).string(), dir.string()), name_(name) {
    // The first line names the address: "concord node NAME: listening on HOST:PORT ...".
    const std::string line = first_line_ = read_line(std::chrono::seconds(10));
    std::smatch m;
    if (std::regex_search(line, m, std::regex("listening on ([0-9.]+:[0-9]+)"))) address_ = m[1];
  }
  const std::string& address() const { return address_; }
  const std::string& name() const { return name_; }
  const std::string& first_line() const { return first_line_; }

 private:
  static std::vector<std::string> args(const std::string& name, const std::vector<std::string>& extra) {
    std::vector<std::string> a{CONCORD_BIN, "node", "--name", name, "--listen", "127.0.0.1:0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::string name_, address_, first_line_;
};

}  // namespace concord
