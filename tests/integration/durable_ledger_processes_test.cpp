// The durable ledger in a running node (docs/ledger.md, "Durable ledger in a running node"), with
// real processes on loopback: `concord node --gateway --data-dir` hosts workflows whose samples
// run slowly (time scale 20), is killed with SIGKILL while many reservations are in flight, and is
// restarted with the same data directory.
//
// What is compared, and where each number comes from:
//   - settled(w)  = Σ actual costs of the `commit` records in workflow w's journal, read by THIS
//                   test's own parser from the file left by the killed node (not by runtime code);
//   - inflight(w) = Σ amounts of the `grant` records of w with no commit/release after them
//                   (the reservations in flight at the kill), same parser;
//   - the restart rule says: committed(w) after the restart = settled(w) + inflight(w), reserved = 0.
//   Checked against: the Ended event a watching client receives after the restart (spend, reason
//   coordinator_restarted), the node's status (spend, reserved), and the journal after the restart
//   (same parser: every reservation committed, Σ commits = the same total; a later restart
//   charges nothing again). Cross-check: Σ SampleSettled costs the client saw before the kill
//   <= settled(w) (the journal holds every settlement anyone was told of).
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>

#include "edge/client.hpp"
#include "model/workflow_json.hpp"
#include "support/node_process.hpp"

namespace concord {
namespace {

using namespace concord::service;

/// A journal's money as this test reads it, independently of runtime/ledger: "seq kind id amount reason #crc" lines.
struct JournalMoney {
  Money settled = 0;                    // Σ commit actuals
  std::map<std::uint64_t, Money> open;  // granted, neither committed nor released
  Money in_flight() const {
    Money s = 0;
    for (const auto& [id, a] : open) s += a;
    return s;
  }
};

JournalMoney read_journal_money(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), {});
  JournalMoney m;
  std::istringstream lines(all);
  std::string line;
  std::size_t used = 0;
  for (int n = 0; std::getline(lines, line); ++n) {
    used += line.size() + 1;
    if (used > all.size()) break;  // a torn last record (no '\n'): not part of the journal
    if (n == 0) continue;          // the header
    std::istringstream f(line);
    std::uint64_t seq = 0, id = 0;
    std::string kind;
    Money amount = 0;
    f >> seq >> kind >> id >> amount;
    if (kind == "grant") m.open[id] = amount;
    else if (kind == "commit") m.settled += amount, m.open.erase(id);
    else if (kind == "release") m.open.erase(id);
  }
  return m;
}

std::string example_json(const char* name) {
  return write_workflow_json(read_workflow_file(std::string(CONCORD_SOURCE_DIR) + "/examples/" + name));
}

class DurableLedgerNode : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kWorkers = 13;
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("concord-durable-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    data_ = dir_ / "data";
    std::ofstream(dir_ / "workers.json")
        << R"({"workers": [{"model": "goedel32b", "count": 2}, {"model": "goedel8b", "count": 2}, {"model": "kimina7b", "count": 2},)"
        << R"({"model": "large", "count": 1}, {"model": "small", "count": 1}, {"model": "search-tool", "count": 1},)"
        << R"({"model": "30B_think", "count": 1}, {"model": "30B_ins", "count": 1}, {"model": "4B_think", "count": 1},)"
        << R"({"model": "4B_ins", "count": 1}]})";
  }
  void TearDown() override {
    node_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  /// Starts the node (as `name`) on the data directory; returns its gateway endpoint.
  std::string start(const std::string& name) {
    node_ = std::make_unique<NodeProcess>(name, std::vector<std::string>{"--gateway", "tcp://127.0.0.1:0", "--data-dir", data_.string(),
                                                                         "--workers", (dir_ / "workers.json").string(), "--time-scale", "20"},
                                          dir_);
    if (node_->address().empty()) return "";
    const std::string line = node_->read_line(std::chrono::seconds(10));
    const auto at = line.find("gateway on ");
    if (at == std::string::npos) return "";
    return line.substr(at + 11, line.find(' ', at + 11) - (at + 11));
  }
  fs::path dir_, data_;
  std::unique_ptr<NodeProcess> node_;
};

