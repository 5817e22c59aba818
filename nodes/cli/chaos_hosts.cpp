#include "chaos_hosts.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "chaos/fault_plan.hpp"
#include "chaos/host_fault.hpp"
#include "chaos/invariants.hpp"
#include "chaos_workload.hpp"
#include "exit_codes.hpp"
#include "interrupt.hpp"
#include "model/input_error.hpp"
#include "node_config.hpp"
#include "number_options.hpp"
#include "printable.hpp"

namespace concord::cli {

namespace {

using Clock = std::chrono::steady_clock;

/// How late past its deadline a hosted workflow may end, in real seconds (x the time scale:
/// simulated): the cluster's connection timeout (0.4 s: a killed, stopped or cut-off node is
/// dropped) + a worker's beacon staleness (4 x 0.05 s) + 0.4 s for a loaded 2-core machine.
constexpr double kDetectionBoundRealS = 1.0;
constexpr int kGatewayPort = 5555;
constexpr double kScriptTimeoutS = 120;  // any one cluster.sh call
constexpr int kReadmitRounds = 3;        // attempts to make the cluster whole again between runs

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// -- child processes -----------------------------------------------------------------------------

/// Starts argv[0] (a path) with stdout and stderr to `out` (appended: false truncates), stdin
/// /dev/null, in a process group of its own (a terminal's SIGINT reaches the harness only: it
/// stops what it started itself, cluster.sh down last).
pid_t spawn(const std::vector<std::string>& argv, const std::string& out) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int in = ::open("/dev/null", O_RDONLY);
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || fd < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

/// The child's exit code; -1 if it is still running after timeout_s (it is then killed), -2 if
/// the harness was interrupted (the child is killed too).
int wait_bounded(pid_t pid, double timeout_s, const std::atomic<bool>* stop) {
  const auto t0 = Clock::now();
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -3;
    const bool interrupted = stop && stop->load();
    if (interrupted || seconds_since(t0) > timeout_s) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return interrupted ? -2 : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

/// Whether the child has exited (then `code` is set); never blocks.
bool exited(pid_t pid, int& code) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid) return false;
  code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string last_lines(const std::string& text, int n) {  // the last n non-empty lines, joined by spaces
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > static_cast<std::size_t>(n) ? lines.size() - static_cast<std::size_t>(n) : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " ") + lines[i];
  return out.empty() ? "(no output)" : out;
}

/// Sleeps up to `s` real seconds; false if interrupted.
bool sleep_for(double s, const std::atomic<bool>* stop) {
  const auto t0 = Clock::now();
  while (seconds_since(t0) < s) {
    if (stop->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20, static_cast<int>(1000 * (s - seconds_since(t0))) + 1)));
  }
  return !stop->load();
}

// -- the cluster ---------------------------------------------------------------------------------

/// deploy/netns/cluster.sh on one state directory: every call bounded, its output kept for errors.
class Cluster {
 public:
  Cluster(std::string script, std::string dir, const std::atomic<bool>* stop) : script_(std::move(script)), dir_(std::move(dir)), stop_(stop) {}
  ~Cluster() { down(); }  // also on an exception: nothing is left up

