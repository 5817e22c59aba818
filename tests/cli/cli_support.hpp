#pragma once
// Helpers of the end-to-end CLI tests: run `concord ARGS` and capture its output
// and exit code; a temporary folder removed at the end of a test.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace concord::cli_testing {

struct Outcome {
  int code = -1;
  std::string output;  // stdout and stderr
};

/// Runs `concord ARGS` from the source folder (so relative example paths work); with a limit
/// (seconds, > 0) it is killed (SIGKILL) after that long and the code is 137.
inline Outcome concord(const std::string& args, int limit_s = 0) {
  const std::string limit = limit_s > 0 ? "timeout -s KILL " + std::to_string(limit_s) + " " : "";
  const std::string cmd = "cd '" CONCORD_SOURCE_DIR "' && CONCORD_DATASETS='" CONCORD_DATASETS_DIR "' " + limit + "'" CONCORD_BIN "' " + args + " 2>&1";
  Outcome out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.output.append(buf.data(), n);
  const int status = pclose(pipe);
  out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

/// A temporary folder, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "concord-cli-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& content) const {
    const auto p = path_ / name;
    std::ofstream(p) << content;
    return p.string();
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace concord::cli_testing
