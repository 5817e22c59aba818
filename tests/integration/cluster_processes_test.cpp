// Three real `concord node` processes on loopback; a workflow runs on their
// workers while one node is killed (-9) or stopped (SIGSTOP). Every child is
// killed and reaped when a test ends, pass or fail.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "embedded_cluster.hpp"
#include "support/node_process.hpp"
#include "plan/simple_policies.hpp"
#include "sim/nominal.hpp"
#include "workloads/proofflow.hpp"

namespace concord {
namespace {

namespace fs = std::filesystem;

class ThreeNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("concord-it-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "workers.json")
        << R"({"workers": [{"model": "goedel32b", "count": 2}, {"model": "goedel8b", "count": 2}, {"model": "kimina7b", "count": 2}]})";
    const std::string workers = (dir_ / "workers.json").string();
    if (tls_) {  // a cluster CA and a certificate per node and for the test's client (deploy/tls/make-ca.sh)
      const std::string cmd = "'" CONCORD_SOURCE_DIR "/deploy/tls/make-ca.sh' '" + (dir_ / "tls").string() + "' a b c client >/dev/null 2>&1";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
    const auto args = [&](const std::string& name, std::vector<std::string> a) {
      if (tls_)
        for (const auto& [flag, file] : {std::pair{"--tls-cert", name + ".pem"}, {"--tls-key", name + ".key"}, {"--tls-ca", std::string("ca.pem")}}) {
          a.push_back(flag);
          a.push_back((dir_ / "tls" / file).string());
        }
      return a;
    };
    nodes_.push_back(std::make_unique<NodeProcess>("a", args("a", {"--workers", workers}), dir_));
    ASSERT_FALSE(nodes_[0]->address().empty()) << nodes_[0]->stderr_text();
    for (const char* n : {"b", "c"}) {
      for (int attempt = 1;; ++attempt) {
        nodes_.push_back(std::make_unique<NodeProcess>(n, args(n, {"--workers", workers, "--seed", nodes_[0]->address()}), dir_));
        ASSERT_FALSE(nodes_.back()->address().empty()) << nodes_.back()->stderr_text();
        // Joined once it lists the seed as a member.
        bool joined = false;
        for (int i = 0; i < 10 && !joined; ++i) joined = nodes_.back()->read_line(std::chrono::seconds(5)).find("member a") != std::string::npos;
        if (joined) break;
        // On a loaded machine a join can time out (see run_with_fault): the node exits 2; start it again.
        const bool timed_out = nodes_.back()->stderr_text().find("connection_timeout") != std::string::npos;
        ASSERT_TRUE(timed_out && attempt < 3) << nodes_.back()->stderr_text();
        nodes_.pop_back();
      }
    }
    WorkloadOptions o;
    o.datasets_dir = CONCORD_DATASETS_DIR;
    static const Workload w = build_proofflow(o);
    wf_ = std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(w.workflows.at(0)));
  }
  void TearDown() override {
    nodes_.clear();  // kills and reaps every child, also after a failed assertion
    fs::remove_all(dir_);
  }
  NodeProcess* node_of(const std::string& worker) {
    for (auto& n : nodes_)
      if (worker.rfind(n->name() + "/", 0) == 0) return n.get();
    return nullptr;
  }

