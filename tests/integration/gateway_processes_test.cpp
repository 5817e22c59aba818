// The service edge with real processes: `concord node --gateway` on loopback, clients using
// edge::Client (the class `concord submit/watch/...` use) over ZeroMQ + Cap'n Proto. Node A hosts
// the workflows but has no worker of its own: every sample runs on node B's workers, so a
// completed workflow shows that a hosted run uses the whole cluster.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "edge/client.hpp"
#include "integration/node_process.hpp"
#include "model/workflow_json.hpp"

namespace concord {
namespace {

using namespace concord::service;

std::string example_json(const char* name) {
  return write_workflow_json(read_workflow_file(std::string(CONCORD_SOURCE_DIR) + "/examples/" + name));
}

class GatewayNodes : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kWorkers = 13;
  void start(std::vector<std::string> a_extra = {}) {
    dir_ = fs::temp_directory_path() / ("concord-gw-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "workers.json")
        << R"({"workers": [{"model": "goedel32b", "count": 2}, {"model": "goedel8b", "count": 2}, {"model": "kimina7b", "count": 2},)"
        << R"({"model": "large", "count": 1}, {"model": "small", "count": 1}, {"model": "search-tool", "count": 1},)"
        << R"({"model": "30B_think", "count": 1}, {"model": "30B_ins", "count": 1}, {"model": "4B_think", "count": 1},)"
        << R"({"model": "4B_ins", "count": 1}]})";
    std::vector<std::string> args{"--gateway", "tcp://127.0.0.1:0", "--time-scale", "200"};
    args.insert(args.end(), a_extra.begin(), a_extra.end());
    a_ = std::make_unique<NodeProcess>("a", args, dir_);
    ASSERT_FALSE(a_->address().empty()) << a_->stderr_text();
    const std::string line = a_->read_line(std::chrono::seconds(10));
    const auto at = line.find("gateway on ");
    ASSERT_NE(at, std::string::npos) << line << a_->stderr_text();
    endpoint_ = line.substr(at + 11);
    b_ = std::make_unique<NodeProcess>("b", std::vector<std::string>{"--workers", (dir_ / "workers.json").string(), "--seed",
                                                                     a_->address(), "--time-scale", "200"},
                                       dir_);
    ASSERT_FALSE(b_->address().empty()) << b_->stderr_text();
    // Node A's selector hears B's workers once B has joined: wait (bounded) until status says so.
    edge::Client c({endpoint_, 5});
    for (int i = 0; i < 200; ++i) {
      auto s = std::get<StatusReply>(c.call(StatusRequest{}));
      std::uint32_t live = 0;
      for (const auto& m : s.workers) live += m.live;
      if (live == kWorkers) return;
      usleep(20000);
    }
    FAIL() << "node A never saw node B's " << kWorkers << " workers";
  }
  void TearDown() override {
    b_.reset();
    a_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  SubmitRequest submit(const char* example, std::string key = "") {
    SubmitRequest s;
    s.workflow_json = example_json(example);
    s.idempotency_key = std::move(key);
    s.source_name = example;
    return s;
  }

  fs::path dir_;
  std::unique_ptr<NodeProcess> a_, b_;
  std::string endpoint_;
};

TEST_F(GatewayNodes, ThreeWorkflowsWatchedAcrossAReconnectLoseAndRepeatNoEvent) {
  start();
  edge::Client client({endpoint_, 10});
  std::vector<WorkflowId> ids;
  for (const char* ex : {"proofflow-euler.json", "research-agent.json", "codeflow-color.json"}) {
    const Response r = client.call(submit(ex, std::string("key-") + ex));
    const auto* a = std::get_if<Accepted>(&r);
    ASSERT_NE(a, nullptr) << (std::holds_alternative<Refused>(r) ? std::get<Refused>(r).text : "?");
    EXPECT_FALSE(a->duplicate);
    ids.push_back(a->workflow);
  }
  // The same key again: the same id, nothing started.
  {
    const Response r = client.call(submit("proofflow-euler.json", "key-proofflow-euler.json"));
    ASSERT_TRUE(std::holds_alternative<Accepted>(r));
    EXPECT_TRUE(std::get<Accepted>(r).duplicate);
    EXPECT_EQ(std::get<Accepted>(r).workflow, ids[0]);
    EXPECT_EQ(std::get<StatusReply>(client.call(StatusRequest{})).workflows.size(), 3u);
  }
  // Watch each for a few events, then drop the connection; a new connection resumes from the
  // last sequence number + 1. Every workflow's events must then be exactly 1..last, ended last.
  std::map<WorkflowId, std::vector<Seq>> seen;
  std::map<WorkflowId, Ended> ends;
  for (WorkflowId id : ids) {
    int n = 0;
    client.watch(id, 1, [&](const Event& e) {
      EXPECT_NE(e.seq, 0u) << "lost events";
      seen[id].push_back(e.seq);
      return ++n < 3;
    }, 30);
  }
  client.reconnect();
  for (WorkflowId id : ids) {
    const auto end = client.watch(id, seen[id].back() + 1, [&](const Event& e) {
      EXPECT_NE(e.seq, 0u) << "lost events";
      seen[id].push_back(e.seq);
      return true;
    }, 60);
    ASSERT_TRUE(end.has_value());
    ends[id] = *end;
  }
  for (WorkflowId id : ids) {
    const auto& s = seen[id];
    for (std::size_t i = 0; i < s.size(); ++i) ASSERT_EQ(s[i], i + 1) << "workflow " << id << " event " << i;
    EXPECT_GT(s.size(), 5u);
    EXPECT_NE(ends[id].report.find("concord run "), std::string::npos);
    EXPECT_EQ(ends[id].subtasks_done > 0, true) << ends[id].report;
  }
  EXPECT_TRUE(ends[ids[0]].completed) << ends[ids[0]].report;
  // The ended workflows stay watchable within retention: the whole story again, identical.
  std::vector<Seq> again;
  client.watch(ids[1], 1, [&](const Event& e) { again.push_back(e.seq); return true; }, 10);
  EXPECT_EQ(again, seen[ids[1]]);
  // Node status: every workflow ended, nothing left reserved.
  for (const auto& w : std::get<StatusReply>(client.call(StatusRequest{})).workflows) {
    EXPECT_EQ(w.state, WorkflowState::ended);
    EXPECT_EQ(w.reserved, 0);
  }
}

TEST_F(GatewayNodes, CancelEndsAWorkflowInterruptedWithEveryReservationSettled) {
  start();
  edge::Client client({endpoint_, 10});
  SubmitRequest s = submit("proofflow-euler.json");
  s.deadline_s = 1e6;   // it would run for a long while
  s.watch = true;
  const Response r = client.call(s);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  const WorkflowId id = std::get<Accepted>(r).workflow;
  // Cancel once a batch has launched (from a second client: any client may cancel).
  Money settled = 0;
  bool cancelled = false;
  edge::Client other({endpoint_, 10});
  const auto end = client.watch(id, 1, [&](const Event& e) {
    if (const auto* x = std::get_if<SampleSettled>(&e.body)) settled += x->cost;
    if (!cancelled && std::holds_alternative<BatchLaunched>(e.body)) {
      const Response c = other.call(CancelRequest{id});
      EXPECT_TRUE(std::holds_alternative<Accepted>(c));
      cancelled = true;
    }
    return true;
  }, 30);
  ASSERT_TRUE(end.has_value());
  EXPECT_FALSE(end->completed);
  EXPECT_EQ(end->reason, EndReason::interrupted) << end->report;
  EXPECT_EQ(end->spend, settled) << "the ledger's committed total is the sum of the settled samples";
  for (const auto& w : std::get<StatusReply>(client.call(StatusRequest{})).workflows) {
    EXPECT_EQ(w.reserved, 0);
    EXPECT_EQ(w.spend, settled);
  }
  // Unknown workflows are refused, naming the id.
  const Response u = client.call(CancelRequest{id + 100});
  ASSERT_TRUE(std::holds_alternative<Refused>(u));
  EXPECT_EQ(std::get<Refused>(u).code, RefusalCode::unknown_workflow);
}

TEST_F(GatewayNodes, BeyondMaxWorkflowsSubmitIsRefusedBusyWithARetryHint) {
  start({"--max-workflows", "1"});
  edge::Client client({endpoint_, 10});
  SubmitRequest s = submit("proofflow-euler.json");
  s.deadline_s = 1e6;
  ASSERT_TRUE(std::holds_alternative<Accepted>(client.call(s)));
  const Response busy = client.call(submit("research-agent.json"));
  ASSERT_TRUE(std::holds_alternative<Refused>(busy));
  EXPECT_EQ(std::get<Refused>(busy).code, RefusalCode::busy);
  EXPECT_GT(std::get<Refused>(busy).retry_after_s, 0);
  // An invalid workflow is refused naming the field, and the node keeps serving.
  SubmitRequest bad = submit("research-agent.json");
  bad.workflow_json = R"({"models": [], "subtasks": []})";
  const Response invalid = client.call(bad);
  ASSERT_TRUE(std::holds_alternative<Refused>(invalid));
  EXPECT_EQ(std::get<Refused>(invalid).code, RefusalCode::invalid_workflow);
  EXPECT_NE(std::get<Refused>(invalid).text.find("workflowJson"), std::string::npos) << std::get<Refused>(invalid).text;
  EXPECT_TRUE(std::holds_alternative<StatusReply>(client.call(StatusRequest{})));
}

}  // namespace
}  // namespace concord