TEST_F(DurableLedgerNode, KilledMidRunItsRestartChargesTheReservationsInFlightOnceAndWatchersSeeCoordinatorRestarted) {
  const std::string endpoint = start("a");
  ASSERT_FALSE(endpoint.empty()) << node_->stderr_text();
  // The node's selector must know its 13 workers before anything is submitted.
  {
    edge::Client c({endpoint, 5});
    std::uint32_t live = 0;
    for (int i = 0; i < 200 && live < kWorkers; ++i, usleep(20000)) {
      live = 0;
      const StatusReply s = std::get<StatusReply>(c.call(StatusRequest{}));  // by value: no dangling range-for
      for (const auto& m : s.workers) live += m.live;
    }
    ASSERT_EQ(live, kWorkers);
  }
  // Six long workflows (the three examples twice: chains and fan-outs), each watched by its own client.
  constexpr int kWorkflows = 6;
  const char* const examples[] = {"proofflow-euler.json", "research-agent.json", "codeflow-color.json"};
  std::vector<std::unique_ptr<edge::Client>> clients;
  std::vector<WorkflowId> ids;
  for (int i = 0; i < kWorkflows; ++i) {
    clients.push_back(std::make_unique<edge::Client>(edge::ClientOptions{endpoint, 10}));
    SubmitRequest s;
    s.workflow_json = example_json(examples[i % 3]);
    s.source_name = examples[i % 3];
    s.deadline_s = 1e6;  // runs until killed
    s.seed = static_cast<std::uint64_t>(i + 1);
    s.watch = true;
    const Response r = clients.back()->call(s);
    ASSERT_TRUE(std::holds_alternative<Accepted>(r)) << (std::holds_alternative<Refused>(r) ? std::get<Refused>(r).text : "?");
    ids.push_back(std::get<Accepted>(r).workflow);
  }
  // Read events (and the live journals: a grant is written before anyone hears of it) until
  // samples have settled and many reservations are in flight, then kill -9 at once (a sample
  // takes seconds at time scale 20: few settle between the look and the kill).
  std::map<WorkflowId, Money> seen_settled;
  std::map<WorkflowId, Seq> last_seq;
  int settled_samples = 0;
  std::size_t open_now = 0, workflows_open = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!(settled_samples >= 4 && open_now >= 8 && workflows_open >= 3) && std::chrono::steady_clock::now() < until) {
    for (auto& c : clients) {
      while (auto r = c->receive(0.005)) {
        const auto* e = std::get_if<Event>(&*r);
        if (!e) continue;
        last_seq[e->workflow] = std::max(last_seq[e->workflow], e->seq);
        if (const auto* x = std::get_if<SampleSettled>(&e->body)) seen_settled[e->workflow] += x->cost, ++settled_samples;
        ASSERT_FALSE(e->is_end()) << "a workflow ended before the kill";
      }
    }
    open_now = workflows_open = 0;
    for (WorkflowId id : ids) {
      const std::size_t n = read_journal_money(data_ / ("workflow-" + std::to_string(id) + ".journal")).open.size();
      open_now += n;
      workflows_open += n > 0 ? 1 : 0;
    }
  }
  ASSERT_GE(settled_samples, 4) << node_->stderr_text();
  ASSERT_GE(open_now, 8u) << "never saw 8 reservations in flight";
  ASSERT_GE(workflows_open, 3u) << "never saw reservations in flight in 3 workflows at once";
  node_->signal(SIGKILL);
  ASSERT_EQ(node_->wait_exit(std::chrono::seconds(5)), 128 + SIGKILL);

  // The oracle, from the files the killed node left.
  std::map<WorkflowId, JournalMoney> before;
  std::size_t in_flight = 0;
  for (WorkflowId id : ids) {
    const fs::path live = data_ / ("workflow-" + std::to_string(id) + ".journal");
    ASSERT_TRUE(fs::exists(live)) << live;
    before[id] = read_journal_money(live);
    in_flight += before[id].open.size();
    EXPECT_LE(seen_settled[id], before[id].settled) << "workflow " << id << ": the client was told of a settlement the journal lacks";
    std::cout << "workflow " << id << " at the kill: settled " << before[id].settled << " pico$ (client saw " << seen_settled[id]
              << "), " << before[id].open.size() << " reservations in flight, " << before[id].in_flight() << " pico$\n";
  }
  EXPECT_GE(in_flight, 6u) << "too few reservations in flight at the kill to test the rule";

  // A corrupt journal in the directory must not stop the restart.
  std::ofstream(data_ / "workflow-99.journal") << "0 concord-ledger-journal 1 100 #00000000\n";
  const std::string endpoint2 = start("a-restarted");
  ASSERT_FALSE(endpoint2.empty()) << node_->stderr_text();
  edge::Client client({endpoint2, 10});
  for (WorkflowId id : ids) {
    const Money expected = before[id].settled + before[id].in_flight();
    bool lost_told = false;
    const auto end = client.watch(id, last_seq[id] + 1, [&](const Event& e) {
      if (std::holds_alternative<Lost>(e.body)) lost_told = true;
      return true;
    }, 10);
    ASSERT_TRUE(end.has_value()) << "workflow " << id;
    EXPECT_TRUE(lost_told) << "the events of the dead node are reported lost, not silently skipped";
    EXPECT_FALSE(end->completed);
    EXPECT_EQ(end->reason, EndReason::coordinator_restarted) << end->report;
    EXPECT_EQ(end->spend, expected) << "workflow " << id << ": settled " << before[id].settled << " + in flight "
                                    << before[id].in_flight() << "\n" << end->report;
    // The journal now holds the charges: nothing open, the same total; a later replay adds nothing.
    const fs::path settled = data_ / ("workflow-" + std::to_string(id) + ".settled");
    ASSERT_TRUE(fs::exists(settled)) << settled;
    EXPECT_FALSE(fs::exists(data_ / ("workflow-" + std::to_string(id) + ".journal")));
    const JournalMoney after = read_journal_money(settled);
    EXPECT_TRUE(after.open.empty());
    EXPECT_EQ(after.settled, expected);
  }
  const StatusReply status = std::get<StatusReply>(client.call(StatusRequest{}));
  ASSERT_EQ(status.workflows.size(), ids.size());
  for (const auto& w : status.workflows) {
    EXPECT_EQ(w.state, WorkflowState::ended);
    EXPECT_EQ(w.reserved, 0);
    EXPECT_EQ(w.spend, before[w.workflow].settled + before[w.workflow].in_flight());
  }
  const std::string log = node_->stderr_text();
  std::cout << "restarted node's log:\n" << log;
  EXPECT_NE(log.find("skipping " + (data_ / "workflow-99.journal").string()), std::string::npos) << log;
  for (WorkflowId id : ids) EXPECT_NE(log.find("workflow " + std::to_string(id) + " ended coordinator_restarted"), std::string::npos) << log;
  // A new workflow is numbered above every journal in the directory, the corrupt one included.
  SubmitRequest s;
  s.workflow_json = example_json("proofflow-euler.json");
  const Response r = client.call(s);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  EXPECT_GT(std::get<Accepted>(r).workflow, 99u);
}

}  // namespace
}  // namespace concord