  struct Result {
    int code = 0;
    std::string output;
  };
  Result call(std::vector<std::string> args, const std::atomic<bool>* stop = nullptr) {
    args.insert(args.begin(), {"/bin/bash", script_, "--state", dir_ + "/cluster"});
    const std::string out = dir_ + "/cluster-call.out";
    const int code = wait_bounded(spawn(args, out), kScriptTimeoutS, stop);
    return Result{code, read_text(out)};
  }
  /// A step that must succeed: throws with the script's words otherwise.
  void must(const std::vector<std::string>& args) {
    const Result r = call(args);
    if (r.code != 0) {
      std::string cmd;
      for (const auto& a : args) cmd += " " + a;
      throw std::runtime_error(fmt::format("cluster.sh{}: exit {}: {}", cmd, r.code, last_lines(r.output, 3)));
    }
  }
  void up(const std::vector<std::string>& args) {
    up_ = true;  // from here on, down (cluster.sh down also undoes a failed or interrupted up)
    must(args);
    env_ = read_text(dir_ + "/cluster/cluster.env");
  }
  std::string var(const std::string& name) const {
    const std::regex re("(^|\n)" + name + "=([^\n]*)");
    std::smatch m;
    return std::regex_search(env_, m, re) ? m[2].str() : "";
  }
  /// Every process in the cluster's namespaces now (the nodes, the client).
  std::vector<std::string> processes() const {
    std::vector<std::string> pids;
    const std::string tag = var("CLUSTER_TAG");
    if (tag.empty()) return pids;
    std::error_code netns_error;  // no /run/netns: no namespace
    for (const auto& e : std::filesystem::directory_iterator("/run/netns", netns_error)) {
      const std::string ns = e.path().filename();
      if (ns.rfind(tag + "-", 0) != 0) continue;
      const std::string out = dir_ + "/pids.out";
      wait_bounded(spawn({"/bin/ip", "netns", "pids", ns}, out), 10, nullptr);
      std::istringstream in(read_text(out));
      for (std::string p; in >> p;) pids.push_back(p);
    }
    return pids;
  }
  /// Brings everything down once; the result of cluster.sh down (0 also when nothing was up).
  int down() {
    if (!up_) return 0;
    up_ = false;
    return call({"down"}).code;
  }
  const std::string& dir() const { return dir_; }
  const std::string& script() const { return script_; }

 private:
  std::string script_, dir_;
  const std::atomic<bool>* stop_;
  std::string env_;
  bool up_ = false;
};

int count_root_links() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/sys/class/net")) ++n;
  return n;
}

bool alive(const std::string& pid) {  // a zombie (exited, not reaped yet) is gone
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

std::string find_cluster_script(const std::string& option) {
  if (!option.empty()) {
    if (!std::filesystem::is_regular_file(option)) throw InputError("--cluster-script", "", fmt::format("{}: no such file", printable(option)));
    return std::filesystem::absolute(option);
  }
  if (const char* env = std::getenv("CONCORD_CLUSTER_SCRIPT"); env && *env) {
    if (!std::filesystem::is_regular_file(env))
      throw InputError("--cluster-script", "", fmt::format("$CONCORD_CLUSTER_SCRIPT={}: no such file", printable(env)));
    return env;
  }
  const auto exe = std::filesystem::read_symlink("/proc/self/exe");
  const auto guess = (exe.parent_path() / "../../deploy/netns/cluster.sh").lexically_normal();
  if (!std::filesystem::is_regular_file(guess))
    throw InputError("--cluster-script", "",
                     fmt::format("not given, $CONCORD_CLUSTER_SCRIPT unset, and {} does not exist: pass --cluster-script "
                                 "PATH/deploy/netns/cluster.sh",
                                 guess.string()));
  return guess;
}

// -- the client's line of facts ------------------------------------------------------------------

std::map<std::string, std::string> parse_fields(const std::string& line) {
  std::map<std::string, std::string> f;
  std::istringstream in(line);
  for (std::string word; in >> word;)
    if (const auto eq = word.find('='); eq != std::string::npos) f[word.substr(0, eq)] = word.substr(eq + 1);
  return f;
}

std::string find_line(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) return line;
  return "";
}

std::int64_t num(const std::map<std::string, std::string>& f, const std::string& k) {
  const auto it = f.find(k);
  return it == f.end() ? 0 : std::strtoll(it->second.c_str(), nullptr, 10);
}
double real(const std::map<std::string, std::string>& f, const std::string& k) {
  const auto it = f.find(k);
  return it == f.end() ? 0 : std::strtod(it->second.c_str(), nullptr);
}

struct Tally {
  std::uint64_t runs = 0, violating_runs = 0, readmitted = 0, false_detection_runs = 0;
  std::array<std::uint64_t, chaos::kHostFaultKinds> injected{}, during{};
  std::map<std::string, std::uint64_t> reasons, violations;
};

std::string replay_command(const ChaosHostsOptions& o, std::uint64_t run) {
  return fmt::format("concord chaos {} --dags {} --seed {} --run {} --policy {} --hosts {} --time-scale {}", o.workload, o.dags, o.seed, run,
                     o.policy, o.hosts, o.time_scale);
}

