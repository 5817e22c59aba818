// Load on one node's gateway (issue 11's service edge), through the wire as a client sees it:
// a real `concord node --gateway` process on loopback with simulated workers, one C++ client
// (edge::Client) that submits N workflows back to back, each watched to its end.
//
//   build/bench/bench_gateway_load [--workflows N] [--time-scale S] [--policy P] [--workflow FILE]
//                                  [--workers-per-model W] [--data-dir DIR]
//
// --data-dir: the node journals every ledger there (docs/ledger.md, group commit): compare a run
// with and without it for the cost of the durable ledger (DIR must not hold journals from an
// earlier run: use a fresh folder, on the disk you mean to measure).
//
// Prints: submits/s (N over the time until the N-th Accepted), events/s through the gateway
// (every event of every workflow, over the time until the last `ended`), event latency
// (client receive time - the node's Event.wallTimeNanos: the node's bookkeeping, the socket
// thread, ZeroMQ and the client's decoding) p50/p99/max, the most workflows running at once (the
// node's own Status), and the node's resident memory at the start and at that peak (per running
// workflow: the difference over the count). Defaults: 1000 workflows of examples/research-agent.json
// with the greedy policy at time scale 5 (each lasts ~10-20 s of real time, so all run at once).
#include <algorithm>
#include <atomic>
#include <thread>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "edge/client.hpp"
#include "support/node_process.hpp"
#include "model/workflow_json.hpp"
#include "time/clock.hpp"

using namespace concord;
using namespace concord::service;
using Steady = std::chrono::steady_clock;
using testing_support::rss_kib;

