// What an external worker costs per sample (issue 12): the round trip of one sample_request to
// its sample_result, measured by an actor on the node, for
//   in-process  a simulated worker actor (model_worker.hpp) in the same actor system;
//   external    the node's proxy (external_worker.hpp) -> WorkerSocket (ZeroMQ ROUTER, Cap'n
//               Proto) -> a real `concord worker --simulate` process on loopback -> back.
// Both draw the same zero-latency sample (latency 1 µs x time scale 1e6 = 1e-12 real s), so the
// difference is the transport: two Cap'n Proto messages, two ZeroMQ hops, the worker's thread.
//
//   build/bench/bench_cluster_external_worker [--samples N] [--warmup W]
//
// Prints p50/p90/p99/max of both and of their difference (external - in-process, p50 and p99).
// Samples are sequential (one in flight; latency, not throughput) and alternate between the two
// workers, so that a noisy machine affects both alike.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "edge/worker_socket.hpp"
#include "external_worker.hpp"
#include "messages.hpp"
#include "model_worker.hpp"
#include "support/child_process.hpp"
#include "worker_hub.hpp"

using namespace concord;
using Steady = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

/// One sample's round trip (µs) to `worker`, or < 0 when no successful answer came within 10 s.
double round_trip(caf::scoped_actor& self, const caf::actor& worker, std::uint64_t id) {
  proto::sample_request r;
  r.sample_id = id;
  r.seed = 7;
  r.subtask_id = "s";
  r.model_id = "m";
  r.prompt = "ping";
  r.token_cap = 100;
  r.price_per_token = 1;
  r.time_scale = 1e6;
  r.profile.latency_s = {1e-6};
  r.profile.success = {1};
  r.profile.tokens = {10};
  const auto t0 = Steady::now();
  self->send(caf::actor_cast<proto::worker_actor>(worker), r);
  bool ok = false;
  self->receive([&](proto::sample_result& res) { ok = res.sample_id == id && res.success; },
                caf::after(std::chrono::seconds(10)) >> [&] {});
  return ok ? std::chrono::duration<double, std::micro>(Steady::now() - t0).count() : -1;
}

/// n samples to each worker, alternating (local, external, local, ...) so that both see the same
/// machine: on a shared machine the noise moves both alike.
bool alternate(caf::actor_system& sys, const caf::actor& local, const caf::actor& external, int n, int warmup,
               std::vector<double>& local_us, std::vector<double>& external_us) {
  caf::scoped_actor self{sys};
  for (int i = 0; i < warmup + n; ++i) {
    const double a = round_trip(self, local, 2 * static_cast<std::uint64_t>(i) + 1);
    const double b = round_trip(self, external, 2 * static_cast<std::uint64_t>(i) + 2);
    if (a < 0 || b < 0) {
      std::fprintf(stderr, "sample %d: no successful answer within 10 s (%s)\n", i, a < 0 ? "in-process" : "external");
      return false;
    }
    if (i >= warmup) local_us.push_back(a), external_us.push_back(b);
  }
  return true;
}

void print(const char* what, const std::vector<double>& v) {
  std::printf("%-12s n=%zu  p50 %8.1f us  p90 %8.1f us  p99 %8.1f us  max %8.1f us\n", what, v.size(), percentile(v, 0.5),
              percentile(v, 0.9), percentile(v, 0.99), percentile(v, 1.0));
}

}  // namespace

int main(int argc, char** argv) {
  int n = 5000, warmup = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--samples") n = std::stoi(v);
    else if (a == "--warmup") warmup = std::stoi(v);
    else {
      std::fprintf(stderr, "usage: %s [--samples N] [--warmup W]\n", argv[0]);
      return 2;
    }
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("concord-bench-ext-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "sim.json") << R"({"format": "concord.workflow/1", "name": "ping", "models": [{"id": "m", "usd_per_mtok_out": 1, "max_tokens": 100}],
    "subtasks": [{"id": "s", "deps": [], "profiles": {"m": {"samples": [{"latency_s": 0.000001, "success": true, "output_tokens": 10}]}}}]})";

  caf::actor_system_config cfg;
  proto::register_messages(cfg);
  caf::actor_system sys{cfg};

  // In-process: a simulated worker actor.
  actors::WorkerOptions wo;
  wo.name = "local";
  wo.model = "m";
  wo.beacon_interval_s = 0;
  const auto local = caf::actor_cast<caf::actor>(actors::spawn_simulated_worker(sys, wo));
  std::vector<double> in_process;

  // External: hub + socket + a real `concord worker --simulate` process.
  struct Attached {
    std::mutex mx;
    caf::actor proxy;
  };
  auto attached = std::make_shared<Attached>();
  auto manager = sys.spawn([attached](caf::event_based_actor*) -> caf::behavior {
    return {[attached](proto::attach_atom, proto::beacon& b) {
      std::lock_guard lock(attached->mx);
      attached->proxy = b.handle;
    }};
  });
  struct SocketRef {
    std::mutex mx;
    std::unique_ptr<edge::WorkerSocket> socket;
  };
  auto ref = std::make_shared<SocketRef>();
  actors::WorkerHubOptions ho;
  ho.node_name = "bench";
  ho.node_manager = manager;
  ho.beacon_interval_s = 0;
  ho.send = [ref](const std::string& peer, const service::NodeMessage& m) {
    std::lock_guard lock(ref->mx);
    if (ref->socket) ref->socket->send(peer, m);
  };
  const auto hub = actors::spawn_worker_hub(sys, ho);
  {
    edge::WorkerSocketOptions so;
    so.endpoint = "tcp://127.0.0.1:0";
    auto socket = std::make_unique<edge::WorkerSocket>(so, [hub](std::string peer, service::WorkerMessage m) {
      caf::anon_send(hub, proto::external_message{std::move(peer), std::move(m)});
    });
    std::lock_guard lock(ref->mx);
    ref->socket = std::move(socket);
  }
  std::string endpoint;
  {
    std::lock_guard lock(ref->mx);
    endpoint = ref->socket->bound_endpoint();
  }
  std::vector<double> external;
  {
    testing_support::ChildProcess worker({CONCORD_BIN, "worker", "--to", endpoint, "--model", "m", "--simulate", (dir / "sim.json").string(),
                                          "--name", "ext", "--capacity", "1"},
                                         (dir / "worker.stderr").string());
    caf::actor proxy;
    for (int i = 0; i < 500 && !proxy; ++i) {  // 10 s
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard lock(attached->mx);
      proxy = attached->proxy;
    }
    if (!proxy) {
      std::fprintf(stderr, "the worker never registered: %s\n", worker.stderr_text().c_str());
    } else {
      if (!alternate(sys, local, proxy, n, warmup, in_process, external)) in_process.clear(), external.clear();
    }
  }
  caf::anon_send(hub, proto::stop_atom::value);
  {
    std::lock_guard lock(ref->mx);
    ref->socket.reset();
  }
  caf::anon_send_exit(manager, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(local, caf::exit_reason::user_shutdown);
  std::error_code ec;
  fs::remove_all(dir, ec);

  std::printf("sample round trip on the node (sequential, %d samples after %d warm-up)\n", n, warmup);
  print("in-process", in_process);
  print("external", external);
  if (in_process.empty() || external.empty()) return 1;
  std::printf("extra per sample: p50 %.1f us, p99 %.1f us (target p99 <= 1000 us)\n", percentile(external, 0.5) - percentile(in_process, 0.5),
              percentile(external, 0.99) - percentile(in_process, 0.99));
  return 0;
}
