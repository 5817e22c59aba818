#include "eval/pool_sim.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <stdexcept>

#include "sim/rng.hpp"

namespace concord::route {

const char* to_string(Shock s) {
  switch (s) {
    case Shock::worker_dies: return "a: good worker dies";
    case Shock::worker_degrades: return "b: good worker degrades";
    case Shock::better_worker_joins: return "c: better worker joins";
  }
  return "?";
}

void PoolConfig::validate() const {
  if (models < 5) throw std::invalid_argument("pool.models: need >= 5");
  if (models * workers_per_model < 30) throw std::invalid_argument("pool.workers: need >= 30 workers");
  if (capability_dims < 2) throw std::invalid_argument("pool.capability_dims: need >= 2");
  if (shock_task <= rule.baseline || shock_task >= tasks) throw std::invalid_argument("pool.shock_task: out of range");
  if (!(task_interval_s > 0) || !(beacon_interval_s > 0) || !(outcome_timeout_s > 0))
    throw std::invalid_argument("pool: intervals and timeouts must be > 0");
  if (!(degrade_factor >= 0 && degrade_factor <= 1)) throw std::invalid_argument("pool.degrade_factor: in [0, 1]");
  if (replicates == 0) throw std::invalid_argument("pool.replicates: need >= 1");
}

PoolPolicy concord_pool_policy() {
  PoolPolicy p;
  p.name = "concord";
  p.router.selector.mode = SelectorMode::disjoint;
  p.router.selector.prior = NewArmPrior::population;
  p.router.selector.linucb.alpha = 0.3;
  p.router.selector.linucb.discount = 0.95;
  p.router.table.exclude_stale = true;
  p.router.table.honor_failure_detector = true;
  return p;
}

PoolPolicy reference_pool_policy() {
  PoolPolicy p;
  p.name = "reference";
  p.router.selector.mode = SelectorMode::shared;
  p.router.selector.linucb.alpha = 1.0;
  p.router.selector.linucb.discount = 1.0;
  p.router.table.exclude_stale = false;
  p.router.table.honor_failure_detector = false;
  return p;
}

long median_tasks(std::vector<long> v) {
  if (v.empty()) return -1;
  for (auto& x : v)
    if (x < 0) x = std::numeric_limits<long>::max();
  std::sort(v.begin(), v.end());
  const long m = v[(v.size() - 1) / 2];
  return m == std::numeric_limits<long>::max() ? -1 : m;
}

namespace {

constexpr double kCapacity = 4;

struct Worker {
  std::string id, model_id;
  std::size_t model = 0;
  std::vector<double> capability;
  std::vector<double> p;  // success per task type
  double latency_mean_s = 1;
  double price_usd = 0.001;
  double beacon_phase_s = 0;
  double next_beacon_s = 0;
  int in_flight = 0;
  double lat_ewma = 1, rep_ewma = 0.5;
  bool alive = true, joined = true;
};

struct World {
  std::vector<Worker> workers;
  std::vector<std::vector<double>> type_req;  // 3 requirement vectors
  std::size_t good = 0;                       // the shocked worker
};

void normalise(std::vector<double>& v) {
  double n = 0;
  for (double x : v) n += x * x;
  n = std::sqrt(n);
  if (n > 0)
    for (double& x : v) x /= n;
}

World make_world(const PoolConfig& cfg, std::uint64_t seed, const ScreenConfig& sc) {
  Rng rng(seed);
  World w;
  const std::size_t D = cfg.capability_dims;
  std::vector<std::vector<double>> mcap(cfg.models);
  std::vector<double> mlat(cfg.models), mprice(cfg.models);
  for (std::size_t j = 0; j < cfg.models; ++j) {
    mcap[j].assign(D, 0.0);
    for (auto& x : mcap[j]) x = 0.25 * rng.uniform();
    mcap[j][j % D] += 1.0;
    normalise(mcap[j]);
    mlat[j] = 1.0 + 5.0 * rng.uniform();
    mprice[j] = 0.0005 * std::pow(16.0, rng.uniform());
  }
  // Task types: centred on models 0, 1, 2 with noise.
  for (std::size_t t = 0; t < 3; ++t) {
    std::vector<double> r = mcap[t];
    for (auto& x : r) x += 0.1 * rng.normal();
    normalise(r);
    w.type_req.push_back(r);
  }
  auto cosine = [](const std::vector<double>& a, const std::vector<double>& b) {
    return match_score(a, b, MatchKind::cosine);
  };
  for (std::size_t j = 0; j < cfg.models; ++j)
    for (std::size_t k = 0; k < cfg.workers_per_model; ++k) {
      Worker x;
      x.id = "w" + std::to_string(j) + "-" + std::to_string(k);
      x.model = j;
      x.model_id = "model-" + std::to_string(j);
      x.capability = mcap[j];
      for (auto& c : x.capability) c += 0.08 * rng.normal();
      const double factor = 0.75 + 0.33 * rng.uniform();
      for (std::size_t t = 0; t < 3; ++t) {
        const double quality = 0.45 + 0.5 * std::max(0.0, cosine(mcap[j], w.type_req[t]));
        x.p.push_back(std::clamp(quality * factor, 0.02, 0.98));
      }
      x.latency_mean_s = mlat[j] * (0.7 + 0.8 * rng.uniform());
      x.price_usd = mprice[j];
      x.beacon_phase_s = cfg.beacon_interval_s * rng.uniform();
      x.lat_ewma = x.latency_mean_s;
      x.rep_ewma = x.p[0] * 0.5 + x.p[1] * 0.3 + x.p[2] * 0.2;
      w.workers.push_back(std::move(x));
    }
  // Good worker: best type-0 success among the top L for the type-0 requirement.
  std::vector<std::size_t> idx(w.workers.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    const double ma = cosine(w.type_req[0], w.workers[a].capability), mb = cosine(w.type_req[0], w.workers[b].capability);
    return ma != mb ? ma > mb : w.workers[a].id < w.workers[b].id;
  });
  w.good = idx[0];
  for (std::size_t i = 0; i < std::min(sc.top_l, idx.size()); ++i)
    if (w.workers[idx[i]].p[0] > w.workers[w.good].p[0]) w.good = idx[i];
  return w;
}

struct InFlight {
  double finish_s;
  std::uint64_t dispatch;
  std::size_t worker;
  std::size_t task;
  bool success;
  double latency_s, cost_usd;
  bool operator>(const InFlight& o) const { return finish_s != o.finish_s ? finish_s > o.finish_s : dispatch > o.dispatch; }
};

}  // namespace