/// Makes every host a member of host 0's cluster again, with all its workers live: a node cut
/// off longer than the connection timeout (stopped, partitioned) is dropped and does not rejoin
/// by itself, so it is killed and restarted. Returns the hosts restarted (and the first
/// incomplete view, for the report); throws if the cluster cannot be made whole.
struct Readmission {
  std::vector<int> hosts;  // restarted, in order (a host may appear twice)
  std::string first_view;  // CHAOS-MEMBERS line of the first incomplete check ("" if complete)
};
Readmission make_whole(Cluster& c, const std::vector<std::string>& client, int hosts, int workers, const std::atomic<bool>* stop) {
  Readmission r;
  for (int round = 0; round <= kReadmitRounds; ++round) {
    std::vector<std::string> args = client;
    args.insert(args.end(), {"--expect-members", std::to_string(hosts), "--expect-workers", std::to_string(workers), "--wait", "5"});
    const auto check = c.call(args, stop);
    if (stop->load()) return r;
    const std::string line = find_line(check.output, "CHAOS-MEMBERS");
    if (check.code == 0) return r;
    if (r.first_view.empty()) r.first_view = line.empty() ? last_lines(check.output, 2) : line;
    if (round == kReadmitRounds)
      throw std::runtime_error(fmt::format("the cluster could not be made whole again after {} rounds: {}", kReadmitRounds,
                                           line.empty() ? last_lines(check.output, 3) : line));
    const std::string members = "," + parse_fields(line)["members"] + ",";
    for (int h = 1; h < hosts; ++h) {
      if (members.find(fmt::format(",h{},", h)) != std::string::npos && !line.empty()) continue;
      c.call({"kill", std::to_string(h), "KILL"});  // a dropped node still running: it goes (fails if already gone)
      c.must({"restart", std::to_string(h)});
      r.hosts.push_back(h);
    }
  }
  return r;
}

}  // namespace

// -- the harness ----------------------------------------------------------------------------------

