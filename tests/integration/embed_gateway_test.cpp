// The embedding API through a node's gateway (RuntimeOptions::gateway): concord::Runtime submits
// over the service edge's client path (edge::Client: ZeroMQ + Cap'n Proto) to a real `concord
// node --gateway` process on loopback, which plans and runs the workflow on its own workers. Each
// report is checked against what the node itself says (its status: spend in exact picodollars).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <numeric>

#include "concord/concord.hpp"
#include "edge/client.hpp"
#include "edge/curve_keys.hpp"
#include "model/money.hpp"
#include "model/workflow_json.hpp"
#include "support/node_process.hpp"

namespace concord {
namespace {

using namespace concord::service;

Workflow example(const char* name) { return read_workflow_file(std::string(CONCORD_SOURCE_DIR) + "/examples/" + name); }

class EmbedThroughGateway : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra = {}, const char* time_scale = "200") {
    dir_ = fs::temp_directory_path() / ("concord-embed-gw-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "workers.json") << R"({"workers": [{"model": "large", "count": 2}, {"model": "small", "count": 2},)"
                                         << R"({"model": "search-tool", "count": 2}]})";
    std::vector<std::string> args{"--gateway", "tcp://127.0.0.1:0", "--time-scale", time_scale, "--workers", (dir_ / "workers.json").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    node_ = std::make_unique<NodeProcess>("a", args, dir_);
    ASSERT_FALSE(node_->address().empty()) << node_->stderr_text();
    const std::string line = node_->read_line(std::chrono::seconds(10));
    const auto at = line.find("gateway on ");
    ASSERT_NE(at, std::string::npos) << line << node_->stderr_text();
    endpoint_ = line.substr(at + 11, line.find(' ', at + 11) - (at + 11));
  }
  void TearDown() override {
    node_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  /// The node's own account of a workflow (by value).
  WorkflowStatus node_status(std::uint64_t id, const std::string& server_public = "", const std::string& secret = "") {
    edge::Client c({endpoint_, 10, server_public, secret});
    const StatusReply reply = std::get<StatusReply>(c.call(StatusRequest{}));  // by value: a range-for over a temporary's member dangles
    for (const auto& w : reply.workflows)
      if (w.workflow == id) return w;
    ADD_FAILURE() << "the node does not know workflow " << id;
    return {};
  }
  RuntimeOptions options() const {
    RuntimeOptions o;
    o.gateway = endpoint_;
    return o;
  }

  fs::path dir_;
  std::unique_ptr<NodeProcess> node_;
  std::string endpoint_;
};

/// Dollars of a report equal the node's picodollars exactly (dollars() is exact to 1e-12 $ here).
void expect_same_money(double usd, Money node) { EXPECT_EQ(money_from_dollars(usd), node) << usd; }

TEST_F(EmbedThroughGateway, ARunIsHostedByTheNodeAndItsReportIsTheNodes) {
  ASSERT_NO_FATAL_FAILURE(start());
  const Runtime runtime(options());
  const Workflow wf = example("research-agent.json");
  std::vector<ProgressEvent> progress;
  const RunReport r = runtime.run(wf, {}, [&](const ProgressEvent& p) { progress.push_back(p); });
  ASSERT_EQ(r.reason, "completed") << r.detail << node_->stderr_text();
  EXPECT_TRUE(r.completed);
  ASSERT_GT(r.workflow_id, 0u);
  // The node hosted it: its status knows the workflow, ended, with the report's spend and budget.
  const WorkflowStatus s = node_status(r.workflow_id);
  EXPECT_EQ(s.state, WorkflowState::ended);
  EXPECT_EQ(s.name, wf.name);
  expect_same_money(r.spend_usd, s.spend);
  expect_same_money(r.budget_usd, s.budget);
  EXPECT_EQ(s.reserved, 0);
  EXPECT_EQ(r.budget_usd, *wf.budget_usd);
  EXPECT_EQ(r.deadline_s, *wf.deadline_s);
  EXPECT_LE(r.spend_usd, r.budget_usd);
  EXPECT_LE(r.makespan_s, r.deadline_s);
  // Per subtask, in the workflow's order: every one done; their costs add up to the spend; one
  // progress event per batch that ended (attempts), the last saying every subtask is done.
  ASSERT_EQ(r.subtasks.size(), wf.subtasks.size());
  EXPECT_EQ(r.subtasks_total, static_cast<int>(wf.subtasks.size()));
  EXPECT_EQ(r.subtasks_done, r.subtasks_total);
  double cost = 0;
  int batches = 0;
  for (std::size_t i = 0; i < wf.subtasks.size(); ++i) {
    const SubtaskOutcome& o = r.subtasks[i];
    EXPECT_EQ(o.id, wf.subtasks[i].id);
    EXPECT_TRUE(o.done) << o.id;
    EXPECT_GE(o.attempts, 1) << o.id;
    EXPECT_GE(o.k, 1) << o.id;
    EXPECT_FALSE(o.model.empty()) << o.id;
    EXPECT_LE(o.start_s, o.end_s) << o.id;
    // Events are stamped when the node records them: up to a few real ms (x200 simulated) late.
    EXPECT_LE(o.end_s, r.makespan_s + 1.0) << o.id;
    cost += o.cost_usd;
    batches += o.attempts;
  }
  EXPECT_NEAR(cost, r.spend_usd, 1e-9);
  EXPECT_EQ(r.planner_decisions, batches);
  ASSERT_EQ(static_cast<int>(progress.size()), batches);
  EXPECT_EQ(progress.back().done, r.subtasks_total);
  EXPECT_EQ(progress.back().total, r.subtasks_total);
  // A request's budget and deadline reach the node.
  RunRequest req;
  req.budget_usd = 0.2;
  req.deadline_s = 120;
  const RunReport r2 = runtime.run(wf, req);
  EXPECT_EQ(r2.budget_usd, 0.2);
  EXPECT_EQ(r2.deadline_s, 120);
  EXPECT_NE(r2.workflow_id, r.workflow_id);
  expect_same_money(r2.spend_usd, node_status(r2.workflow_id).spend);
}

TEST_F(EmbedThroughGateway, CancelStopsTheWorkflowOnTheNode) {
  ASSERT_NO_FATAL_FAILURE(start({}, "5"));  // slow enough that the run is still going when cancelled
  const Runtime runtime(options());
  std::atomic<bool> cancel{false};
  RunRequest req;
  req.cancel = &cancel;
  auto future = runtime.submit(example("research-agent.json"), req);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  cancel = true;
  ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  const RunReport r = future.get();
  EXPECT_EQ(r.reason, "interrupted") << r.detail;
  EXPECT_FALSE(r.completed);
  const WorkflowStatus s = node_status(r.workflow_id);
  EXPECT_EQ(s.state, WorkflowState::ended);
  EXPECT_EQ(s.reserved, 0);  // in-flight samples were cancelled and settled
  expect_same_money(r.spend_usd, s.spend);
}

TEST_F(EmbedThroughGateway, TheSameIdempotencyKeyFollowsTheSameWorkflow) {
  ASSERT_NO_FATAL_FAILURE(start());
  const Runtime runtime(options());
  RunRequest req;
  req.idempotency_key = "request-42";
  const Workflow wf = example("research-agent.json");
  const RunReport a = runtime.run(wf, req);
  const RunReport b = runtime.run(wf, req);  // e.g. a service retrying after a lost connection
  ASSERT_GT(a.workflow_id, 0u);
  EXPECT_EQ(a.workflow_id, b.workflow_id);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.spend_usd, b.spend_usd);
  EXPECT_EQ(a.makespan_s, b.makespan_s);
  edge::Client c({endpoint_, 10, "", ""});
  EXPECT_EQ(std::get<StatusReply>(c.call(StatusRequest{})).workflows.size(), 1u);  // nothing else started
}

TEST_F(EmbedThroughGateway, RefusalsAndSilenceAreErrorsBeforeTheRunStarts) {
  ASSERT_NO_FATAL_FAILURE(start());
  // The node refuses a policy it does not know: an InputError carrying the node's reason.
  RuntimeOptions bad = options();
  bad.policy = "no-such-policy";
  try {
    Runtime(bad).run(example("research-agent.json"));
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-policy"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(endpoint_), std::string::npos) << e.what();
  }
  // Nobody at the address: a runtime_error after gateway_timeout_s, not a hang.
  RuntimeOptions nobody;
  nobody.gateway = "tcp://127.0.0.1:1";
  nobody.gateway_timeout_s = 0.3;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(Runtime(nobody).run(example("research-agent.json")), std::runtime_error);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5);
  // Options checked at construction, naming the field.
  auto refused_field = [](RuntimeOptions o) -> std::string {
    try {
      Runtime r(std::move(o));
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  RuntimeOptions o;
  o.gateway = "http://127.0.0.1:1";
  EXPECT_NE(refused_field(o).find("gateway"), std::string::npos);
  o.gateway = "tcp://127.0.0.1:1";
  o.join = {"127.0.0.1:2"};
  EXPECT_NE(refused_field(o).find("without join"), std::string::npos);
  o.join.clear();
  o.gateway_server_key = "node.pub";
  EXPECT_NE(refused_field(o).find("go together"), std::string::npos);
  o.gateway_server_key = (dir_ / "missing.pub").string();
  o.gateway_client_key = (dir_ / "missing.key").string();
  EXPECT_NE(refused_field(o).find("missing.pub"), std::string::npos);
  RuntimeOptions tenant_alone;
  tenant_alone.tenant = "acme";
  EXPECT_NE(refused_field(tenant_alone).find("only with gateway"), std::string::npos);
  // A zero budget cannot cross the wire (0 there means "the workflow's own").
  RunRequest zero;
  zero.budget_usd = 0;
  EXPECT_THROW(Runtime(options()).run(example("research-agent.json"), zero), InputError);
}

TEST_F(EmbedThroughGateway, CurveKeysFromFilesReachAGatewayThatServesOnlyKnownClients) {
  const std::string keys = (dir_.empty() ? fs::temp_directory_path() : dir_).string() + "/concord-embed-keys-" + std::to_string(getpid());
  const auto node = edge::write_curve_key_pair(keys, "node");
  const auto alice = edge::write_curve_key_pair(keys + "/allowed", "alice");
  edge::write_curve_key_pair(keys, "mallory");
  ASSERT_NO_FATAL_FAILURE(start({"--curve-secret", keys + "/node.key", "--clients", keys + "/allowed"}));
  RuntimeOptions o = options();
  o.gateway_server_key = keys + "/node.pub";
  o.gateway_client_key = keys + "/allowed/alice.key";
  o.tenant = "acme";
  const RunReport r = Runtime(o).run(example("research-agent.json"));
  EXPECT_EQ(r.reason, "completed") << r.detail;
  EXPECT_EQ(node_status(r.workflow_id, node.public_z85, alice.secret_z85).tenant, "acme");
  // A client the node does not know gets no answer: an error after the timeout.
  o.gateway_client_key = keys + "/mallory.key";
  o.gateway_timeout_s = 0.5;
  EXPECT_THROW(Runtime(o).run(example("research-agent.json")), std::runtime_error);
  std::error_code ec;
  fs::remove_all(keys, ec);
}

}  // namespace
}  // namespace concord