ScenarioResult run_pool_scenario(const PoolConfig& cfg, const PoolPolicy& policy, Shock shock) {
  cfg.validate();
  ScenarioResult res;
  res.shock = shock;
  res.policy = policy.name;
  const std::size_t T = cfg.tasks, S = cfg.shock_task;
  std::vector<double> mean_roll(T, 0.0);
  std::vector<double> mean_outcome(T, 0.0);
  double cost_all = 0, succ_all = 0, cost_after = 0, succ_after = 0, before = 0, after = 0;
  const double timeout_horizon = cfg.beacon_interval_s * cfg.stale_after_intervals;

  for (std::size_t rep = 0; rep < cfg.replicates; ++rep) {
    const std::uint64_t rseed = derive_seed(cfg.seed, rep);
    RouterConfig rc = policy.router;
    rc.table.beacon_interval_s = cfg.beacon_interval_s;
    rc.table.stale_after_intervals = cfg.stale_after_intervals;
    rc.outcome_timeout_s = cfg.outcome_timeout_s;
    World w = make_world(cfg, derive_seed(rseed, 1), rc.screen);
    const std::size_t good = w.good;
    if (shock == Shock::better_worker_joins) {
      Worker n = w.workers[good];
      n.id = "newcomer";
      n.capability = w.type_req[0];
      for (auto& p : n.p) p = std::min(0.98, p + 0.08);
      n.rep_ewma = 0.5;
      n.joined = false;
      n.in_flight = 0;
      w.workers.push_back(n);
    }
    const std::size_t newcomer = w.workers.size() - 1;
    Router router(rc, derive_seed(rseed, 2));
    Rng task_rng(derive_seed(rseed, 3));     // task types and requirements
    Rng outcome_rng(derive_seed(rseed, 4));  // common random numbers for outcomes
    Rng latency_rng(derive_seed(rseed, 5));
    std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> flight;
    std::vector<double> outcome(T, 0.0), cost(T, 0.0);
    double died_at = std::numeric_limits<double>::infinity(), last_beacon_of_dead = -1;
    bool fd_sent = false;
    std::vector<int> joiner_picks;    // per type-0 task after join where the newcomer was a candidate: picked?
    std::vector<long> joiner_tasks;   // ... and that task's index since the join

    for (std::size_t i = 0; i < T; ++i) {
      const double now = static_cast<double>(i) * cfg.task_interval_s;
      if (i == S) {
        if (shock == Shock::worker_dies) {
          w.workers[good].alive = false;
          died_at = now;
        } else if (shock == Shock::worker_degrades) {
          for (auto& p : w.workers[good].p) p *= cfg.degrade_factor;
        } else {
          w.workers[newcomer].joined = true;
          w.workers[newcomer].next_beacon_s = now;
        }
      }
      // Beacons due by now (the latest one per worker carries the current state).
      for (auto& x : w.workers) {
        if (!x.joined) continue;
        if (i == 0) x.next_beacon_s = x.beacon_phase_s - cfg.beacon_interval_s;
        double due = -1;
        while (x.next_beacon_s <= now) {
          due = x.next_beacon_s;
          x.next_beacon_s += cfg.beacon_interval_s;
        }
        if (due < 0 && i != 0) continue;
        if (due < 0) due = now;
        if (!x.alive) continue;
        Beacon b;
        b.worker_id = x.id;
        b.model_id = x.model_id;
        b.capability = x.capability;
        b.load = std::min(1.0, x.in_flight / kCapacity);
        b.queue_length = std::max(0, x.in_flight - static_cast<int>(kCapacity));
        b.latency_ewma_s = x.lat_ewma;
        b.reputation = x.rep_ewma;
        b.available = true;
        b.timestamp_s = due;
        router.table().upsert(std::move(b));
        if (&x == &w.workers[good]) last_beacon_of_dead = due;
      }
      if (shock == Shock::worker_dies && !fd_sent && now >= died_at + cfg.fd_delay_s) {
        router.table().mark_dead(w.workers[good].id, died_at + cfg.fd_delay_s);
        fd_sent = true;
      }
      // Outcomes that arrived by now.
      while (!flight.empty() && flight.top().finish_s <= now) {
        const InFlight f = flight.top();
        flight.pop();
        Worker& x = w.workers[f.worker];
        --x.in_flight;
        if (!x.alive && f.finish_s > died_at) {  // died before answering: never delivered, times out
          outcome[f.task] = 0.0;
          continue;
        }
        x.lat_ewma = 0.8 * x.lat_ewma + 0.2 * f.latency_s;
        x.rep_ewma = 0.95 * x.rep_ewma + 0.05 * (f.success ? 1.0 : 0.0);
        router.on_outcome(f.dispatch, Outcome{f.success, f.latency_s, f.cost_usd});
      }
      router.expire(now);
      // The task.
      const double u = task_rng.uniform();
      const std::size_t type = u < 0.5 ? 0 : (u < 0.8 ? 1 : 2);
      std::vector<double> req = w.type_req[type];
      for (auto& v : req) v += 0.1 * task_rng.normal();
      const double draw = outcome_rng.uniform();
      const double lat_noise = latency_rng.normal();
      auto d = router.route(req, now);
      if (!d) continue;  // no candidate: counted as a failure
      std::size_t wi = 0;
      while (w.workers[wi].id != d->worker_id) ++wi;
      Worker& x = w.workers[wi];
      if (wi == good && i + 100 >= S && i < S + 100) (i < S ? res.shocked_share_before : res.shocked_share_after) += 1.0;
      if (shock == Shock::better_worker_joins && i >= S && type == 0) {
        bool candidate = false;
        for (const auto& c : router.last_candidates())
          candidate = candidate || router.table().entries()[c.entry].beacon.worker_id == "newcomer";
        if (candidate) {
          joiner_picks.push_back(wi == newcomer ? 1 : 0);
          joiner_tasks.push_back(static_cast<long>(i - S));
        }
      }
      if (!x.alive) {
        ++res.dead_dispatches;
        if (now > last_beacon_of_dead + timeout_horizon) ++res.dead_dispatches_after_timeout;
        cost[i] = 0.0;  // never answers (nothing billed): the router times it out; the task failed
        continue;
      }
      const double slow = 1.0 + 0.25 * std::max(0.0, x.in_flight + 1 - kCapacity);
      const double latency = x.latency_mean_s * slow * std::exp(0.3 * lat_noise - 0.045);
      const bool ok = draw < x.p[type];
      ++x.in_flight;
      flight.push({now + latency, d->id, wi, i, ok, latency, x.price_usd});
      outcome[i] = ok ? 1.0 : 0.0;
      cost[i] = x.price_usd;
    }
    for (; !flight.empty(); flight.pop())  // still in flight at the end: a dead worker never answers
      if (!w.workers[flight.top().worker].alive && flight.top().finish_s > died_at) outcome[flight.top().task] = 0.0;
    for (std::size_t i = 0; i < T; ++i) {
      cost_all += cost[i];
      succ_all += outcome[i];
      if (i >= S) {
        cost_after += cost[i];
        succ_after += outcome[i];
      }
    }
    const auto roll = rolling_mean(outcome, cfg.rule.window);
    for (std::size_t i = 0; i < T; ++i) {
      mean_roll[i] += roll[i] / static_cast<double>(cfg.replicates);
      mean_outcome[i] += outcome[i] / static_cast<double>(cfg.replicates);
    }
    for (std::size_t i = 0; i < S; ++i) before += outcome[i];
    for (std::size_t i = S; i < T; ++i) after += outcome[i];
    res.tasks_to_recover.push_back(measure_recovery(outcome, roll, S, cfg.rule).tasks_to_recover);
    if (shock == Shock::better_worker_joins) {
      // Adopted from the first eligible task k such that the newcomer gets >= 10 of the 20 eligible tasks from k on.
      long adoption = -1;
      for (std::size_t k = 0; k + 20 <= joiner_picks.size() && adoption < 0; ++k) {
        int picks = 0;
        for (std::size_t j = k; j < k + 20; ++j) picks += joiner_picks[j];
        if (picks >= 10) adoption = joiner_tasks[k];
      }
      res.adoption_tasks.push_back(adoption);
    }
  }
  const double R = static_cast<double>(cfg.replicates);
  res.recovery = measure_recovery(mean_outcome, mean_roll, S, cfg.rule);
  res.shocked_share_before /= 100.0 * R;
  res.shocked_share_after /= 100.0 * R;
  res.success_before = before / (R * static_cast<double>(S));
  res.success_after = after / (R * static_cast<double>(T - S));
  res.cost_per_success = succ_all > 0 ? cost_all / succ_all : std::numeric_limits<double>::infinity();
  res.cost_per_success_after = succ_after > 0 ? cost_after / succ_after : std::numeric_limits<double>::infinity();
  res.mean_rolling = std::move(mean_roll);
  return res;
}

}  // namespace concord::route
