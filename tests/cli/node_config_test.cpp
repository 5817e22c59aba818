// `concord node --config FILE`: the [node] section (what deploy/systemd/concord-node@.service
// and the Kubernetes ConfigMap rely on), its errors (exit 2 naming file, field and reason),
// and a clean stop on SIGTERM (exit 0), as systemd and Kubernetes stop a node.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_support.hpp"
#include "support/child_process.hpp"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

namespace {

using ::testing::HasSubstr;
using concord::cli_testing::concord;
using concord::cli_testing::TempDir;

constexpr const char* kWorkers = R"({"workers": [{"model": "goedel8b", "count": 3}]})";

/// `concord node ARGS` in the background (support/child_process.hpp).
class Node : public concord::testing_support::ChildProcess {
 public:
  Node(const std::vector<std::string>& extra, const std::string& err_path) : ChildProcess(args(extra), err_path) {}

 private:
  static std::vector<std::string> args(const std::vector<std::string>& extra) {
    std::vector<std::string> a{CONCORD_BIN, "node"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST(NodeConfigFile, NodeSectionConfiguresListenWorkersAndTimeScale) {
  TempDir dir;
  dir.file("workers.json", kWorkers);
  // A relative workers path is relative to the INI file's folder, not to the working directory.
  const std::string ini = dir.file("a.ini", "; a node\n[node]\nlisten=\"127.0.0.1:0\"  ; any port\nseeds=[]\n"
                                            "workers=\"workers.json\"\ntime-scale=50\n[scheduler]\nmax-threads=1\n");
  Node node({"--name", "a", "--config", ini}, dir.path("a.err"));
  const std::string line = node.read_line(std::chrono::seconds(10));
  EXPECT_THAT(line, HasSubstr("listening on 127.0.0.1:")) << line;
  EXPECT_THAT(line, HasSubstr("(3 workers,")) << line;
  node.signal(SIGTERM);
  EXPECT_EQ(node.wait_exit(std::chrono::seconds(10)), 0);
}

TEST(NodeConfigFile, SigtermStopsTheNodeCleanlyWithExitCode0) {
  TempDir dir;
  dir.file("workers.json", kWorkers);
  const std::string ini = dir.file("a.ini", "[node]\nlisten=\"127.0.0.1:0\"\nworkers=\"workers.json\"\n");
  Node node({"--name", "a", "--config", ini}, dir.path("a.err"));
  ASSERT_THAT(node.read_line(std::chrono::seconds(10)), HasSubstr("listening on"));
  const auto t0 = std::chrono::steady_clock::now();
  node.signal(SIGTERM);
  EXPECT_THAT(node.read_line(std::chrono::seconds(5)), HasSubstr("stopping (signal 15)"));
  EXPECT_EQ(node.wait_exit(std::chrono::seconds(10)), 0);
  // systemd's TimeoutStopSec (20 s) and Kubernetes' grace period (30 s) are far above this.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(NodeConfigFile, FlagsWinOverTheNodeSection) {
  TempDir dir;
  dir.file("workers.json", kWorkers);
  dir.file("two.json", R"({"workers": [{"model": "goedel8b", "count": 2}]})");
  // The file names another (loopback) address: the flag must be the one used.
  const std::string ini = dir.file("a.ini", "[node]\nlisten=\"127.0.0.2:7000\"\nworkers=\"workers.json\"\ntime-scale=5\n");
  Node node({"--name", "a", "--config", ini, "--listen", "127.0.0.1:0", "--workers", dir.path("two.json")}, dir.path("a.err"));
  const std::string line = node.read_line(std::chrono::seconds(10));
  EXPECT_THAT(line, HasSubstr("listening on 127.0.0.1:")) << line;
  EXPECT_THAT(line, HasSubstr("(2 workers,")) << line;
  node.signal(SIGTERM);
  EXPECT_EQ(node.wait_exit(std::chrono::seconds(10)), 0);
}

TEST(NodeConfigFile, SeedsFromTheFileAreJoined) {
  TempDir dir;
  dir.file("workers.json", kWorkers);
  const std::string seed_ini = dir.file("a.ini", "[node]\nlisten=\"127.0.0.1:0\"\nworkers=\"workers.json\"\n");
  Node seed({"--name", "a", "--config", seed_ini}, dir.path("a.err"));
  std::smatch m;
  const std::string line = seed.read_line(std::chrono::seconds(10));
  ASSERT_TRUE(std::regex_search(line, m, std::regex("listening on ([0-9.]+:[0-9]+)"))) << line;
  const std::string b_ini =
      dir.file("b.ini", "[node]\nlisten=\"127.0.0.1:0\"\nseeds=[\"" + m[1].str() + "\"]\nworkers=\"workers.json\"\n");
  Node b({"--name", "b", "--config", b_ini}, dir.path("b.err"));
  EXPECT_THAT(b.read_line(std::chrono::seconds(10)), HasSubstr("listening on"));
  EXPECT_THAT(b.read_line(std::chrono::seconds(10)), HasSubstr("member a"));
  b.signal(SIGTERM);
  seed.signal(SIGTERM);
  EXPECT_EQ(b.wait_exit(std::chrono::seconds(10)), 0);
  EXPECT_EQ(seed.wait_exit(std::chrono::seconds(10)), 0);
}

TEST(NodeConfigFile, BadNodeSettingsNameTheFileFieldAndReason) {
  TempDir dir;
  const struct {
    const char* content;
    const char* message;
    bool names_ini = true;  // false: the error is the workers file's (it names that file)
  } cases[] = {
      {"[node]\nlisten=\"nowhere\"\n", "node.listen: \"nowhere\": expected HOST:PORT"},
      {"[node]\nlisten=\"127.0.0.1:70000\"\n", "node.listen: \"127.0.0.1:70000\": expected HOST:PORT"},
      {"[node]\nseeds=[\"127.0.0.1:7000\", \"x\"]\n", "node.seeds[1]: \"x\": expected HOST:PORT"},
      {"[node]\nseeds=[\"127.0.0.1:7000\"\n", "node.seeds: expected [\"HOST:PORT\", ...]"},
      {"[node]\ntime-scale=0.5\n", "node.time-scale: expected simulated seconds per real second in 1..10000000"},
      {"[node]\ntime-scale=fast\n", "node.time-scale: expected simulated seconds per real second"},
      {"[node]\nworkers=\"\"\n", "node.workers: empty file name"},
      {"[node]\nworkers=\"missing.json\"\n", "/missing.json: ", false},
      {"[node]\ngateway=\"tcp://0.0.0.0:5555\"\n", "node.gateway (line 2): unknown option"},
      {"[node]\ninsecure=yes\n", "node.insecure: expected true or false"},
      {"[node]\ndata-dir=\"\"\n", "node.data-dir: empty folder name"},
      {"[nodes]\nlisten=\"127.0.0.1:0\"\n", "line 1: unknown section [nodes] (known: node, scheduler, middleman, logger)"},
  };
  for (const auto& c : cases) {
    const std::string ini = dir.file("bad.ini", c.content);
    const auto r = concord("node --name a --config '" + ini + "'");
    EXPECT_EQ(r.code, 2) << c.content << r.output;
    if (c.names_ini) {
      EXPECT_THAT(r.output, HasSubstr(ini)) << c.content;
    }
    EXPECT_THAT(r.output, HasSubstr(c.message)) << c.content;
  }
}

// A cluster port outside loopback takes any peer's messages: the node needs TLS or an explicit
// --insecure ([node] insecure=true), else it refuses to start (exit 2) and says so.
TEST(NodeConfigFile, ANonLoopbackListenAddressNeedsTlsOrInsecure) {
  TempDir dir;
  dir.file("workers.json", kWorkers);
  for (const std::string& how : {std::string("--listen 0.0.0.0:0"), "--config '" +
                                                          dir.file("plain.ini", "[node]\nlisten=\"127.0.0.1:0\"\n") + "' --listen 0.0.0.0:0",
                                "--config '" + dir.file("any.ini", "[node]\nlisten=\"0.0.0.0:0\"\n") + "'"}) {
    // A node that starts (the rule broken) would run until stopped: `timeout` ends it (exit 124).
    const auto r = concord("node --help >/dev/null && timeout -s KILL 10 '" CONCORD_BIN "' node --name a " + how);
    EXPECT_EQ(r.code, 2) << how << r.output;
    EXPECT_THAT(r.output, HasSubstr("--listen")) << how;
    EXPECT_THAT(r.output, HasSubstr("\"0.0.0.0:0\" is not a loopback address: give the cluster TLS (--tls-cert, --tls-key, --tls-ca) "
                                    "or pass --insecure"))
        << how << r.output;
  }
  const auto started = [&](const std::vector<std::string>& args, const std::string& expect) {
    std::vector<std::string> a{"--name", "a", "--workers", dir.path("workers.json")};
    a.insert(a.end(), args.begin(), args.end());
    Node node(a, dir.path("a.err"));
    const std::string line = node.read_line(std::chrono::seconds(10));
    EXPECT_THAT(line, HasSubstr(expect)) << line;
    node.signal(SIGTERM);
    EXPECT_EQ(node.wait_exit(std::chrono::seconds(10)), 0);
  };
  started({"--listen", "0.0.0.0:0", "--insecure"}, "listening on 0.0.0.0:");
  started({"--config", dir.file("ok.ini", "[node]\nlisten=\"0.0.0.0:0\"\ninsecure=true\n")}, "listening on 0.0.0.0:");
  started({"--listen", "127.0.0.9:0"}, "listening on 127.0.0.9:");  // loopback: no TLS needed
  ASSERT_EQ(std::system(("'" CONCORD_SOURCE_DIR "/deploy/tls/make-ca.sh' '" + dir.path("tls") + "' a >/dev/null 2>&1").c_str()), 0);
  started({"--listen", "0.0.0.0:0", "--tls-cert", dir.path("tls/a.pem"), "--tls-key", dir.path("tls/a.key"), "--tls-ca", dir.path("tls/ca.pem")},
          "mutual TLS");
}

// --data-dir ([node] data-dir, relative to the INI file's folder): validated before anything
// starts, errors naming the option and the reason (exit 2); one node per folder.
TEST(NodeConfigFile, DataDirIsValidatedAndUsedByOneNodeAtATime) {
  TempDir dir;
  const std::string bin = "timeout -s KILL 10 '" CONCORD_BIN "' node --name a ";
  const std::string gw = " --gateway tcp://127.0.0.1:0";
  auto r = concord("node --help >/dev/null && " + bin + "--data-dir '" + dir.path("d") + "'");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--data-dir: needs --gateway"));
  dir.file("plain-file", "x");
  r = concord("node --help >/dev/null && " + bin + "--data-dir '" + dir.path("plain-file") + "'" + gw);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--data-dir: " + dir.path("plain-file") + ": exists and is not a directory"));
  // From the INI file, relative to its folder: the node starts, creates and locks the folder.
  const std::string ini = dir.file("a.ini", "[node]\nlisten=\"127.0.0.1:0\"\ndata-dir=\"state/ledgers\"\n");
  Node node({"--name", "a", "--config", ini, "--gateway", "tcp://127.0.0.1:0"}, dir.path("a.err"));
  ASSERT_THAT(node.read_line(std::chrono::seconds(10)), HasSubstr("listening on"));
  EXPECT_TRUE(std::ifstream(dir.path("state/ledgers/LOCK")).good());
  r = concord("node --help >/dev/null && " + bin + "--data-dir '" + dir.path("state/ledgers") + "'" + gw);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("in use by another process"));
  node.signal(SIGTERM);
  EXPECT_EQ(node.wait_exit(std::chrono::seconds(10)), 0);
}

TEST(NodeConfigFile, TenantsFileIsValidatedNamingFileFieldAndReason) {
  // `concord node --tenants FILE` (docs/negotiation.md "Actors"): every bad value is refused with
  // exit code 2 before the node starts, naming the file, the field and the reason.
  TempDir dir;
  // A value wrongly accepted would start the node: it is killed after 5 s (then the exit code is 137).
  const std::string bin = "node --help >/dev/null && timeout -s KILL 5 '" CONCORD_BIN "' node --name a --tenants ";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"tenants": []})", "tenants: empty"},
      {R"({"tenant": []})", "tenant: unknown field (expected one of: tenants)"},
      {R"({"tenants": [{"budget_usd": 1}]})", "tenants[0].name: missing required field"},
      {R"({"tenants": [{"name": "", "budget_usd": 1}]})", "tenants[0].name: must be 1..64 characters"},
      {R"({"tenants": [{"name": "a b", "budget_usd": 1}]})", "tenants[0].name: \"a b\": only letters, digits"},
      {R"({"tenants": [{"name": "acme"}]})", "tenants[0].budget_usd: missing required field"},
      {R"({"tenants": [{"name": "acme", "budget_usd": -1}]})", "tenants[0].budget_usd: dollars per period must be in 0..1000000 (got -1)"},
      {R"({"tenants": [{"name": "acme", "budget_usd": "5"}]})", "tenants[0].budget_usd: expected a number, got string"},
      {R"({"tenants": [{"name": "acme", "budget_usd": 1, "period_s": 0}]})", "tenants[0].period_s: seconds per period must be in (0, "},
      {R"({"tenants": [{"name": "acme", "budget_usd": 1, "lease_s": 0.01}]})", "tenants[0].lease_s: seconds must be in 0.1..86400 (got 0.01)"},
      {R"({"tenants": [{"name": "acme", "budget_usd": 1, "lease": 5}]})", "tenants[0].lease: unknown field"},
      {R"({"tenants": [{"name": "acme", "budget_usd": 1}, {"name": "acme", "budget_usd": 2}]})",
       "tenants[1].name: \"acme\" is already tenants[0]: a tenant is listed once"},
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const std::string file = dir.file("t" + std::to_string(i) + ".json", bad[i].first);
    const auto r = concord(bin + "'" + file + "'");
    EXPECT_EQ(r.code, 2) << bad[i].first << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(file + ": " + bad[i].second)) << bad[i].first;
  }
  auto r = concord(bin + "'" + dir.path("missing.json") + "'");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(dir.path("missing.json")));
  // A good file, from the INI file (relative to its folder): the node starts and reports the tenant.
  dir.file("tenants.json", R"({"tenants": [{"name": "acme", "budget_usd": 2.5, "period_s": 3600, "lease_s": 10}]})");
  const std::string ini = dir.file("a.ini", "[node]\nlisten=\"127.0.0.1:0\"\ntenants=\"tenants.json\"\n");
  Node node({"--name", "a", "--config", ini}, dir.path("a.err"));
  ASSERT_THAT(node.read_line(std::chrono::seconds(10)), HasSubstr("listening on"));
  EXPECT_THAT(node.read_line(std::chrono::seconds(10)), HasSubstr("tenant acme: $2.500000 per period of 3600 s, lease 10 s"));
  node.signal(SIGTERM);
  EXPECT_EQ(node.wait_exit(std::chrono::seconds(10)), 0);
}

