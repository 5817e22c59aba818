// External workers with real processes (issue 12): `concord node --worker-endpoint` on loopback,
// `concord worker` processes of the exec and OpenAI-compatible kinds attached to it (the latter
// talking to a real HTTP server: tests/support/openai_stub.py), workflows with prompts and checks
// submitted through the gateway (edge::Client). Real workers run in real time: --time-scale 1.
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <regex>

#include "edge/client.hpp"
#include "model/workflow_json.hpp"
#include "support/node_process.hpp"

namespace concord {
namespace {

using namespace concord::service;
using testing_support::ChildProcess;

const std::string kSource = CONCORD_SOURCE_DIR;
const std::string kTool = "python3 " + kSource + "/examples/real/tool.py";

/// What a watcher saw of one workflow.
struct Story {
  std::optional<Ended> end;
  std::vector<Event> events;
  Money settled = 0;            // sum of SampleSettled costs
  std::uint64_t settlements = 0, launched_samples = 0;
  std::map<std::string, std::string> outputs;  // subtask -> accepted output
  std::vector<Money> sample_costs;
  std::map<std::uint64_t, std::uint32_t> batch_k, batch_settled;  // by batch id
};

class ExternalWorkers : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("concord-ext-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    workers_.clear();
    b_.reset();
    a_.reset();
    stub_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// Node A: gateway + worker endpoint. Extra flags after the defaults.
  void start_a(std::vector<std::string> extra = {}, const std::string& worker_endpoint = "tcp://127.0.0.1:0") {
    std::vector<std::string> args{"--gateway", "tcp://127.0.0.1:0", "--worker-endpoint", worker_endpoint, "--time-scale", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    a_ = std::make_unique<NodeProcess>("a", args, dir_);
    ASSERT_FALSE(a_->address().empty()) << a_->stderr_text();
    gateway_ = endpoint_after(*a_, "gateway on ");
    a_workers_ = endpoint_after(*a_, "worker endpoint on ");
    ASSERT_FALSE(gateway_.empty() || a_workers_.empty()) << a_->stderr_text();
  }
  /// Node B: a worker endpoint only, joined to A.
  void start_b() {
    b_ = std::make_unique<NodeProcess>("b", std::vector<std::string>{"--worker-endpoint", "tcp://127.0.0.1:0", "--seed", a_->address(),
                                                                     "--time-scale", "1"},
                                       dir_);
    ASSERT_FALSE(b_->address().empty()) << b_->stderr_text();
    for (int i = 0; i < 10 && b_workers_.empty(); ++i) b_workers_ = endpoint_after(*b_, "worker endpoint on ");
    ASSERT_FALSE(b_workers_.empty()) << b_->stderr_text();
  }
  static std::string endpoint_after(ChildProcess& p, const std::string& marker) {
    for (int i = 0; i < 5; ++i) {
      const std::string line = p.read_line(std::chrono::seconds(10));
      const auto at = line.find(marker);
      if (at != std::string::npos) return line.substr(at + marker.size(), line.find(' ', at + marker.size()) - (at + marker.size()));
    }
    return "";
  }
  ChildProcess& worker(const std::string& name, const std::string& endpoint, std::vector<std::string> kind) {
    std::vector<std::string> args{CONCORD_BIN, "worker", "--to", endpoint, "--name", name};
    args.insert(args.end(), kind.begin(), kind.end());
    workers_[name] = std::make_unique<ChildProcess>(args, (dir_ / (name + ".stderr")).string(), kSource);
    return *workers_[name];
  }
  /// Waits (bounded) until node A's selector knows `count` live workers of `model`.
  void await_workers(const std::string& model, std::uint32_t count) {
    edge::Client c({gateway_, 5, "", ""});
    for (int i = 0; i < 500; ++i) {  // 10 s
      const auto s = std::get<StatusReply>(c.call(StatusRequest{}));
      for (const auto& m : s.workers)
        if (m.model == model && m.live >= count) return;
      usleep(20000);
    }
    FAIL() << "node A never saw " << count << " live workers of " << model << "\n" << a_->stderr_text();
  }
  /// Submits a workflow file with watch and follows it to its end (bounded by idle_s of silence).
  Story run(const std::string& file, Money budget = 0, double deadline_s = 0,
            const std::function<void(const Event&)>& on_event = {}) {
    edge::Client client({gateway_, 10, "", ""});
    SubmitRequest s;
    s.workflow_json = write_workflow_json(read_workflow_file(file));
    s.source_name = fs::path(file).filename();
    s.budget = budget;
    s.deadline_s = deadline_s;
    const auto r = client.call(Request{s});
    Story story;
    const auto* accepted = std::get_if<Accepted>(&r);
    EXPECT_NE(accepted, nullptr) << (std::holds_alternative<Refused>(r) ? std::get<Refused>(r).text : "");
    if (!accepted) return story;
    story.end = client.watch(accepted->workflow, 1, [&](const Event& e) {
      story.events.push_back(e);
      if (const auto* x = std::get_if<SampleSettled>(&e.body)) {
        story.settled += x->cost;
        story.sample_costs.push_back(x->cost);
        ++story.settlements;
        ++story.batch_settled[x->batch_id];
      }
      if (const auto* x = std::get_if<BatchLaunched>(&e.body)) story.launched_samples += x->k, story.batch_k[x->batch_id] = x->k;
      if (const auto* x = std::get_if<SubtaskEnded>(&e.body); x && x->succeeded) story.outputs[x->subtask] = x->output;
      if (on_event) on_event(e);
      return true;
    }, 60);
    return story;
  }

  fs::path dir_;
  std::unique_ptr<NodeProcess> a_, b_;
  std::unique_ptr<ChildProcess> stub_;
  std::map<std::string, std::unique_ptr<ChildProcess>> workers_;
  std::string gateway_, a_workers_, b_workers_;
};

/// Every sample's money is accounted once: the ledger's final spend is the sum of the settled
/// samples, and every sample of a batch the ledger granted was settled exactly once (a batch it
/// refused — the budget left could not cover its worst case — ran nothing and settles nothing).
void expect_money_accounted(const Story& s, Money budget) {
  ASSERT_TRUE(s.end);
  EXPECT_EQ(s.end->spend, s.settled);
  EXPECT_LE(s.end->spend, budget);
  for (const auto& [batch, k] : s.batch_k) {
    const auto it = s.batch_settled.find(batch);
    const std::uint32_t settled = it == s.batch_settled.end() ? 0 : it->second;
    EXPECT_TRUE(settled == k || settled == 0) << "batch " << batch << ": " << settled << " of " << k << " samples settled";
  }
  for (const auto& [batch, n] : s.batch_settled) EXPECT_TRUE(s.batch_k.count(batch)) << "settled samples of an unknown batch " << batch;
}

TEST_F(ExternalWorkers, AnExecPipelineCompletesAndEachOutputReachesItsChildren) {
  start_a();
  worker("tool", a_workers_, {"--model", "sh", "--capacity", "4", "--exec", kTool});
  await_workers("sh", 1);
  const Story s = run(kSource + "/examples/real/exec-pipeline.json");
  ASSERT_TRUE(s.end) << a_->stderr_text();
  EXPECT_TRUE(s.end->completed) << s.end->report << a_->stderr_text();
  expect_money_accounted(s, money_from_dollars(0.05));
  // plan -> code -> review: the code passed its test command, the review (a regex check) counted
  // the code's lines, which only the code's output in review's prompt can give.
  EXPECT_NE(s.outputs.at("plan").find("1. handle n < 2"), std::string::npos);
  EXPECT_NE(s.outputs.at("code").find("def is_prime(n):"), std::string::npos);
  EXPECT_EQ(s.outputs.at("review"), "reviewed: 9 lines; defines is_prime\n");
  // The final report shows each output's first line.
  EXPECT_NE(s.end->report.find("def is_prime(n): ...  (163 bytes)"), std::string::npos) << s.end->report;
}

TEST_F(ExternalWorkers, AFailingCheckIsAFailedSampleNeverASuccess) {
  start_a();
  // A tool whose "code" never passes the test command: it prints a wrong is_prime.
  worker("wrong", a_workers_, {"--model", "sh", "--capacity", "4", "--exec",
                               "sh -c 'read first; case \"$first\" in \"#code\"*) echo \"def is_prime(n): return True\";; *) "
                               "python3 " + kSource + "/examples/real/tool.py <<EOF\n$first\nEOF\n;; esac'"});
  await_workers("sh", 1);
  const Story s = run(kSource + "/examples/real/exec-pipeline.json", money_from_dollars(0.002), 8);
  ASSERT_TRUE(s.end) << a_->stderr_text();
  EXPECT_FALSE(s.end->completed);
  EXPECT_EQ(s.outputs.count("code"), 0u) << "an output that fails its check must not complete the subtask";
  EXPECT_EQ(s.outputs.count("review"), 0u);
  expect_money_accounted(s, money_from_dollars(0.002));
}

TEST_F(ExternalWorkers, AWorkerKilledMidSampleIsReplacedAndItsSampleChargedOnce) {
  start_a({"--worker-heartbeat", "0.1", "--worker-timeout", "0.6"});
  // The first worker takes 3 s per sample: it is killed while it holds the plan's samples.
  ChildProcess& slow = worker("slow", a_workers_, {"--model", "sh", "--capacity", "64", "--exec", "sleep 3; " + kTool});
  await_workers("sh", 1);
  bool killed = false;
  const Story s = run(kSource + "/examples/real/exec-pipeline.json", 0, 0, [&](const Event& e) {
    if (killed || !std::holds_alternative<BatchLaunched>(e.body)) return;
    killed = true;
    worker("fast", a_workers_, {"--model", "sh", "--capacity", "64", "--exec", kTool});
    await_workers("sh", 2);
    usleep(300000);  // the slow worker is mid-sample
    slow.signal(SIGKILL);
  });
  ASSERT_TRUE(killed);
  ASSERT_TRUE(s.end) << a_->stderr_text();
  EXPECT_TRUE(s.end->completed) << s.end->report << a_->stderr_text();
  expect_money_accounted(s, money_from_dollars(0.05));
  EXPECT_NE(a_->stderr_text().find("external worker slow is dead"), std::string::npos) << a_->stderr_text();
  EXPECT_NE(s.end->report.find("samples re-dispatched"), std::string::npos) << s.end->report;
}

TEST_F(ExternalWorkers, ALyingWorkerIsChargedNoMoreThanItsReservationAndTheLieIsLogged) {
  start_a();
  worker("liar", a_workers_, {"--model", "sh", "--capacity", "8", "--exec", kTool, "--fault", "lie-tokens"});
  await_workers("sh", 1);
  const Money budget = money_from_dollars(0.002);
  const Story s = run(kSource + "/examples/real/exec-pipeline.json", budget, 20);
  ASSERT_TRUE(s.end) << a_->stderr_text();
  EXPECT_FALSE(s.end->completed) << "every answer claims 10x the cap: truncated, never a success";
  expect_money_accounted(s, budget);
  // Worst case of one sample: input 50..200 tokens x $0.1/M + the cap 2000 x $0.1/M.
  const Money worst = (200 + 2000) * pico_per_token(0.1);
  ASSERT_FALSE(s.sample_costs.empty());
  for (Money c : s.sample_costs) EXPECT_LE(c, worst);
  EXPECT_NE(a_->stderr_text().find("worker a/liar lied about sample"), std::string::npos) << a_->stderr_text();
}

TEST_F(ExternalWorkers, GarbageOutputFailsTheChecksAndNegativeLatenciesAreClamped) {
  start_a();
  worker("garbage", a_workers_, {"--model", "sh", "--capacity", "8", "--exec", kTool, "--fault", "garbage"});
  await_workers("sh", 1);
  const Money budget = money_from_dollars(0.001);
  Story s = run(kSource + "/examples/real/exec-pipeline.json", budget, 5);
  ASSERT_TRUE(s.end) << a_->stderr_text();
  EXPECT_FALSE(s.end->completed);
  EXPECT_EQ(s.outputs.count("plan"), 0u);
  expect_money_accounted(s, budget);
  workers_.clear();
  worker("late", a_workers_, {"--model", "sh", "--capacity", "8", "--exec", kTool, "--fault", "lie-latency"});
  await_workers("sh", 1);
  s = run(kSource + "/examples/real/exec-pipeline.json");
  ASSERT_TRUE(s.end) << a_->stderr_text();
  EXPECT_TRUE(s.end->completed) << "a negative latency is a lie, clamped to 0; the answers are good";
  EXPECT_NE(a_->stderr_text().find("reported a latency of -5 s"), std::string::npos);
  for (const auto& e : s.events) EXPECT_GE(e.time_s, 0);
}


// The end-to-end run: two nodes; an OpenAI-compatible server (a real HTTP server process:
// tests/support/openai_stub.py) that answers with content and usage but, in turn, also with 429,
// 500, malformed JSON, a missing usage, delays and a hang (examples/real/stub-script.json's
// faults); an OpenAI-kind worker on node B, an exec worker on node A; the workflow's code must
// pass its test command. It completes within budget, every sample settled once.
TEST_F(ExternalWorkers, CodeReviewWithAnOpenAiServerOnOneNodeAndAnExecWorkerOnAnother) {
  stub_ = std::make_unique<ChildProcess>(std::vector<std::string>{"/usr/bin/python3", kSource + "/tests/support/openai_stub.py", "--script",
                                                                  kSource + "/examples/real/stub-script.json"},
                                         (dir_ / "stub.stderr").string());
  const std::string port_line = stub_->read_line(std::chrono::seconds(10));
  ASSERT_EQ(port_line.rfind("PORT ", 0), 0u) << port_line << stub_->stderr_text();
  const std::string url = "http://127.0.0.1:" + port_line.substr(5);
  start_a();
  start_b();
  worker("llm", b_workers_, {"--model", "coder", "--capacity", "8", "--openai", url, "--price-out", "2"});
  worker("tool", a_workers_, {"--model", "sh", "--capacity", "4", "--exec", kTool});
  await_workers("coder", 1);
  await_workers("sh", 1);
  const Story s = run(kSource + "/examples/real/code-review.json");
  ASSERT_TRUE(s.end) << a_->stderr_text();
  EXPECT_TRUE(s.end->completed) << s.end->report << a_->stderr_text() << b_->stderr_text();
  expect_money_accounted(s, money_from_dollars(0.05));
  EXPECT_NE(s.outputs.at("code").find("def is_prime(n):"), std::string::npos);
  EXPECT_EQ(s.outputs.at("review"), "reviewed: 9 lines; defines is_prime\n");
  // The coder's samples went through node B's worker to the server, faults included: more
  // requests than the two subtasks' successes.
  const std::string cmd = "/usr/bin/python3 -c \"import urllib.request; print(urllib.request.urlopen('" + url + "/stats', timeout=5).read().decode())\"";
  std::string stats;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[256];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) stats.append(buf, n);
    ::pclose(p);
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(stats, m, std::regex("\"requests\": ([0-9]+)"))) << stats;
  EXPECT_GT(std::stoi(m[1]), 2) << stats;
}

// A node that restarts has forgotten its workers: the worker's next heartbeat is answered
// unknownWorker, and it registers again by itself; the new node runs workflows on it.
TEST_F(ExternalWorkers, AWorkerRegistersAgainWithANodeThatRestarted) {
  start_a({"--worker-heartbeat", "0.1", "--worker-timeout", "1"});
  const std::string endpoint = a_workers_;  // tcp://127.0.0.1:PORT: the restarted node binds it again
  ChildProcess& w = worker("tool", endpoint, {"--model", "sh", "--capacity", "4", "--exec", kTool});
  await_workers("sh", 1);
  a_.reset();  // SIGKILL
  start_a({"--worker-heartbeat", "0.1", "--worker-timeout", "1"}, endpoint);
  await_workers("sh", 1);
  const Story s = run(kSource + "/examples/real/exec-pipeline.json");
  ASSERT_TRUE(s.end) << a_->stderr_text();
  EXPECT_TRUE(s.end->completed) << s.end->report << a_->stderr_text();
  EXPECT_NE(w.stderr_text().find("the node forgot this worker"), std::string::npos) << w.stderr_text();
}

/// Runs `concord ARGS` (stderr to /dev/null) from the source folder; its exit code and stdout.
std::pair<int, std::string> concord_cli(const std::string& args) {
  const std::string cmd = "cd " + kSource + " && timeout 120 " + CONCORD_BIN + " " + args + " 2>/dev/null";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, out};
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// README.md "Real workers": the commands shown there, against a node started as shown (any free
// ports instead of the fixed ones), the worker's command as written (relative to the source folder).
TEST_F(ExternalWorkers, TheReadmeWorkerCommandsWork) {
  start_a();
  worker("readme", a_workers_, {"--model", "sh", "--capacity", "4", "--exec", "python3 examples/real/tool.py"});
  await_workers("sh", 1);
  const fs::path out = dir_ / "out";
  const auto [code, text] = concord_cli("submit examples/real/exec-pipeline.json --to " + gateway_ + " --watch --output " + out.string());
  EXPECT_EQ(code, 0) << text << a_->stderr_text();
  EXPECT_NE(text.find("COMPLETED"), std::string::npos) << text;
  EXPECT_NE(slurp(out / "code.txt").find("def is_prime(n):"), std::string::npos);
  EXPECT_EQ(slurp(out / "review.txt"), "reviewed: 9 lines; defines is_prime\n");
  // Bad input is refused with the flag named, exit 2.
  EXPECT_EQ(concord_cli("worker --to tcp://127.0.0.1:1 --model sh").first, 2);  // no kind
  EXPECT_EQ(concord_cli("worker --to 127.0.0.1:1 --model sh --exec cat").first, 2);
  EXPECT_EQ(concord_cli("worker --to " + a_workers_ + " --model sh --exec cat --name 'bad name!' --register-timeout 5").first, 2);
  EXPECT_EQ(concord_cli("node --name x --worker-endpoint tcp://0.0.0.0:0").first, 2);
}

}  // namespace
}  // namespace concord
