// Tenant ledgers in the running system (issue 13, docs/negotiation.md "Actors"), with real
// processes on loopback: node A hosts tenant "acme"'s ledger (`--tenants`) and a gateway (to be
// asked for its status) but no workers; node B joins A, hosts the workflows (their ledgers and
// planners: the planner's node) and the workers. B's workflow ledgers draw from acme on A.
//
// What is checked, from A's status polled every few ms (the tenant's own totals):
//   - committed + reserved <= budget at every poll;
//   - kill -9 of B mid-run while it holds reservations at A: within lease_s (+ slack) A's reserved
//     returns to 0, what was committed stays committed, no lease is live;
//   - many concurrent workflows of acme: the tenant's spend never exceeds its budget (exact
//     picodollars), and Σ the workflows' spend (B's status) = the tenant's committed total
//     (+ uncovered, which stays 0): no commit lost, none double-counted;
//   - a submit naming an unknown tenant, or none, is refused with the reason; `concord status`
//     shows the tenant.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "edge/client.hpp"
#include "model/workflow_json.hpp"
#include "support/node_process.hpp"

namespace concord {
namespace {

using namespace concord::service;

std::string example_json(const char* name) {
  return write_workflow_json(read_workflow_file(std::string(CONCORD_SOURCE_DIR) + "/examples/" + name));
}

/// The gateway endpoint a node prints ("... gateway on tcp://...").
std::string gateway_of(NodeProcess& n) {
  for (int i = 0; i < 20; ++i) {
    const std::string line = n.read_line(std::chrono::seconds(10));
    const auto at = line.find("gateway on ");
    if (at != std::string::npos) return line.substr(at + 11, line.find(' ', at + 11) - (at + 11));
    if (line.empty()) break;
  }
  return "";
}

StatusReply status(edge::Client& c) { return std::get<StatusReply>(c.call(StatusRequest{})); }

class TenantNodes : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kWorkers = 13;
  static constexpr double kLeaseS = 2.0;
  /// A with tenant acme (budget_usd per period, one period), B with the workers at `time_scale`.
  void start(double budget_usd, const std::string& time_scale) {
    dir_ = fs::temp_directory_path() / ("concord-tenant-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "workers.json")
        << R"({"workers": [{"model": "goedel32b", "count": 2}, {"model": "goedel8b", "count": 2}, {"model": "kimina7b", "count": 2},)"
        << R"({"model": "large", "count": 1}, {"model": "small", "count": 1}, {"model": "search-tool", "count": 1},)"
        << R"({"model": "30B_think", "count": 1}, {"model": "30B_ins", "count": 1}, {"model": "4B_think", "count": 1},)"
        << R"({"model": "4B_ins", "count": 1}]})";
    std::ofstream(dir_ / "tenants.json") << R"({"tenants": [{"name": "acme", "budget_usd": )" << budget_usd
                                         << R"(, "lease_s": )" << kLeaseS << "}]}";
    a_ = std::make_unique<NodeProcess>("a", std::vector<std::string>{"--gateway", "tcp://127.0.0.1:0", "--tenants", (dir_ / "tenants.json").string()},
                                       dir_);
    ASSERT_FALSE(a_->address().empty()) << a_->stderr_text();
    a_endpoint_ = gateway_of(*a_);
    ASSERT_FALSE(a_endpoint_.empty()) << a_->stderr_text();
    b_ = std::make_unique<NodeProcess>("b", std::vector<std::string>{"--gateway", "tcp://127.0.0.1:0", "--seed", a_->address(), "--workers",
                                                                     (dir_ / "workers.json").string(), "--time-scale", time_scale},
                                       dir_);
    ASSERT_FALSE(b_->address().empty()) << b_->stderr_text();
    b_endpoint_ = gateway_of(*b_);
    ASSERT_FALSE(b_endpoint_.empty()) << b_->stderr_text();
    edge::Client c({b_endpoint_, 5});
    for (int i = 0; i < 200; ++i, usleep(20000)) {
      std::uint32_t live = 0;
      for (const auto& m : status(c).workers) live += m.live;
      if (live == kWorkers) return;
    }
    FAIL() << "node B never saw its " << kWorkers << " workers";
  }
  void TearDown() override {
    b_.reset();
    a_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  /// A's view of acme; fails the test if A does not report it.
  TenantStatus tenant(edge::Client& a) {
    const StatusReply s = status(a);
    EXPECT_EQ(s.tenants.size(), 1u);
    return s.tenants.empty() ? TenantStatus{} : s.tenants[0];
  }
  /// Polls A's acme status; checks the budget invariant at every poll.
  TenantStatus checked(edge::Client& a) {
    const TenantStatus t = tenant(a);
    EXPECT_LE(t.committed + t.reserved, t.budget) << "committed " << t.committed << " + reserved " << t.reserved;
    ++polls_;
    return t;
  }
  SubmitRequest submit(const char* example, std::uint64_t seed, double deadline_s = 0) {
    SubmitRequest s;
    s.workflow_json = example_json(example);
    s.source_name = example;
    s.tenant = "acme";
    s.seed = seed;
    s.deadline_s = deadline_s;
    return s;
  }
  fs::path dir_;
  std::unique_ptr<NodeProcess> a_, b_;
  std::string a_endpoint_, b_endpoint_;
  int polls_ = 0;
};

TEST_F(TenantNodes, KillingThePlannersNodeReturnsItsReservationsWithinTheLease) {
  ASSERT_NO_FATAL_FAILURE(start(1000, "20"));  // a budget that does not bind: reservations pile up
  edge::Client b({b_endpoint_, 10}), a({a_endpoint_, 10});
  const char* const examples[] = {"proofflow-euler.json", "research-agent.json", "codeflow-color.json"};
  for (int i = 0; i < 6; ++i) {
    const Response r = b.call(submit(examples[i % 3], static_cast<std::uint64_t>(i + 1), 1e6));
    ASSERT_TRUE(std::holds_alternative<Accepted>(r)) << (std::holds_alternative<Refused>(r) ? std::get<Refused>(r).text : "?");
  }
  // Until A holds money for B's samples and some have been committed, then kill -9 at once.
  TenantStatus before;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    before = checked(a);
    if (before.reserved > 0 && before.committed > 0 && before.live_leases >= 3) break;
    usleep(5000);
  }
  ASSERT_GT(before.reserved, 0) << "A never held B's reservations";
  ASSERT_GT(before.committed, 0);
  ASSERT_GE(before.live_leases, 3u);
  b_->signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_EQ(b_->wait_exit(std::chrono::seconds(5)), 128 + SIGKILL);
  TenantStatus after = checked(a);
  const double kSlackS = 1.5;  // A's expiry tick (0.2 s at lease 2 s), the kill, polling, a loaded machine
  while ((after.reserved > 0 || after.live_leases > 0) &&
         std::chrono::steady_clock::now() < killed + std::chrono::duration<double>(kLeaseS + kSlackS)) {
    usleep(5000);
    after = checked(a);
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  std::cout << "at the kill: committed " << before.committed << " reserved " << before.reserved << " pico$, " << before.live_leases
            << " leases; reserved " << after.reserved << ", leases " << after.live_leases << " after " << took << " s (lease "
            << kLeaseS << " s); committed " << after.committed << ", " << after.expired_holdings << " holdings expired; " << polls_
            << " polls\n";
  EXPECT_EQ(after.reserved, 0) << "within lease_s " << kLeaseS << " + " << kSlackS << " s";
  EXPECT_GE(after.committed, before.committed) << "committed money stays spent";
  EXPECT_EQ(after.live_leases, 0u) << "every lease of B's workflows expired";
  EXPECT_GT(after.expired_holdings, 0u);
}

TEST_F(TenantNodes, ManyConcurrentWorkflowsNeverTakeTheTenantOverItsBudget) {
  // 12 workflows whose own budgets add up to far more than acme's $0.05.
  ASSERT_NO_FATAL_FAILURE(start(0.05, "200"));
  edge::Client b({b_endpoint_, 10}), a({a_endpoint_, 10});
  const TenantStatus fresh = checked(a);
  EXPECT_EQ(fresh.budget, 50'000'000'000);  // $0.05 exactly, in picodollars
  EXPECT_EQ(fresh.name, "acme");
  // Refusals name the tenant and the reason.
  SubmitRequest unknown = submit("research-agent.json", 1);
  unknown.tenant = "globex";
  const Response r1 = b.call(unknown);
  ASSERT_TRUE(std::holds_alternative<Refused>(r1));
  EXPECT_NE(std::get<Refused>(r1).text.find("no node of the cluster configures tenant \"globex\" (configured: acme)"), std::string::npos)
      << std::get<Refused>(r1).text;
  unknown.tenant = "";
  const Response r2 = b.call(unknown);
  ASSERT_TRUE(std::holds_alternative<Refused>(r2));
  EXPECT_NE(std::get<Refused>(r2).text.find("name one"), std::string::npos) << std::get<Refused>(r2).text;

  const char* const examples[] = {"proofflow-euler.json", "research-agent.json", "codeflow-color.json"};
  constexpr int kWorkflows = 12;
  Money sum_budgets = 0;
  for (int i = 0; i < kWorkflows; ++i) {
    const Response r = b.call(submit(examples[i % 3], static_cast<std::uint64_t>(i + 1)));
    ASSERT_TRUE(std::holds_alternative<Accepted>(r)) << (std::holds_alternative<Refused>(r) ? std::get<Refused>(r).text : "?");
  }
  // Poll A while they run; wait until B reports every workflow ended.
  StatusReply bs;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    checked(a);
    bs = status(b);
    const bool all_ended = std::all_of(bs.workflows.begin(), bs.workflows.end(), [](const WorkflowStatus& w) { return w.state == WorkflowState::ended; });
    if ((all_ended && bs.workflows.size() == kWorkflows) || std::chrono::steady_clock::now() > until) break;
    usleep(10000);
  }
  ASSERT_EQ(bs.workflows.size(), static_cast<std::size_t>(kWorkflows));
  Money sum_spend = 0;
  for (const auto& w : bs.workflows) {
    EXPECT_EQ(w.state, WorkflowState::ended);
    EXPECT_EQ(w.tenant, "acme");
    EXPECT_EQ(w.reserved, 0);
    sum_spend += w.spend;
    sum_budgets += w.budget;
  }
  // The ledgers pass their last commits on after their workflow ended: wait (bounded) for A to hear them.
  TenantStatus t = checked(a);
  for (int i = 0; i < 500 && t.committed_total + t.uncovered != sum_spend; ++i, usleep(10000)) t = checked(a);
  std::cout << "12 workflows, Σ budgets " << sum_budgets << " pico$, Σ spend " << sum_spend << "; tenant budget " << t.budget
            << ", committed " << t.committed << ", uncovered " << t.uncovered << ", " << polls_ << " polls\n";
  EXPECT_GT(sum_budgets, 2 * t.budget) << "the workflows' own budgets would overspend the tenant";
  EXPECT_LE(t.committed, t.budget);
  EXPECT_EQ(t.reserved, 0);
  EXPECT_EQ(t.uncovered, 0);
  EXPECT_EQ(t.committed_total + t.uncovered, sum_spend) << "every workflow's spend reached the tenant, once";
  EXPECT_LE(sum_spend, t.budget);
  // `concord status` on A shows the tenant.
  const std::string cmd = std::string(CONCORD_BIN) + " status --to " + a_endpoint_ + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << out;
  EXPECT_NE(out.find("tenant     acme"), std::string::npos) << out;
  EXPECT_NE(out.find(std::to_string(t.committed) + " + 0 <= 50000000000 picodollars"), std::string::npos) << out;
}

// A tenant listed on two nodes has no single home: a submit naming it is refused, naming both nodes;
// a tenant listed on one of them only is served.
TEST(TenantHome, ATenantListedOnTwoNodesIsRefusedNamingBoth) {
  const fs::path dir = fs::temp_directory_path() / ("concord-tenant-home-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a.json") << R"({"tenants": [{"name": "acme", "budget_usd": 1}, {"name": "solo", "budget_usd": 1}]})";
  std::ofstream(dir / "b.json") << R"({"tenants": [{"name": "acme", "budget_usd": 2}]})";
  {
    NodeProcess a("a", {"--tenants", (dir / "a.json").string()}, dir);
    ASSERT_FALSE(a.address().empty()) << a.stderr_text();
    NodeProcess b("b", {"--tenants", (dir / "b.json").string(), "--seed", a.address(), "--gateway", "tcp://127.0.0.1:0", "--workers",
                        std::string(CONCORD_SOURCE_DIR) + "/examples/workers.json"},
                  dir);
    const std::string endpoint = gateway_of(b);
    ASSERT_FALSE(endpoint.empty()) << b.stderr_text();
    edge::Client c({endpoint, 10});
    SubmitRequest s;
    s.workflow_json = example_json("proofflow-euler.json");
    s.tenant = "acme";
    const Response r = c.call(s);
    ASSERT_TRUE(std::holds_alternative<Refused>(r));
    EXPECT_NE(std::get<Refused>(r).text.find("tenant: \"acme\" is configured on 2 nodes (b, a)"), std::string::npos) << std::get<Refused>(r).text;
    s.tenant = "solo";  // on node a only: found there, through the node managers
    const Response ok = c.call(s);
    EXPECT_TRUE(std::holds_alternative<Accepted>(ok)) << (std::holds_alternative<Refused>(ok) ? std::get<Refused>(ok).text : "?");
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

/// Runs `concord ARGS` from the source folder (stderr to /dev/null): exit code and stdout.
std::pair<int, std::string> concord_cli(const std::string& args) {
  const std::string cmd = std::string("cd ") + CONCORD_SOURCE_DIR + " && timeout 120 " + CONCORD_BIN + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// README.md "Tenant budgets": the commands shown there, against a node started as shown (any free
// ports instead of the fixed ones).
TEST(TenantReadme, TheReadmeTenantCommandsWork) {
  const fs::path dir = fs::temp_directory_path() / ("concord-tenant-readme-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string src = CONCORD_SOURCE_DIR;
  std::string endpoint;
  {
    NodeProcess a("a", {"--workers", src + "/examples/workers.json", "--tenants", src + "/examples/tenants.json", "--gateway", "tcp://127.0.0.1:0"},
                  dir);
    ASSERT_FALSE(a.address().empty()) << a.stderr_text();
    endpoint = gateway_of(a);
    ASSERT_FALSE(endpoint.empty()) << a.stderr_text();
    const auto [code, out] = concord_cli("submit examples/proofflow-euler.json --tenant acme --to " + endpoint + " --watch");
    EXPECT_TRUE(code == 0 || code == 1) << out;
    EXPECT_NE(out.find("concord run examples/proofflow-euler.json"), std::string::npos) << out;
    const auto [scode, status] = concord_cli("status --to " + endpoint);
    EXPECT_EQ(scode, 0) << status;
    EXPECT_NE(status.find("tenant     acme"), std::string::npos) << status;
    EXPECT_NE(status.find("of $5.000000 per 3600 s  lease 10 s"), std::string::npos) << status;
    const auto [rcode, refused] = concord_cli("submit examples/proofflow-euler.json --tenant globex --to " + endpoint);
    EXPECT_EQ(rcode, 2) << refused;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace concord