TEST(NodeConfigFile, WorkerSlotsAreValidatedNamingFileFieldAndReason) {
  // A workers file's optional "slots" (samples one worker runs at once): 1..1024, an integer;
  // anything else is refused with exit code 2 before the node starts, naming file, field, reason.
  TempDir dir;
  // A value wrongly accepted would start the node: it is killed after 5 s (then the exit code is 137).
  const std::string bin = "node --help >/dev/null && timeout -s KILL 5 '" CONCORD_BIN "' node --name a --listen 127.0.0.1:0 --workers ";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"workers": [{"model": "m", "slots": 0}]})", "workers[0].slots: must be in 1..1024 samples at once per worker (got 0"},
      {R"({"workers": [{"model": "m", "slots": 1025}]})", "workers[0].slots: must be in 1..1024 samples at once per worker (got 1025"},
      {R"({"workers": [{"model": "m", "slots": -3}]})", "workers[0].slots: must be in 1..1024"},
      {R"({"workers": [{"model": "m", "slots": 4294967297}]})", "workers[0].slots: must be in 1..1024"},
      {R"({"workers": [{"model": "m"}, {"model": "n", "slots": 2.5}]})", "workers[1].slots: "},
      {R"({"workers": [{"model": "m", "slots": "4"}]})", "workers[0].slots: "},
      {R"({"workers": [{"model": "m", "slot": 4}]})", "workers[0].slot: unknown field"},
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const std::string file = dir.file("w" + std::to_string(i) + ".json", bad[i].first);
    const auto r = concord(bin + "'" + file + "'");
    EXPECT_EQ(r.code, 2) << bad[i].first << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(file + ": " + bad[i].second)) << bad[i].first;
  }
  // A good file: the node starts.
  const std::string good = dir.file("good.json", R"({"workers": [{"model": "goedel8b", "count": 2, "slots": 4}, {"model": "kimina7b"}]})");
  Node node({"--name", "a", "--listen", "127.0.0.1:0", "--workers", good}, dir.path("a.err"));
  EXPECT_THAT(node.read_line(std::chrono::seconds(10)), HasSubstr("(3 workers,"));
  node.signal(SIGTERM);
  EXPECT_EQ(node.wait_exit(std::chrono::seconds(10)), 0);
}