int run_chaos_hosts(const ChaosHostsOptions& o) {
  if (o.hosts < 3) throw InputError("--hosts", "", fmt::format("{}: at least 3 (host 0 hosts the workflows, faults hit the others)", o.hosts));
  if (::geteuid() != 0) throw InputError("--hosts", "", "needs root (network namespaces, deploy/netns/cluster.sh)");
  const std::string script = find_cluster_script(o.cluster_script);
  const ChaosWorkload work(o.workload, o.dags, o.datasets_dir);
  std::string workers_file = o.workers_file;
  if (workers_file.empty()) workers_file = (std::filesystem::path(script).parent_path() / "../../examples/workers.json").lexically_normal();
  int workers_per_host = 0;
  for (const auto& w : read_workers_file(workers_file)) workers_per_host += w.count;  // InputError names the file
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");

  InterruptScope interrupt;
  const std::atomic<bool>* stop = interrupt.flag();
  char tmpl[] = "/tmp/concord-chaos-hosts.XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error(fmt::format("mkdtemp: {}", std::strerror(errno)));
  const std::string dir = tmpl;
  const int links_before = count_root_links();
  const auto t0 = Clock::now();
  Tally t;
  std::vector<std::string> leftovers;
  bool harness_failed = false;
  std::string tag;
  {
    Cluster c(script, dir, stop);
    try {
      std::cout << fmt::format("concord chaos: {} run{}, seed {}, {} ({} workflows), policy {}, deploy/netns cluster of {} hosts "
                               "(cluster.sh {}), time scale {}, detection bound {:.0f} s real = {:.0f} simulated s\n",
                               o.only_run >= 0 ? 1 : o.runs, o.only_run >= 0 || o.runs == 1 ? "" : "s", o.seed, printable(o.workload),
                               work.workflows().size(), o.policy, o.hosts, script, o.time_scale, kDetectionBoundRealS,
                               kDetectionBoundRealS * o.time_scale)
                << std::flush;
      c.up({"up", std::to_string(o.hosts), "--concord", self, "--workers", workers_file, "--time-scale", fmt::format("{}", o.time_scale),
            "--host0-arg", "--gateway", "--host0-arg", fmt::format("tcp://0.0.0.0:{}", kGatewayPort)});
      tag = c.var("CLUSTER_TAG");
      const std::string endpoint = fmt::format("tcp://{}:{}", c.var("HOST_0_IP"), kGatewayPort);
      // The link fault: tc netem where this kernel has it, else a tbf throttle.
      const auto probe = c.call({"netem", "1", "delay", "1ms"});
      const bool netem = probe.code == 0;
      if (netem) c.must({"netem", "1", "off"});
      std::cout << fmt::format("cluster up: tag {}, gateway {} on host 0; link faults by {}\n", tag, endpoint,
                               netem ? "tc netem (delay, jitter, loss)" : "a tbf throttle (this kernel has no netem)")
                << std::flush;
      std::vector<std::string> client{"exec", "0", self, "chaos-client", "--to", endpoint};
      const int all_workers = o.hosts * workers_per_host;
      t.readmitted += make_whole(c, client, o.hosts, all_workers, stop).hosts.size();
      const std::uint64_t first = o.only_run >= 0 ? static_cast<std::uint64_t>(o.only_run) : 0;
      const std::uint64_t last = o.only_run >= 0 ? first + 1 : o.runs;
      for (std::uint64_t run = first; run < last && !stop->load(); ++run) {
        const PlannedRun p = work.plan(o.seed, run);
        const double deadline_real_s = p.deadline_s / o.time_scale;
        const chaos::HostFault fault = chaos::plan_host_fault(o.seed, run, o.hosts, deadline_real_s);
        const double client_timeout_s = 2 * deadline_real_s + kDetectionBoundRealS + 30;
        std::vector<std::string> args{"/bin/bash", script, "--state", dir + "/cluster"};
        args.insert(args.end(), client.begin(), client.end());
        args.insert(args.end(), {"--workload", o.workload, "--dags", std::to_string(o.dags), "--seed", std::to_string(o.seed), "--run",
                                 std::to_string(run), "--policy", o.policy, "--timeout", fmt::format("{:.1f}", client_timeout_s)});
        if (!o.datasets_dir.empty()) args.insert(args.end(), {"--datasets", o.datasets_dir});
        const std::string out = fmt::format("{}/run-{}.out", dir, run);
        const auto run_t0 = Clock::now();
        const pid_t pid = spawn(args, out);
        int code = 0;
        bool done = false;
        while (!(done = exited(pid, code)) && seconds_since(run_t0) < fault.start_s && !stop->load())
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        const bool during = !done;
        const std::string h = std::to_string(fault.host);
        const std::string rate = fmt::format("{}kbit", fault.throttle_kbit);
        switch (fault.kind) {  // the fault begins
          case chaos::HostFaultKind::kill_restart: c.must({"kill", h, "KILL"}); break;
          case chaos::HostFaultKind::stop_continue: c.must({"kill", h, "STOP"}); break;
          case chaos::HostFaultKind::partition_heal: c.must({"partition", h}); break;
          case chaos::HostFaultKind::degrade_link: {
            if (!netem) {
              c.must({"throttle", h, rate});
              break;
            }
            std::vector<std::string> a{"netem", h};
            std::istringstream spec(fault.netem_spec());
            for (std::string w; spec >> w;) a.push_back(w);
            c.must(a);
            break;
          }
        }
        ++t.injected[static_cast<std::size_t>(fault.kind)];
        t.during[static_cast<std::size_t>(fault.kind)] += during;
        sleep_for(fault.length_s, stop);
        switch (fault.kind) {  // ... and ends (also when interrupted: nothing is left stopped or cut off)
          case chaos::HostFaultKind::kill_restart: c.must({"restart", h}); break;
          case chaos::HostFaultKind::stop_continue: c.must({"kill", h, "CONT"}); break;
          case chaos::HostFaultKind::partition_heal: c.must({"heal", h}); break;
          case chaos::HostFaultKind::degrade_link: c.must({netem ? "netem" : "throttle", h, "off"}); break;
        }
        if (!done) code = wait_bounded(pid, std::max(0.0, client_timeout_s + 10 - seconds_since(run_t0)), stop);
        if (code == -2) break;  // interrupted: the summary says so
        const double run_wall_s = seconds_since(run_t0);

        // The invariants, on what the gateway told the client.
        const std::string text = read_text(out);
        const std::string line = find_line(text, "CHAOS-RUN");
        std::vector<std::string> violations;
        chaos::RunFacts f;
        std::string reason = "none";
        if (line.empty()) {
          violations.push_back(fmt::format("client_reported: chaos-client exit {} without a result ({}): {}", code,
                                           code == -1 ? "stopped at its time limit" : "see below", last_lines(text, 3)));
        } else {
          auto m = parse_fields(line);
          f.budget = p.budget;
          f.spend = num(m, "status_spend");
          f.ledger_committed = num(m, "spend");
          f.ledger_reserved = num(m, "reserved_at_end");
          f.settled = num(m, "settled");
          std::istringstream succ(m["successes"]);
          for (std::string s; std::getline(succ, s, ',');)
            if (!s.empty()) f.successes_per_subtask.push_back(std::atoi(s.c_str()));
          f.completed = num(m, "completed") != 0;
          f.end_reason = num(m, "ended") ? m["reason"] : "";
          f.subtasks_done = static_cast<int>(num(m, "done"));
          f.subtasks_total = static_cast<int>(num(m, "subtasks"));
          f.end_s = real(m, "makespan_s");
          f.deadline_s = p.deadline_s;
          f.detection_bound_s = kDetectionBoundRealS * o.time_scale;
          violations = chaos::check_invariants(f);
          if (num(m, "budget") != p.budget)
            violations.push_back(fmt::format("budget_as_submitted: the node ran with {} picodollars, the plan's {}", num(m, "budget"), p.budget));
          if (num(m, "lost") > 0) violations.push_back(fmt::format("every_event_seen: the watch lost {} events", num(m, "lost")));
          if (num(m, "ended")) reason = m["reason"];
        }
        ++t.runs;
        ++t.reasons[reason];
        if (!violations.empty()) {
          ++t.violating_runs;
          for (const auto& v : violations) {
            ++t.violations[v.substr(0, v.find(':'))];
            std::cout << fmt::format("VIOLATION run {}: {}\n", run, v);
          }
          std::cout << fmt::format("  fault: {} of host {} at {:.2f} s for {:.2f} s; client output {}\n", to_string(fault.kind), fault.host,
                                   fault.start_s, fault.length_s, out);
          std::cout << fmt::format("  replay: {}\n", replay_command(o, run)) << std::flush;
        }
        // The cluster whole again for the next run. A node restarted by kill_restart must have
        // rejoined by itself (its workers live again), with no help; hosts the fault did not hit
        // that had to be restarted were dropped by their peers' failure detector while alive (a
        // false detection, e.g. the whole machine stalled past the 0.4 s connection timeout).
        const Readmission again = make_whole(c, client, o.hosts, all_workers, stop);
        const auto readmitted = static_cast<int>(again.hosts.size());
        t.readmitted += again.hosts.size();
        bool others = false;
        for (int host : again.hosts) others = others || host != fault.host;
        t.false_detection_runs += others;
        if (others)
          std::cout << fmt::format("run {}: hosts the fault ({} of host {}) did not hit were dropped and restarted: {}\n", run,
                                   to_string(fault.kind), fault.host, again.first_view);
        if (fault.kind == chaos::HostFaultKind::kill_restart && readmitted > 0 && !others) {
          if (violations.empty()) ++t.violating_runs;
          ++t.violations["restarted_node_rejoined"];
          std::cout << fmt::format("VIOLATION run {}: restarted_node_rejoined: host {} was restarted but had not rejoined with its "
                                   "workers 5 s later ({})\n  replay: {}\n",
                                   run, fault.host, again.first_view, replay_command(o, run));
        }
        if (o.verbose || o.only_run >= 0 || (!o.quiet && (run + 1) % 10 == 0))
          std::cout << fmt::format("run {}: {} ({}), {} of host {} at {:.2f} s for {:.2f} s{}, spend ${:.6f} of ${:.6f}, end {:.1f} s of {:.1f} s, "
                                   "{:.1f} s wall{}; {} runs, {} violating\n",
                                   run, reason, p.workflow->name, to_string(fault.kind), fault.host, fault.start_s, fault.length_s,
                                   during ? "" : " (after the run)", dollars(f.spend), dollars(p.budget), f.end_s, p.deadline_s, run_wall_s,
                                   readmitted ? fmt::format(", {} node(s) restarted to rejoin", readmitted) : "", t.runs, t.violating_runs)
                    << std::flush;
      }
    } catch (const std::exception& e) {
      std::cerr << "concord chaos: error: " << printable_lines(e.what()) << " (the cluster is brought down)\n";
      harness_failed = true;
    }
    // Down, then: nothing of the cluster may be left.
    const std::vector<std::string> pids = c.processes();
    const int down_code = c.down();
    if (down_code != 0) leftovers.push_back(fmt::format("cluster.sh down: exit {}", down_code));
    for (int step = 0; step < 50; ++step) {  // a killed process may take a moment to be gone
      bool any = false;
      for (const auto& pid : pids) any = any || alive(pid);
      if (!any) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (const auto& pid : pids)
      if (alive(pid)) leftovers.push_back("process " + pid + " still running");
    std::error_code netns_error;
    if (!tag.empty())
      for (const auto& e : std::filesystem::directory_iterator("/run/netns", netns_error))
        if (std::string(e.path().filename()).rfind(tag + "-", 0) == 0) leftovers.push_back("namespace " + std::string(e.path().filename()));
    const int links_after = count_root_links();
    if (links_after != links_before) leftovers.push_back(fmt::format("{} links in the root namespace before, {} after", links_before, links_after));
  }
  const double wall = seconds_since(t0);
  std::cout << fmt::format("\nhost fault kind   injected  during the run\n");
  for (int k = 0; k < chaos::kHostFaultKinds; ++k)
    std::cout << fmt::format("{:<17} {:>8}  {:>8}\n", to_string(static_cast<chaos::HostFaultKind>(k)), t.injected[static_cast<std::size_t>(k)],
                             t.during[static_cast<std::size_t>(k)]);
  std::cout << fmt::format("nodes restarted to rejoin after a fault (dropped past the connection timeout): {}; runs after which hosts "
                           "the fault did not hit had been dropped too (false detections): {}\n",
                           t.readmitted, t.false_detection_runs);
  std::cout << "end reasons      ";
  for (const auto& [reason, n] : t.reasons) std::cout << fmt::format(" {} {}", reason, n);
  std::uint64_t total = 0;
  for (const auto& [name, n] : t.violations) total += n;
  std::cout << fmt::format("\ninvariant violations: {} in {} of {} runs", total, t.violating_runs, t.runs);
  for (const auto& [name, n] : t.violations) std::cout << fmt::format("; {} {}", name, n);
  std::cout << fmt::format("\nafter cluster.sh down: {}\n", leftovers.empty() ? "no process, namespace or link left" : "LEFT BEHIND:");
  for (const auto& l : leftovers) std::cout << "VIOLATION no_leftovers: " << l << '\n';
  const bool clean = interrupt.signal() == 0 && !harness_failed && t.violating_runs == 0 && leftovers.empty();
  std::error_code ignored;
  if (clean) std::filesystem::remove_all(dir, ignored);  // kept when something went wrong: the clients' outputs and the nodes' logs
  std::cout << fmt::format("wall time {:.1f} s ({:.2f} s per run){}\n", wall, wall / static_cast<double>(t.runs ? t.runs : 1),
                           clean ? "" : "; client outputs and node logs kept in " + dir)
            << std::flush;
  if (interrupt.signal() != 0) return exit_code_for_signal(interrupt.signal());
  if (harness_failed) return kExitInternal;
  return t.violating_runs == 0 && leftovers.empty() ? kExitOk : kExitConstraintsFailed;
}

}  // namespace concord::cli