namespace {

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  int n = 1000, workers_per_model = 64;
  double time_scale = 5;
  std::string policy = "greedy", file = std::string(CONCORD_SOURCE_DIR) + "/examples/research-agent.json", data_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--workflows") n = std::stoi(v);
    else if (a == "--time-scale") time_scale = std::stod(v);
    else if (a == "--policy") policy = v;
    else if (a == "--workflow") file = v;
    else if (a == "--workers-per-model") workers_per_model = std::stoi(v);
    else if (a == "--data-dir") data_dir = v;
    else {
      std::fprintf(stderr, "usage: %s [--workflows N] [--time-scale S] [--policy P] [--workflow FILE] [--workers-per-model W] [--data-dir DIR]\n",
                   argv[0]);
      return 2;
    }
  }
  const Workflow wf = read_workflow_file(file);
  const fs::path dir = fs::temp_directory_path() / ("concord-bench-gw-" + std::to_string(getpid()));
  fs::create_directories(dir);
  {
    std::ofstream w(dir / "workers.json");
    w << R"({"workers": [)";
    for (std::size_t m = 0; m < wf.models.size(); ++m)
      w << (m ? "," : "") << R"({"model": ")" << wf.models[m].id << R"(", "count": )" << workers_per_model << "}";
    w << "]}";
  }
  std::vector<std::string> node_args{"--workers", (dir / "workers.json").string(), "--gateway", "tcp://127.0.0.1:0", "--time-scale",
                                     std::to_string(time_scale), "--max-workflows", std::to_string(n + 16), "--events-per-workflow", "1024"};
  if (!data_dir.empty()) node_args.insert(node_args.end(), {"--data-dir", data_dir});
  NodeProcess node("bench", node_args, dir);
  const std::string line = node.read_line(std::chrono::seconds(10));
  const auto at = line.find("gateway on ");
  if (at == std::string::npos) {
    std::fprintf(stderr, "the node did not start its gateway: %s\n%s\n", line.c_str(), node.stderr_text().c_str());
    return 3;
  }
  const std::string endpoint = line.substr(at + 11, line.find(' ', at + 11) - (at + 11));
  edge::Client events({endpoint, 10, "", ""}), status({endpoint, 10, "", ""});
  for (int i = 0; i < 200; ++i) {  // the selector has heard every worker's beacon
    std::uint32_t live = 0;
    const auto st = std::get<StatusReply>(status.call(StatusRequest{}));  // by value: a member of a temporary would dangle
    for (const auto& m : st.workers) live += m.live;
    if (live >= wf.models.size() * static_cast<std::size_t>(workers_per_model)) break;
    usleep(20000);
  }
  const long rss0 = rss_kib(node.pid());

  SubmitRequest s;
  s.workflow_json = write_workflow_json(wf);
  s.policy = policy;
  s.watch = true;
  const auto t0 = Steady::now();
  for (int i = 0; i < n; ++i) {
    s.seed = static_cast<std::uint64_t>(i + 1);
    events.send(s);
  }
  int accepted = 0, refused = 0, ended = 0, completed = 0;
  std::uint64_t received_events = 0, lost = 0;
  std::vector<double> latency_ms, steady_ms;  // all events; those after the N-th Accepted
  latency_ms.reserve(static_cast<std::size_t>(n) * 64);
  double submit_s = 0, last_end_s = 0;
  // The node's Status every 250 ms, on its own thread and connection (the event reader never waits).
  std::atomic<std::uint32_t> peak_running{0};
  std::atomic<long> peak_rss{rss0};
  std::atomic<bool> done{false};
  std::thread poller([&] {
    for (int i = 0; i < 4000 && !done; ++i) {  // bounded: 1000 s
      const auto st = std::get<StatusReply>(status.call(StatusRequest{}));
      std::uint32_t running = 0;
      for (const auto& w : st.workflows) running += w.state == WorkflowState::running ? 1 : 0;
      if (running > peak_running) peak_running = running, peak_rss = std::max(peak_rss.load(), rss_kib(node.pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });
  const auto give_up = t0 + std::chrono::seconds(900);
  while (ended + refused < n && Steady::now() < give_up) {
    auto r = events.receive(0.05);
    if (!r) continue;
    const double t = std::chrono::duration<double>(Steady::now() - t0).count();
    if (std::holds_alternative<Accepted>(*r)) {
      if (++accepted == n) submit_s = t;
    } else if (const auto* f = std::get_if<Refused>(&*r)) {
      ++refused;
      std::fprintf(stderr, "refused: %s\n", f->text.c_str());
    } else if (const auto* e = std::get_if<Event>(&*r)) {
      if (e->seq == 0) {
        ++lost;
        continue;
      }
      ++received_events;
      latency_ms.push_back(static_cast<double>(unix_time_ns() - e->wall_ns) * 1e-6);
      if (accepted == n) steady_ms.push_back(latency_ms.back());
      if (const auto* x = std::get_if<Ended>(&e->body)) {
        ++ended;
        completed += x->completed ? 1 : 0;
        last_end_s = t;
      }
    }
  }
  done = true;
  poller.join();
  // The gateway's own capacity, apart from how fast workflows make events: every ended workflow
  // watched again from sequence 1 (its buffered events replayed), back to back.
  const auto r0 = Steady::now();
  for (int id = 1; id <= n; ++id) events.send(WatchRequest{static_cast<WorkflowId>(id), 1});
  std::uint64_t replayed = 0;
  int replay_ends = 0;
  std::vector<double> replay_ms;
  while (replay_ends < ended && Steady::now() < r0 + std::chrono::seconds(300)) {
    auto r = events.receive(1.0);
    if (!r) break;
    if (const auto* e = std::get_if<Event>(&*r)) {
      ++replayed;
      replay_ends += std::holds_alternative<Ended>(e->body) ? 1 : 0;
    }
  }
  const double replay_s = std::chrono::duration<double>(Steady::now() - r0).count();
  std::printf("gateway load: %d workflows of %s (%zu subtasks), policy %s, time scale %g, %d workers per model\n", n,
              file.c_str(), wf.subtasks.size(), policy.c_str(), time_scale, workers_per_model);
  std::printf("  submits           %d accepted, %d refused; %.0f submits/s (N-th Accepted after %.3f s)\n", accepted, refused,
              submit_s > 0 ? accepted / submit_s : 0.0, submit_s);
  std::printf("  workflows         %d ended (%d completed) after %.2f s\n", ended, completed, last_end_s);
  std::printf("  events            %llu received, %llu lost; %.0f events/s through the gateway\n",
              static_cast<unsigned long long>(received_events), static_cast<unsigned long long>(lost),
              last_end_s > 0 ? static_cast<double>(received_events) / last_end_s : 0.0);
  std::printf("  replay            %llu events of %d ended workflows re-watched from sequence 1 in %.3f s: %.0f events/s\n",
              static_cast<unsigned long long>(replayed), replay_ends, replay_s, replay_s > 0 ? static_cast<double>(replayed) / replay_s : 0.0);
  const double p50 = percentile(latency_ms, 0.5), p99 = percentile(latency_ms, 0.99), pmax = percentile(latency_ms, 1.0);
  std::printf("  event latency     p50 %.2f ms, p99 %.2f ms, max %.2f ms (node records -> client decoded)\n", p50, p99, pmax);
  const double s50 = percentile(steady_ms, 0.5), s99 = percentile(steady_ms, 0.99), smax = percentile(steady_ms, 1.0);
  std::printf("    once all are in p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu events after the N-th Accepted)\n", s50, s99, smax,
              steady_ms.size());
  std::printf("  concurrency       peak %u workflows running at once (node's Status, every 250 ms)\n", peak_running.load());
  std::printf("  node memory       RSS %.1f MiB idle, %.1f MiB at the peak: %.1f KiB per running workflow\n", rss0 / 1024.0,
              peak_rss.load() / 1024.0, peak_running > 0 ? static_cast<double>(peak_rss.load() - rss0) / peak_running.load() : 0.0);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ended + refused == n ? 0 : 1;
}