TEST(NodeConfigFile, TheSystemdExampleConfigurationParses) {
  // deploy/systemd/node.ini.example with its listen, seeds and workers pointed here: every other
  // key is used as shipped.
  TempDir dir;
  std::ifstream in(CONCORD_SOURCE_DIR "/deploy/systemd/node.ini.example");
  ASSERT_TRUE(in);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  text = std::regex_replace(text, std::regex("listen=\"[^\"]*\""), "listen=\"127.0.0.1:0\"");
  text = std::regex_replace(text, std::regex("seeds=\\[[^\\]]*\\]"), "seeds=[]");
  text = std::regex_replace(text, std::regex("workers=\"workers.json\""), "workers=\"" CONCORD_SOURCE_DIR "/examples/workers.json\"");
  const std::string ini = dir.file("a.ini", text);
  Node node({"--name", "a", "--config", ini}, dir.path("a.err"));
  const std::string line = node.read_line(std::chrono::seconds(10));
  EXPECT_THAT(line, HasSubstr("listening on 127.0.0.1:")) << line;
  EXPECT_THAT(line, HasSubstr("(6 workers,")) << line;
  node.signal(SIGTERM);
  EXPECT_EQ(node.wait_exit(std::chrono::seconds(10)), 0);
}

}  // namespace
