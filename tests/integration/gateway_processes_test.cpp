// The service edge with real processes: `concord node --gateway` on loopback, clients using
// edge::Client (the class `concord submit/watch/...` use) over ZeroMQ + Cap'n Proto. Node A hosts
// the workflows but has no worker of its own: every sample runs on node B's workers, so a
// completed workflow shows that a hosted run uses the whole cluster.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <map>
#include <cstdio>
#include <sstream>
#include <set>

#include "edge/client.hpp"
#include "edge/curve_keys.hpp"
#include "edge/wire_codec.hpp"
#include "support/node_process.hpp"
#include "model/workflow_json.hpp"

#include <zmq.hpp>

namespace concord {
namespace {

using namespace concord::service;

/// The node's status, by value (a range-for over a member of std::get<>(a temporary) would dangle).
StatusReply status(edge::Client& client) { return std::get<StatusReply>(client.call(StatusRequest{})); }

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
    endpoint_ = line.substr(at + 11, line.find(' ', at + 11) - (at + 11));
    if (std::find(a_extra.begin(), a_extra.end(), "--metrics") != a_extra.end()) {
      const std::string m = a_->read_line(std::chrono::seconds(10));
      const auto colon = m.rfind(':');
      ASSERT_NE(m.find("metrics on http://"), std::string::npos) << m;
      metrics_port_ = std::stoi(m.substr(colon + 1));
    }
    b_ = std::make_unique<NodeProcess>("b", std::vector<std::string>{"--workers", (dir_ / "workers.json").string(), "--seed",
                                                                     a_->address(), "--time-scale", "200"},
                                       dir_);
    ASSERT_FALSE(b_->address().empty()) << b_->stderr_text();
    // Node A's selector hears B's workers once B has joined: wait (bounded) until status says so.
    edge::Client c(options(5));
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
  edge::ClientOptions options(double timeout_s) const { return {endpoint_, timeout_s, server_public_, client_secret_}; }
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
  int metrics_port_ = 0;
  std::string server_public_, client_secret_;  // CURVE, when the test sets them
};

/// GET http://127.0.0.1:PORT/PATH: the body ("" on failure). Bounded: 5 s.
std::string http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (int i = 0; i < 10000; ++i) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  const auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

/// The value of an unlabelled (or exactly labelled) sample in Prometheus text ("name{labels}"); -1 if absent.
double metric(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return -1;
}

TEST_F(GatewayNodes, ThreeWorkflowsWatchedAcrossAReconnectLoseAndRepeatNoEvent) {
  start();
  edge::Client client(options(10));
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
  // (Whether each completes is not asserted: in real time, three at once on a loaded machine may
  // miss the tight nominal deadlines; what is asserted is that every event arrives once, in order.)
  // The ended workflows stay watchable within retention: the whole story again, identical.
  std::vector<Seq> again;
  client.watch(ids[1], 1, [&](const Event& e) { again.push_back(e.seq); return true; }, 10);
  EXPECT_EQ(again, seen[ids[1]]);
  // Node status: every workflow ended, nothing left reserved.
  for (const auto& w : status(client).workflows) {
    EXPECT_EQ(w.state, WorkflowState::ended);
    EXPECT_EQ(w.reserved, 0);
  }
}

TEST_F(GatewayNodes, CancelEndsAWorkflowInterruptedWithEveryReservationSettled) {
  start();
  edge::Client client(options(10));
  SubmitRequest s = submit("proofflow-euler.json");
  s.deadline_s = 1e6;   // it would run for a long while
  s.watch = true;
  const Response r = client.call(s);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  const WorkflowId id = std::get<Accepted>(r).workflow;
  // Cancel once a batch has launched (from a second client: any client may cancel).
  Money settled = 0;
  bool cancelled = false;
  edge::Client other(options(10));
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
  for (const auto& w : status(client).workflows) {
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
  edge::Client client(options(10));
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

TEST_F(GatewayNodes, CurveAnswersOnlyAllowedClientsAndMetricsCountWhatTheRunMoved) {
  const auto node = edge::write_curve_key_pair((fs::temp_directory_path() / ("concord-keys-" + std::to_string(getpid()))).string(), "node");
  const std::string keys = (fs::temp_directory_path() / ("concord-keys-" + std::to_string(getpid()))).string();
  const auto alice = edge::write_curve_key_pair(keys + "/allowed", "alice");
  const auto mallory = edge::write_curve_key_pair(keys, "mallory");
  server_public_ = node.public_z85;
  client_secret_ = alice.secret_z85;
  start({"--curve-secret", keys + "/node.key", "--clients", keys + "/allowed", "--metrics", "127.0.0.1:0"});
  ASSERT_GT(metrics_port_, 0);
  // An allowed client runs a workflow to its end.
  edge::Client client(options(10));
  SubmitRequest s = submit("proofflow-euler.json");
  const Response r = client.call(s);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  Money settled = 0;
  std::uint32_t dispatched = 0;
  const auto end = client.watch(std::get<Accepted>(r).workflow, 1, [&](const Event& e) {
    if (const auto* x = std::get_if<SampleSettled>(&e.body)) settled += x->cost;
    if (const auto* x = std::get_if<BatchLaunched>(&e.body)) dispatched += x->k;
    return true;
  }, 60);
  ASSERT_TRUE(end.has_value());
  // A client with a key the node does not know, and one without CURVE, get no answer at all.
  edge::Client stranger({endpoint_, 1, node.public_z85, mallory.secret_z85});
  EXPECT_THROW(stranger.call(StatusRequest{}), edge::ClientError);
  edge::Client plain({endpoint_, 1, "", ""});
  EXPECT_THROW(plain.call(StatusRequest{}), edge::ClientError);
  // A real HTTP scrape: the counters the run moved.
  const std::string text = http_get(metrics_port_, "/metrics");
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(metric(text, "concord_workflows_started_total"), 1);
  EXPECT_EQ(metric(text, "concord_workflows_running"), 0);
  EXPECT_EQ(metric(text, "concord_samples_dispatched_total"), dispatched);
  EXPECT_NEAR(metric(text, "concord_spend_committed_dollars_total"), static_cast<double>(settled) * 1e-12, 1e-9);
  EXPECT_NEAR(metric(text, "concord_spend_reserved_dollars"), 0, 1e-9);
  EXPECT_GT(metric(text, "concord_planner_decision_seconds_count"), 0);
  EXPECT_GE(metric(text, "concord_gateway_unauthenticated_total"), 1) << text;
  EXPECT_NE(text.find("concord_workflows_ended_total{reason=\""), std::string::npos);
  std::error_code ec;
  fs::remove_all(keys, ec);
}

using testing_support::rss_kib;

// Hostile input at the socket: garbage, truncated and oversized frames, another version, and
// thousands of connections opened and dropped. The node answers what it can (a refusal naming the
// problem), drops what it cannot, and keeps serving with bounded memory.
TEST_F(GatewayNodes, HostileFramesAndThousandsOfDroppedConnectionsLeaveTheNodeServing) {
  start({"--metrics", "127.0.0.1:0"});
  zmq::context_t ctx(1);
  auto ask = [&](const std::string& bytes) -> std::optional<Response> {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.connect(endpoint_);
    s.send(zmq::buffer(bytes), zmq::send_flags::none);
    zmq::pollitem_t item{static_cast<void*>(s), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::seconds(5)) == 0) return std::nullopt;
    zmq::message_t m;
    if (!s.recv(m)) return std::nullopt;
    auto r = edge::decode_response(m.to_string_view());
    if (!std::holds_alternative<Response>(r)) return std::nullopt;
    return std::get<Response>(r);
  };
  const std::string good = edge::encode(Request{SubmitRequest{example_json("research-agent.json")}});
  for (const std::string& bad : {std::string("GET / HTTP/1.1\r\n\r\n"), std::string(64, '\xff'), good.substr(0, good.size() / 2 / 8 * 8)}) {
    const auto r = ask(bad);
    ASSERT_TRUE(r.has_value()) << "no answer to a bad frame";
    ASSERT_TRUE(std::holds_alternative<Refused>(*r));
    EXPECT_EQ(std::get<Refused>(*r).code, RefusalCode::bad_message);
    EXPECT_FALSE(std::get<Refused>(*r).text.empty());
  }
  std::string other = edge::encode(Request{StatusRequest{}});
  other[16] = 9;  // the version field
  const auto v = ask(other);
  ASSERT_TRUE(v && std::holds_alternative<Refused>(*v));
  EXPECT_EQ(std::get<Refused>(*v).code, RefusalCode::bad_version);
  const long rss0 = rss_kib(a_->pid());
  // 17 MiB: over the 16 MiB limit ZeroMQ enforces: the peer is dropped, nothing is answered.
  EXPECT_FALSE(ask(std::string(17u << 20, 'x')).has_value());
  // Thousands of connections, each sending a fragment of garbage and going away at once.
  // (Batches of 100, each with its own context: closing a context waits for its sockets, so this
  // client never holds more than 100 connections' descriptors.)
  for (int batch = 0; batch < 30; ++batch) {
    zmq::context_t c(1);
    for (int i = 0; i < 100; ++i) {
      zmq::socket_t s(c, zmq::socket_type::dealer);
      s.set(zmq::sockopt::linger, 2000);  // the frame is delivered before the socket goes (bounded)
      s.connect(endpoint_);
      const std::string junk(static_cast<std::size_t>(8 + i % 64), static_cast<char>(batch * 100 + i));
      s.send(zmq::buffer(junk), zmq::send_flags::dontwait);
    }
  }
  edge::Client client(options(10));
  const Response st = client.call(StatusRequest{});
  ASSERT_TRUE(std::holds_alternative<StatusReply>(st)) << "the node still serves";
  const long rss1 = rss_kib(a_->pid());
#ifndef CONCORD_SANITIZED  // ASan keeps freed memory in its quarantine (256 MiB): RSS says nothing there
  EXPECT_LT(rss1 - rss0, 64 * 1024) << "RSS grew from " << rss0 << " KiB to " << rss1 << " KiB";
#else
  (void)rss0, (void)rss1;
#endif
  // Every junk frame reached the node and was refused (and counted); ZeroMQ dropped the 17 MiB one.
  const std::string text = http_get(metrics_port_, "/metrics");
  EXPECT_GE(metric(text, "concord_gateway_frames_refused_total"), 3000 + 4) << text;
}

// SIGTERM while the node hosts running workflows: every actor stops (the host actors' children are
// linked to them), so the node exits by itself, not by the 3 s stop watchdog.
TEST_F(GatewayNodes, SigtermStopsANodeHostingRunningWorkflowsWithoutTheWatchdog) {
  start();
  edge::Client client(options(10));
  for (int i = 0; i < 3; ++i) {
    SubmitRequest s = submit("proofflow-euler.json");
    s.deadline_s = 1e6;
    s.seed = static_cast<std::uint64_t>(i + 1);
    ASSERT_TRUE(std::holds_alternative<Accepted>(client.call(s)));
  }
  usleep(300000);  // batches are running
  for (const auto& w : status(client).workflows) EXPECT_EQ(w.state, WorkflowState::running);
  a_->signal(SIGTERM);
  EXPECT_EQ(a_->wait_exit(std::chrono::seconds(10)), 0);
#ifndef CONCORD_SANITIZED  // sanitized, the in-flight samples' actors may take longer than the 3 s grace to finish
  EXPECT_EQ(a_->stderr_text().find("did not stop within"), std::string::npos) << a_->stderr_text();
#endif
}

struct CliRun {
  int code = -1;
  std::string out;
};

/// Runs `concord ARGS` (stderr to /dev/null) from the source folder; its exit code and stdout.
CliRun concord_cli(const std::string& args) {
  CliRun r;
  const std::string cmd = std::string("cd ") + CONCORD_SOURCE_DIR + " && timeout 120 " + CONCORD_BIN + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// README.md "Concord as a service": the commands shown there, against a node started as shown
// (any free port instead of the fixed ones).
TEST_F(GatewayNodes, TheReadmeServiceCommandsWork) {
  start();
  const std::string to = " --to " + endpoint_;
  const CliRun submitted = concord_cli("submit examples/proofflow-euler.json" + to + " --watch");
  ASSERT_TRUE(submitted.code == 0 || submitted.code == 1) << submitted.out;
  EXPECT_NE(submitted.out.find("workflow 1 accepted by " + endpoint_), std::string::npos) << submitted.out;
  const auto report_at = submitted.out.find("concord run examples/proofflow-euler.json");
  ASSERT_NE(report_at, std::string::npos) << submitted.out;
  const std::string report = submitted.out.substr(report_at);
  EXPECT_EQ(submitted.code == 0, report.find("COMPLETED") != std::string::npos);
  const CliRun status = concord_cli("status" + to);
  EXPECT_EQ(status.code, 0);
  EXPECT_NE(status.out.find("members    a, b"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("ended"), std::string::npos) << status.out;
  const CliRun watched = concord_cli("watch 1" + to);
  EXPECT_EQ(watched.code, submitted.code);
  EXPECT_EQ(watched.out, report) << "watch replays the same report";
  EXPECT_EQ(concord_cli("cancel 1" + to).code, 0);  // ended already: nothing to stop, not an error
  EXPECT_EQ(concord_cli("cancel 99" + to).code, 2);
  EXPECT_EQ(concord_cli("submit examples/no-such-file.json" + to).code, 2);
  EXPECT_EQ(concord_cli("status --to tcp://127.0.0.1:1 --timeout 0.5").code, 2);
  // A gateway on a non-loopback address without CURVE does not start (unless --insecure).
  EXPECT_EQ(concord_cli("node --name x --gateway tcp://0.0.0.0:0").code, 2);
  const std::string keys = (dir_ / "keys").string();
  const CliRun keygen = concord_cli("keygen --out " + keys + " --name node");
  EXPECT_EQ(keygen.code, 0);
  EXPECT_TRUE(fs::exists(keys + "/node.key") && fs::exists(keys + "/node.pub"));
  EXPECT_EQ(fs::status(keys + "/node.key").permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
}

}  // namespace
}  // namespace concord
