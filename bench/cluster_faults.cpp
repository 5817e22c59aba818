// Failure detection, re-dispatch and coordination overhead on loopback (issue 5).
//
//   build/bench/bench_cluster_faults [--repeats N] [--samples N]
//
// Real `concord node` processes; the bench process is the client (heartbeat 50 ms,
// connection timeout 400 ms, as the nodes). Figures:
//   crash detection   kill -9 of a node -> down_msg of its worker at the client
//   hang detection    SIGSTOP of a node -> down_msg (via heartbeats)
//   kill -> re-dispatch  kill -9 of the node running a sample -> the sample arrives at another worker
//   batch overhead    a subtask actor's whole cycle for one sample on a remote worker whose
//                     sample takes ~0 s: reserve, pick, dispatch, result, commit, report
//                     (an upper bound of "planner decision -> worker start")
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "cluster_network.hpp"
#include "ledger_actor.hpp"
#include "messages.hpp"
#include "selector_actor.hpp"
#include "subtask_actor.hpp"

using namespace concord;
using clock_type = std::chrono::steady_clock;

namespace {

struct Node {
  pid_t pid = -1;
  std::string host;
  std::uint16_t port = 0;
  ~Node() {
    if (pid > 0) {
      kill(pid, SIGCONT);
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

std::unique_ptr<Node> start_node(const std::string& name, const std::string& workers_file) {
  int out[2];
  if (pipe(out) != 0) return nullptr;
  auto n = std::make_unique<Node>();
  n->pid = fork();
  if (n->pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDERR_FILENO);
    execl(CONCORD_BIN, CONCORD_BIN, "node", "--name", name.c_str(), "--listen", "127.0.0.1:0", "--workers",
          workers_file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  const auto until = clock_type::now() + std::chrono::seconds(10);
  while (clock_type::now() < until) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    if (read(out[0], &c, 1) != 1 || c == '\n') break;
    line += c;
  }
  close(out[0]);
  std::smatch m;
  if (!std::regex_search(line, m, std::regex("listening on ([0-9.]+):([0-9]+)"))) return nullptr;
  n->host = m[1];
  n->port = static_cast<std::uint16_t>(std::stoi(m[2]));
  return n;
}

double ms_since(clock_type::time_point t0) { return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count(); }

void summary(const char* what, std::vector<double> v, const char* target) {
  if (v.empty()) {
    std::printf("%-34s no data\n", what);
    return;
  }
  std::sort(v.begin(), v.end());
  auto q = [&](double p) { return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))]; };
  std::printf("%-34s n=%-5zu min %8.3f  p50 %8.3f  p99 %8.3f  max %8.3f ms   (target %s)\n", what, v.size(), v.front(), q(0.5),
              q(0.99), v.back(), target);
}

caf::actor first_worker(caf::scoped_actor& self, caf::actor_system& sys, const Node& n) {
  auto manager = sys.middleman().remote_actor(n.host, n.port);
  if (!manager) return {};
  caf::actor w;
  self->request(*manager, std::chrono::seconds(5), proto::workers_atom::value)
      .receive([&](std::vector<proto::beacon>& ws) { if (!ws.empty()) w = ws.front().handle; }, [](caf::error&) {});
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 8, samples = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--samples")) samples = std::atoi(argv[i + 1]);
  }
  const std::string workers_file = "/tmp/concord-bench-workers-" + std::to_string(getpid()) + ".json";
  std::ofstream(workers_file) << R"({"workers": [{"model": "m", "count": 2}]})";
  caf::actor_system_config cfg;
  proto::register_messages(cfg);
  actors::configure_cluster_network(cfg, 0.05, 0.4);  // the nodes' defaults
  cfg.set("scheduler.max-threads", std::size_t{2});
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  std::vector<double> crash, hang, redispatch, overhead;
  for (int r = 0; r < repeats; ++r) {  // crash detection
    auto n = start_node("crash" + std::to_string(r), workers_file);
    if (!n) continue;
    caf::actor w = first_worker(self, sys, *n);
    if (!w) continue;
    self->monitor(w);
    const auto t0 = clock_type::now();
    kill(n->pid, SIGKILL);
    self->receive([&](caf::down_msg&) { crash.push_back(ms_since(t0)); }, caf::after(std::chrono::seconds(5)) >> [] {});
  }
  for (int r = 0; r < std::max(1, repeats / 2); ++r) {  // hang detection
    auto n = start_node("hang" + std::to_string(r), workers_file);
    if (!n) continue;
    caf::actor w = first_worker(self, sys, *n);
    if (!w) continue;
    self->monitor(w);
    const auto t0 = clock_type::now();
    kill(n->pid, SIGSTOP);
    self->receive([&](caf::down_msg&) { hang.push_back(ms_since(t0)); }, caf::after(std::chrono::seconds(5)) >> [] {});
  }
  for (int r = 0; r < repeats; ++r) {  // kill -> re-dispatch
    auto n = start_node("victim" + std::to_string(r), workers_file);
    if (!n) continue;
    caf::actor remote = first_worker(self, sys, *n);
    if (!remote) continue;
    // A local stand-in worker records when the re-dispatched sample reaches it.
    auto arrived = std::make_shared<std::atomic<long long>>(0);
    auto standby = sys.spawn([arrived](caf::event_based_actor*) -> caf::behavior {
      return {[arrived](proto::sample_request&) { arrived->store(clock_type::now().time_since_epoch().count()); }};
    });
    auto selector = sys.spawn([remote, standby](caf::event_based_actor*) -> caf::behavior {
      auto first = std::make_shared<bool>(true);
      return {[=](proto::pick_atom, const std::string&, std::int32_t) {
                const bool f = *first;
                *first = false;
                return caf::make_message(std::vector<caf::actor>{f ? remote : standby}, std::vector<std::uint64_t>{f ? 1u : 2u});
              },
              [](proto::outcome_atom, std::uint64_t, bool, double) {}, [](proto::forget_atom, std::uint64_t) {}};
    });
    auto ledger = actors::spawn_ledger(sys, 1'000'000'000);
    actors::SubtaskOptions so;
    so.model_id = "m";
    so.k = 1;
    so.batch_id = 1;
    so.reservation = 1000;
    so.token_cap = 1'000'000;
    so.profile.latency_s = {1e6};  // runs "forever" on the victim
    so.profile.success = {1};
    so.profile.tokens = {1};
    so.time_scale = 1;
    so.workflow = caf::actor_cast<proto::workflow_actor>(self);  // the benchmark plays the workflow
    so.ledger = ledger;
    so.selector = caf::actor_cast<proto::selector_actor>(selector);  // a stub selector
    auto st = actors::spawn_subtask(sys, so);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the sample is running on the victim
    const auto t0 = clock_type::now();
    kill(n->pid, SIGKILL);
    for (int i = 0; i < 500 && arrived->load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (arrived->load() != 0)
      redispatch.push_back(std::chrono::duration<double, std::milli>(clock_type::time_point(clock_type::duration(arrived->load())) - t0).count());
    caf::anon_send_exit(st, caf::exit_reason::user_shutdown);
    for (auto a : {standby, selector}) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(ledger, caf::exit_reason::user_shutdown);
  }
  {  // batch overhead on a remote worker (samples take ~0 s)
    auto n = start_node("fast", workers_file);
    caf::actor remote = n ? first_worker(self, sys, *n) : caf::actor{};
    if (remote) {
      auto selector = sys.spawn([remote](caf::event_based_actor*) -> caf::behavior {
        return {[=](proto::pick_atom, const std::string&, std::int32_t) {
                  return caf::make_message(std::vector<caf::actor>{remote}, std::vector<std::uint64_t>{1});
                },
                [](proto::outcome_atom, std::uint64_t, bool, double) {}, [](proto::forget_atom, std::uint64_t) {}};
      });
      auto ledger = actors::spawn_ledger(sys, 1'000'000'000'000);
      for (int i = 0; i < samples; ++i) {
        actors::SubtaskOptions so;
        so.model_id = "m";
        so.k = 1;
        so.batch_id = static_cast<std::uint64_t>(i + 1);
        so.reservation = 1000;
        so.token_cap = 1'000'000;
        so.profile.latency_s = {1e-9};
        so.profile.success = {1};
        so.profile.tokens = {1};
        so.time_scale = 1e9;
        so.workflow = caf::actor_cast<proto::workflow_actor>(self);  // the benchmark plays the workflow
        so.ledger = ledger;
        so.selector = caf::actor_cast<proto::selector_actor>(selector);  // a stub selector
        const auto t0 = clock_type::now();
        actors::spawn_subtask(sys, so);
        self->receive([&](proto::batch_report&) { overhead.push_back(ms_since(t0)); },
                      caf::after(std::chrono::seconds(5)) >> [] {});
      }
      caf::anon_send_exit(selector, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(ledger, caf::exit_reason::user_shutdown);
    }
  }
  std::remove(workers_file.c_str());
  std::printf("Concord cluster faults and overhead on loopback (heartbeat 50 ms, connection timeout 400 ms)\n");
  summary("crash detection (kill -9)", crash, "<= 50 ms");
  summary("hang detection (SIGSTOP)", hang, "<= 500 ms");
  summary("kill -9 -> sample re-dispatched", redispatch, "detection + <= 100 ms");
  summary("one-sample batch cycle (remote)", overhead, "p99 <= 2 ms");
  std::printf("remote messages per sample: 2 (sample_request, sample_result; +1 cancel when a sibling wins); "
              "reserve/pick/commit are local to the workflow's node\n");
  return 0;
}