  /// Runs the workflow on the cluster; `fault` is applied to the busiest worker's node
  /// once two subtasks are done. Checks the invariants every fault must keep.
  void run_with_fault(int sig, int k) {
    actors::ClusterOptions co;
    co.join = {nodes_[0]->address()};
    co.time_scale = 40;
    if (tls_) co.tls = {(dir_ / "tls/client.pem").string(), (dir_ / "tls/client.key").string(), (dir_ / "tls/ca.pem").string()};
    for (auto& n : nodes_) ASSERT_EQ(n->first_line().find("mutual TLS") != std::string::npos, tls_) << n->first_line();
    // A join can fail with connection_timeout on a loaded machine (CAF drops a connection silent
    // for middleman.connection-timeout, 400 ms, and that covers the TLS and BASP handshakes): retried.
    // The joiner's view of members and workers is taken once, at the join: on a loaded machine it
    // can come before the last node's own join has reached the seed, so an incomplete view is
    // joined again (bounded: 8 attempts, 0.5 s apart; 3 were too few twice in CI while the machine
    // also ran sanitizer builds: 1 member of 3) before the counts are asserted below.
    constexpr int kAttempts = 8;
    std::optional<actors::EmbeddedCluster> joined;
    for (int attempt = 1; !joined; ++attempt) {
      try {
        joined.emplace(wf_, co);
      } catch (const std::exception& e) {
        if (attempt == kAttempts || std::string(e.what()).find("connection_timeout") == std::string::npos) throw;
        continue;
      }
      if (attempt < kAttempts && (joined->member_names().size() != 3u || joined->worker_names().size() != 18u)) {
        joined.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    }
    actors::EmbeddedCluster& cluster = *joined;
    ASSERT_EQ(cluster.member_names().size(), 3u);
    ASSERT_EQ(cluster.worker_names().size(), 18u);
    EpisodeConfig cfg;
    cfg.budget = 2 * nominal_budget(*wf_);
    cfg.deadline_s = 6 * nominal_deadline_s(*wf_);
    NodeProcess* victim = nullptr;
    int victim_load = 0;
    auto policy = std::make_shared<FixedPolicy>(1, k, wf_->model_id(1));
    const auto run = cluster.run(policy, cfg, [&](const AttemptTrace&, int done, int) {
      if (victim || done < 2) return;
      const std::string busiest = cluster.busiest_worker();
      victim = node_of(busiest);
      if (!victim) victim = nodes_[1].get();
      victim_load = cluster.assigned_to(busiest);
      victim->signal(sig);
    });
    ASSERT_NE(victim, nullptr);
    EXPECT_TRUE(run.result.completed) << to_string(run.result.reason) << " " << run.detail;
    EXPECT_GT(victim_load, 0);  // the fault hit a node with samples in flight
    // With one sample per batch nothing else can finish the victim's batches: they must re-run elsewhere.
    if (k == 1) {
      EXPECT_GT(run.redispatched, 0);
    }
    EXPECT_LE(run.result.spend, cfg.budget);
    ASSERT_EQ(run.ledger.size(), 3u);
    EXPECT_EQ(run.ledger[1], run.result.spend);  // committed == the sum of the batches' reported costs
    EXPECT_EQ(run.ledger[2], 0);                 // no reservation leaked
    std::map<int, int> completions;
    for (const auto& a : run.result.attempts) completions[a.subtask] += a.succeeded ? 1 : 0;
    for (int s = 0; s < wf_->num_subtasks(); ++s) EXPECT_EQ(completions[s], 1) << "subtask " << s;
    std::printf("fault %d on node %s (%d samples in flight on its busiest worker): completed=%d, %d samples re-dispatched, "
                "makespan %.1f s\n", sig, victim->name().c_str(), victim_load, run.result.completed, run.redispatched,
                run.result.makespan_s);
  }

  bool tls_ = false;  // mutual TLS between the nodes and the test's client (ThreeTlsNodes)
  fs::path dir_;
  std::vector<std::unique_ptr<NodeProcess>> nodes_;
  std::shared_ptr<const FlatWorkflow> wf_;
};

TEST_F(ThreeNodes, WorkflowCompletesWhenTheBusiestWorkersNodeIsKilled) { run_with_fault(SIGKILL, 1); }

TEST_F(ThreeNodes, WorkflowCompletesWhenTheBusiestWorkersNodeIsKilledDuringWideBatches) { run_with_fault(SIGKILL, 4); }

TEST_F(ThreeNodes, WorkflowCompletesWhenAWorkerNodeHangs) { run_with_fault(SIGSTOP, 1); }

/// The same healing tests on a cluster speaking mutual TLS (certificates from deploy/tls/make-ca.sh).
class ThreeTlsNodes : public ThreeNodes {
 protected:
  ThreeTlsNodes() { tls_ = true; }
};

TEST_F(ThreeTlsNodes, WorkflowCompletesWhenTheBusiestWorkersNodeIsKilled) { run_with_fault(SIGKILL, 1); }

TEST_F(ThreeTlsNodes, WorkflowCompletesWhenTheBusiestWorkersNodeIsKilledDuringWideBatches) { run_with_fault(SIGKILL, 4); }

TEST_F(ThreeTlsNodes, WorkflowCompletesWhenAWorkerNodeHangs) { run_with_fault(SIGSTOP, 1); }

TEST_F(ThreeNodes, NodeWithAnotherProtocolVersionIsRefusedOnBothSides) {
  NodeProcess bad("old", {"--workers", (dir_ / "workers.json").string(), "--seed", nodes_[0]->address(), "--protocol-version", "0"},
                  dir_);
  EXPECT_EQ(bad.wait_exit(std::chrono::seconds(10)), 2);
  EXPECT_NE(bad.stderr_text().find("join refused: protocol version 0 refused"), std::string::npos) << bad.stderr_text();
  usleep(100000);
  EXPECT_NE(nodes_[0]->stderr_text().find("refused node old"), std::string::npos) << nodes_[0]->stderr_text();
}

TEST_F(ThreeNodes, ANodeNamedLikeAMemberIsRefusedOnBothSides) {
  // Named like the seed it joins through, like another member (through the seed, and through a
  // node that learned that member from the seed): refused, with the reason on both sides.
  const struct {
    const char* name;
    std::size_t via;
    const char* reason;
  } cases[] = {{"a", 0, "is taken by the node it joins through"},
               {"c", 0, "is taken by a live member of the cluster"},
               {"b", 2, "is taken by a live member of the cluster"}};
  const fs::path dup_dir = dir_ / "duplicates";  // its NAME.stderr must not overwrite the member's
  fs::create_directories(dup_dir);
  for (const auto& c : cases) {
    NodeProcess dup(c.name, {"--workers", (dir_ / "workers.json").string(), "--seed", nodes_[c.via]->address()}, dup_dir);
    EXPECT_EQ(dup.wait_exit(std::chrono::seconds(10)), 2) << c.name;
    EXPECT_NE(dup.stderr_text().find(std::string("join refused: node name \"") + c.name + "\" " + c.reason), std::string::npos)
        << dup.stderr_text();
    bool logged = false;  // the refusing node's stderr, written as it answered
    for (int i = 0; i < 20 && !logged; ++i, usleep(50000))
      logged = nodes_[c.via]->stderr_text().find(std::string("refused node ") + c.name + ": node name") != std::string::npos;
    EXPECT_TRUE(logged) << nodes_[c.via]->stderr_text();
  }
  // The members are intact: a client still sees the three nodes and all their workers.
  actors::ClusterOptions co;
  co.join = {nodes_[0]->address()};
  actors::EmbeddedCluster cluster(wf_, co);
  EXPECT_EQ(cluster.member_names().size(), 3u);
  EXPECT_EQ(cluster.worker_names().size(), 18u);
}

TEST_F(ThreeNodes, ADeadMembersNameIsFreeAgain) {
  nodes_[2]->signal(SIGKILL);  // c
  ASSERT_EQ(nodes_[2]->wait_exit(std::chrono::seconds(10)), 128 + SIGKILL);
  const fs::path again_dir = dir_ / "again";
  fs::create_directories(again_dir);
  bool joined = false;  // the seed sees c's death within milliseconds; a few tries bound the race
  for (int attempt = 0; attempt < 5 && !joined; ++attempt) {
    usleep(100000);
    NodeProcess c("c", {"--workers", (dir_ / "workers.json").string(), "--seed", nodes_[0]->address()}, again_dir);
    for (int i = 0; i < 5 && !joined; ++i) joined = c.read_line(std::chrono::seconds(2)).find("member a") != std::string::npos;
  }
  EXPECT_TRUE(joined) << nodes_[0]->stderr_text();
}

TEST_F(ThreeNodes, ConcordRunJoinsTheClusterFromTheCommandLine) {
  // The README's example: `concord run FILE --join HOST:PORT`.
  const std::string cmd = std::string("cd '") + CONCORD_SOURCE_DIR + "' && '" + CONCORD_BIN +
                          "' run examples/proofflow-euler.json --policy greedy --quiet --join " + nodes_[0]->address() + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  EXPECT_TRUE(code == 0 || code == 1) << out;
  EXPECT_NE(out.find("engine     cluster joined through " + nodes_[0]->address()), std::string::npos) << out;
  const std::string bad = std::string("'") + CONCORD_BIN + "' run '" + CONCORD_SOURCE_DIR +
                          "/examples/proofflow-euler.json' --join 127.0.0.1:1 2>&1";
  pipe = popen(bad.c_str(), "r");
  out.clear();
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 2) << out;
  EXPECT_NE(out.find("--join: could not join the cluster"), std::string::npos) << out;
}

TEST_F(ThreeNodes, SigtermStopsANodeCleanly) {
  nodes_[2]->signal(SIGTERM);
  EXPECT_EQ(nodes_[2]->wait_exit(std::chrono::seconds(10)), 0);
}

TEST(NodeConfig, UnknownCafOptionsAreRefused) {
  const fs::path dir = fs::temp_directory_path() / ("concord-ini-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "caf-application.ini") << "[middleman]\nheartbeat-intervall=1s\n";
  std::ofstream(dir / "workers.json") << R"({"workers": [{"model": "m"}]})";
  NodeProcess n("x", {"--workers", (dir / "workers.json").string()}, dir);
  EXPECT_EQ(n.wait_exit(std::chrono::seconds(10)), 2);
  EXPECT_NE(n.stderr_text().find("caf-application.ini: middleman.heartbeat-intervall (line 2): unknown option"), std::string::npos)
      << n.stderr_text();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace concord
