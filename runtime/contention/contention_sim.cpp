#include "contention/contention_sim.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>

#include "contention/arrivals.hpp"
#include "contention/worker_pool.hpp"
#include "ledger/ledger.hpp"
#include "ledger/tenant_account.hpp"
#include "ledger/tenant_ledger.hpp"
#include "plan/mcpp_planner.hpp"
#include "sim/execution_rules.hpp"
#include "sim/nominal.hpp"
#include "sim/workflow_progress.hpp"

namespace concord::contention {

ContentionWorkload make_workload(std::vector<bench::BenchWorkflow> templates) {
  if (templates.empty()) throw std::invalid_argument("contention workload: no workflow");
  ContentionWorkload w;
  const FlatWorkflow& first = templates.front().flat;
  for (int m = 0; m < first.num_models(); ++m) w.models.push_back(first.model_id(m));
  std::vector<double> latency_sum(w.models.size(), 0.0);
  std::vector<int> latency_count(w.models.size(), 0);
  for (const auto& t : templates) {
    if (t.flat.num_models() != first.num_models())
      throw std::invalid_argument("contention workload: " + t.name + ": other models than " + templates.front().name);
    for (int m = 0; m < first.num_models(); ++m)
      if (t.flat.model_id(m) != first.model_id(m))
        throw std::invalid_argument("contention workload: " + t.name + ": model " + std::to_string(m) + " is " +
                                    t.flat.model_id(m) + ", not " + first.model_id(m));
    double slot = 0;
    for (int s = 0; s < t.flat.num_subtasks(); ++s) {
      slot += t.flat.profile(s, reference_model(t.flat, s)).mean_latency_s;
      for (int m = 0; m < t.flat.num_models(); ++m)
        if (t.flat.can_run(s, m)) {
          latency_sum[static_cast<std::size_t>(m)] += t.flat.profile(s, m).mean_latency_s;
          ++latency_count[static_cast<std::size_t>(m)];
        }
    }
    w.slot_s.push_back(slot);
  }
  for (std::size_t m = 0; m < w.models.size(); ++m)
    w.mean_service_s.push_back(latency_count[m] ? latency_sum[m] / latency_count[m] : 1.0);
  w.templates = std::move(templates);
  return w;
}

PriceScales price_scales(const ContentionWorkload& workload, const ContentionConfig& config) {
  double budget = 0, slot = 0;
  for (std::size_t i = 0; i < workload.templates.size(); ++i) {
    budget += static_cast<double>(workload.templates[i].nominal_budget) / static_cast<double>(kPicoPerDollar);
    slot += workload.slot_s[i];
  }
  const double n = static_cast<double>(workload.templates.size());
  double ratio = 0;
  for (double r : config.budget_ratios) ratio += r;
  ratio /= static_cast<double>(config.budget_ratios.size());
  PriceScales s;
  s.money_usd = std::max(1e-9, budget / n * ratio);
  s.slot_s = std::max(1e-9, slot / n);
  return s;
}

std::uint64_t RunResult::fingerprint() const {
  std::uint64_t h = 0x9E3779B97F4A7C15ull;
  auto mix = [&h](std::uint64_t x) { h = derive_seed(h, x); };
  auto mixd = [&mix](double x) {
    std::uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    mix(b);
  };
  for (const auto& w : workflows) {
    mix(static_cast<std::uint64_t>(w.completed) | static_cast<std::uint64_t>(w.reason) << 8);
    mixd(w.end_s);
    mix(static_cast<std::uint64_t>(w.spend));
    mix(static_cast<std::uint64_t>(w.decisions));
    mix(static_cast<std::uint64_t>(w.ledger_messages));
    mixd(w.wait_s);
  }
  for (const auto& t : tenants) mix(static_cast<std::uint64_t>(t.committed)), mix(static_cast<std::uint64_t>(t.peak_held));
  for (const auto& series : prices.money)
    for (double p : series) mixd(p);
  for (const auto& series : prices.slots)
    for (double p : series) mixd(p);
  for (const auto& l : launches) {
    mix(static_cast<std::uint64_t>(l.workflow) << 32 | static_cast<std::uint64_t>(l.subtask) << 16 |
        static_cast<std::uint64_t>(l.model) << 8 | static_cast<std::uint64_t>(l.k));
    mixd(l.time_s);
  }
  mixd(end_s);
  return h;
}

namespace {

using clock_type = std::chrono::steady_clock;

enum EventKind : int { kSampleEnd = 0, kArrival = 1, kRetry = 2, kDeadline = 3, kTick = 4 };

struct Event {
  double time_s;
  int kind;
  std::uint64_t seq;
  int index;
  bool operator>(const Event& o) const {
    if (time_s != o.time_s) return time_s > o.time_s;
    if (kind != o.kind) return kind > o.kind;
    return seq > o.seq;
  }
};

enum class SampleState : std::uint8_t { queued, running, done, cancelled };

struct Sample {
  int workflow, batch, worker;
  ledger::ReservationId id;
  exec::Effective run;       // after the token cap
  double enqueue_s = 0, start_s = 0;
  SampleState state = SampleState::queued;
};

struct Batch {
  int workflow, subtask, model, k;
  int first_sample;  // samples first_sample .. first_sample + k - 1
  int ended = 0;
  bool open = true;
};

struct Flow {
  Arrival arrival;
  const bench::BenchWorkflow* tmpl = nullptr;
  std::unique_ptr<ledger::TenantAccount> account;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<WorkflowProgress> progress;
  Rng policy_rng;
  std::vector<std::uint64_t> seed_roots;
  std::vector<int> open_batches;  // batch indices
  std::uint64_t batches = 0;      // batch numbers used (sample ids)
  bool ended = false;
  bool retry_pending = false;
  WorkflowOutcome out;
};

class Engine {
 public:
  Engine(const ContentionWorkload& workload, const ContentionConfig& config)
      : wl_(workload), cfg_(config),
        pool_(static_cast<int>(workload.models.size()), config.workers_per_model, config.slots_per_worker,
              workload.mean_service_s) {
    for (int t = 0; t < cfg_.tenants; ++t) {
      ledger::TenantConfig tc;
      tc.budget_per_period = money_from_dollars(cfg_.tenant_budget_usd);
      tc.lease_s = cfg_.lease_s;
      tenants_.push_back(std::make_unique<ledger::TenantLedger>(tc, 0.0));
    }
    peak_.assign(static_cast<std::size_t>(cfg_.tenants), 0);
    std::vector<int> capacity;
    for (int m = 0; m < pool_.models(); ++m) capacity.push_back(pool_.capacity(m));
    if (negotiating()) prices_ = std::make_unique<PriceBoard>(cfg_, capacity, price_scales(wl_, cfg_));
    planners_.resize(wl_.templates.size());
    last_committed_.assign(static_cast<std::size_t>(cfg_.tenants), 0);
    last_demand_.assign(static_cast<std::size_t>(pool_.models()), 0.0);
  }

  RunResult run() {
    arrivals_ = poisson_arrivals(cfg_, static_cast<int>(wl_.templates.size()));
    for (std::size_t i = 0; i < arrivals_.size(); ++i) push(arrivals_[i].time_s, kArrival, static_cast<int>(i));
    if (negotiating() && !arrivals_.empty()) push(cfg_.tick_s, kTick, 0);
    while (!heap_.empty()) {
      const Event e = pop();
      now_ = e.time_s;
      pool_.advance(now_);
      switch (e.kind) {
        case kSampleEnd: sample_end(e.index); break;
        case kArrival: arrive(e.index); break;
        case kRetry: retry(e.index); break;
        case kDeadline: deadline(e.index); break;
        case kTick: tick(); break;
      }
      for (std::size_t t = 0; t < tenants_.size(); ++t)
        peak_[t] = std::max(peak_[t], tenants_[t]->committed() + tenants_[t]->reserved());
    }
    return result();
  }

 private:
  bool negotiating() const { return cfg_.policy == ContentionPolicy::negotiation; }
  bool active() const { return ended_ < flows_.size() || flows_.size() < arrivals_.size(); }

  void push(double t, int kind, int index) {
    heap_.push_back({t, kind, seq_++, index});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  }
  Event pop() {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    const Event e = heap_.back();
    heap_.pop_back();
    return e;
  }

  McppPlanner& planner(int tmpl) {
    auto& p = planners_[static_cast<std::size_t>(tmpl)];
    if (!p) p = std::make_unique<McppPlanner>(wl_.templates[static_cast<std::size_t>(tmpl)].flat, cfg_.planner);
    return *p;
  }

  void arrive(int index) {
    const Arrival& a = arrivals_[static_cast<std::size_t>(index)];
    flows_.emplace_back();
    Flow& f = flows_.back();
    const int w = static_cast<int>(flows_.size()) - 1;
    f.arrival = a;
    f.tmpl = &wl_.templates[static_cast<std::size_t>(a.template_index)];
    const FlatWorkflow& wf = f.tmpl->flat;
    const Money own = static_cast<Money>(std::floor(static_cast<double>(f.tmpl->nominal_budget) * a.budget_ratio));
    Money ledger_budget = own;
    if (cfg_.policy == ContentionPolicy::static_split)
      ledger_budget = std::min(own, money_from_dollars(cfg_.static_share_usd()));
    f.account = std::make_unique<ledger::TenantAccount>(*tenants_[static_cast<std::size_t>(a.tenant)],
                                                        static_cast<ledger::WorkflowId>(w + 1), [this] { return now_; });
    f.ledger = std::make_unique<ledger::Ledger>(ledger_budget, f.account.get());
    f.progress = std::make_unique<WorkflowProgress>(wf);
    f.policy_rng.reseed(derive_seed(a.seed, 1));
    for (int s = 0; s < wf.num_subtasks(); ++s) f.seed_roots.push_back(exec::subtask_seed_root(a.seed, s));
    f.out.template_index = a.template_index;
    f.out.tenant = a.tenant;
    f.out.arrival_s = a.time_s;
    f.out.deadline_s = f.tmpl->nominal_deadline_s * a.deadline_ratio;
    f.out.budget = own;
    push(a.time_s + f.out.deadline_s, kDeadline, w);
    decide(w);
  }

  /// Replan point of workflow w: ask its planner, reserve and dispatch what it chose.
  void decide(int w) {
    Flow& f = flows_[static_cast<std::size_t>(w)];
    if (f.ended) return;
    const FlatWorkflow& wf = f.tmpl->flat;
    f.progress->dispatchable(dispatchable_);
    if (dispatchable_.empty()) return;
    f.account->renew();
    ++f.out.ledger_messages;

    // What the planner sees, on the workflow's clock (0 = its arrival).
    const double t0 = f.arrival.time_s;
    in_flight_.clear();
    for (int b : f.open_batches) {
      const Batch& bt = batches_[static_cast<std::size_t>(b)];
      for (int i = bt.first_sample; i < bt.first_sample + bt.k; ++i) {
        const Sample& s = samples_[static_cast<std::size_t>(i)];
        if (s.state == SampleState::running) {
          in_flight_.push_back({bt.subtask, bt.model, s.start_s - t0, expected_finish_s(wf, bt.subtask, bt.model, s.start_s - t0, now_ - t0)});
        } else if (s.state == SampleState::queued) {
          // fcfs / static_split plan as if no queue existed: the sample "started" when sent.
          // Negotiation knows its place in the queue (beacons): it starts after the expected wait.
          double start = s.enqueue_s - t0;
          if (negotiating() && cfg_.queue_view) {
            const int pos = pool_.queue_position(s.worker, i);
            start = now_ - t0 + (pos + 1) * pool_.service_ewma_s(bt.model) / pool_.slots_per_worker();
          }
          in_flight_.push_back({bt.subtask, bt.model, start, expected_finish_s(wf, bt.subtask, bt.model, start, now_ - t0)});
        }
      }
    }
    partial_.assign(static_cast<std::size_t>(wf.num_subtasks()), 0);
    SimState st;
    st.workflow = &wf;
    st.semantics = Semantics::runtime;
    st.now_s = now_ - t0;
    st.deadline_s = f.out.deadline_s;
    st.budget = f.ledger->budget();
    st.spent = f.ledger->committed();
    st.reserved = f.ledger->reserved();
    st.status = f.progress->status();
    st.attempts = f.progress->attempts();
    st.dispatchable = dispatchable_;
    st.in_flight = in_flight_;
    st.partial_success = partial_;

    McppPlanner& p = planner(f.arrival.template_index);
    if (negotiating()) {
      McppOutlook o;
      if (cfg_.price_signals) o.money_price = prices_->money_price(f.arrival.tenant);
      for (int m = 0; m < pool_.models(); ++m) {
        if (cfg_.queue_view) {
          o.queue_ahead.push_back(pool_.queue_length(m) - pool_.free_slots(m));
          o.wait_per_position_s.push_back(pool_.service_ewma_s(m) / pool_.capacity(m));
        }
        o.slot_price.push_back(cfg_.price_signals ? prices_->slot_price(m) : 0.0);
      }
      f.out.price_reads += 1 + pool_.models();
      p.set_outlook(o);
    } else {
      p.clear_outlook();
    }
    action_.clear();
    const auto start = clock_type::now();
    p.decide(st, f.policy_rng, action_);
    f.out.planner_s += std::chrono::duration<double>(clock_type::now() - start).count();
    ++f.out.decisions;

    bool own_refused = false, tenant_refused = false;
    for (const Assignment& a : action_) {
      const std::uint64_t batch_no = ++f.batches;
      ids_.clear();
      for (int j = 0; j < a.k; ++j) ids_.push_back(exec::sample_id(batch_no, static_cast<std::uint64_t>(j)));
      const Money each = wf.reservation(a.subtask, a.model);
      const ledger::BatchAnswer ans = f.ledger->reserve_all(ids_, each);
      // Each sample's reserve reaches the tenant unless the workflow's own check refused the batch first.
      if (ans.code == ledger::Code::granted || ans.deny_reason == ledger::DenyReason::source_refused)
        f.out.ledger_messages += a.k;
      if (ans.code != ledger::Code::granted) {
        if (ans.deny_reason == ledger::DenyReason::source_refused) {
          tenant_refused = true;
          ++f.out.tenant_refusals;
        } else {
          own_refused = true;
        }
        continue;
      }
      launch(w, a, ids_);
    }
    const bool waited = action_.empty();  // negotiation: no pair beat waiting at the posted prices
    if (waited) ++f.out.priced_waits;
    if (!f.open_batches.empty()) return;
    if (tenant_refused || waited) {  // the tenant may have money again later, prices may fall: ask again
      if (!f.retry_pending && now_ + cfg_.retry_s < t0 + f.out.deadline_s) {
        f.retry_pending = true;
        push(now_ + cfg_.retry_s, kRetry, w);
      }
      return;
    }
    finish(w, own_refused ? EndReason::budget_exhausted : EndReason::stalled);
  }

  void launch(int w, const Assignment& a, const std::vector<ledger::ReservationId>& ids) {
    Flow& f = flows_[static_cast<std::size_t>(w)];
    const FlatWorkflow& wf = f.tmpl->flat;
    const int attempt = f.progress->launch(a.subtask);
    launches_.push_back({w, a.subtask, a.model, a.k, now_});
    Batch b{w, a.subtask, a.model, a.k, static_cast<int>(samples_.size())};
    const int bi = static_cast<int>(batches_.size());
    batches_.push_back(b);
    f.open_batches.push_back(bi);
    for (int j = 0; j < a.k; ++j) {
      LazyRng rng(exec::sample_seed_in(f.seed_roots[static_cast<std::size_t>(a.subtask)], attempt, j));
      const exec::Draw d = wf.draw(a.subtask, a.model, rng);
      Sample s{w, bi, pool_.choose_worker(a.model), ids[static_cast<std::size_t>(j)], exec::apply_token_cap(d, wf.token_cap(a.model))};
      s.enqueue_s = now_;
      const int si = static_cast<int>(samples_.size());
      samples_.push_back(s);
      if (pool_.enqueue(samples_.back().worker, si)) start_sample(si);
    }
  }

  void start_sample(int si) {
    Sample& s = samples_[static_cast<std::size_t>(si)];
    s.state = SampleState::running;
    s.start_s = now_;
    flows_[static_cast<std::size_t>(s.workflow)].out.wait_s += now_ - s.enqueue_s;
    push(now_ + s.run.latency_s, kSampleEnd, si);
  }

  /// A running sample stops now (ran to its end, or cancelled): settle its money, free its slot.
  void stop_running(int si, bool cancelled) {
    Sample& s = samples_[static_cast<std::size_t>(si)];
    Flow& f = flows_[static_cast<std::size_t>(s.workflow)];
    const Batch& b = batches_[static_cast<std::size_t>(s.batch)];
    const std::int64_t tokens = cancelled ? exec::tokens_after(s.run, now_ - s.start_s) : s.run.tokens;
    f.ledger->commit(s.id, f.tmpl->flat.sample_cost(b.subtask, b.model, tokens));
    ++f.out.ledger_messages;
    s.state = cancelled ? SampleState::cancelled : SampleState::done;
    if (!cancelled) pool_.observe_service(b.model, s.run.latency_s);
    const int next = pool_.release_slot(s.worker);
    if (next >= 0) start_sample(next);
  }

  void cancel_sample(int si) {
    Sample& s = samples_[static_cast<std::size_t>(si)];
    if (s.state == SampleState::running) {
      stop_running(si, true);
    } else if (s.state == SampleState::queued) {
      pool_.remove_queued(s.worker, si);
      Flow& f = flows_[static_cast<std::size_t>(s.workflow)];
      f.ledger->release(s.id);
      ++f.out.ledger_messages;
      s.state = SampleState::cancelled;
    }
  }

  void close_batch(int bi) {
    Batch& b = batches_[static_cast<std::size_t>(bi)];
    b.open = false;
    // Waiting siblings first: a slot a running sibling frees must not go to one of them.
    for (int i = b.first_sample; i < b.first_sample + b.k; ++i)
      if (samples_[static_cast<std::size_t>(i)].state == SampleState::queued) cancel_sample(i);
    for (int i = b.first_sample; i < b.first_sample + b.k; ++i) cancel_sample(i);
    auto& open = flows_[static_cast<std::size_t>(b.workflow)].open_batches;
    open.erase(std::find(open.begin(), open.end(), bi));
  }

  void sample_end(int si) {
    if (samples_[static_cast<std::size_t>(si)].state != SampleState::running) return;  // cancelled earlier
    stop_running(si, false);
    const Sample& s = samples_[static_cast<std::size_t>(si)];
    Batch& b = batches_[static_cast<std::size_t>(s.batch)];
    ++b.ended;
    if (!b.open) return;
    const bool success = s.run.success;
    if (!success && b.ended < b.k) return;
    const int w = b.workflow;
    close_batch(s.batch);
    Flow& f = flows_[static_cast<std::size_t>(w)];
    if (!f.progress->end_batch(b.subtask, success)) {
      finish(w, EndReason::attempts_exhausted);
      return;
    }
    if (f.progress->complete()) {
      finish(w, EndReason::completed);
      return;
    }
    decide(w);
  }

  void retry(int w) {
    Flow& f = flows_[static_cast<std::size_t>(w)];
    f.retry_pending = false;
    decide(w);
  }

  void deadline(int w) {
    if (!flows_[static_cast<std::size_t>(w)].ended) finish(w, EndReason::deadline_exhausted);
  }

  void finish(int w, EndReason reason) {
    Flow& f = flows_[static_cast<std::size_t>(w)];
    while (!f.open_batches.empty()) close_batch(f.open_batches.back());
    f.ended = true;
    ++ended_;
    f.out.reason = reason;
    f.out.completed = reason == EndReason::completed;
    f.out.end_s = now_;
    f.out.spend = f.ledger->committed();
  }

  void tick() {
    std::vector<double> spent(tenants_.size()), demand(static_cast<std::size_t>(pool_.models()));
    for (std::size_t t = 0; t < tenants_.size(); ++t) {
      const Money c = tenants_[t]->committed_total();
      spent[t] = static_cast<double>(c - last_committed_[t]) / static_cast<double>(kPicoPerDollar);
      last_committed_[t] = c;
    }
    for (int m = 0; m < pool_.models(); ++m) {
      const auto i = static_cast<std::size_t>(m);
      demand[i] = pool_.demand_slot_s(m) - last_demand_[i];
      last_demand_[i] = pool_.demand_slot_s(m);
    }
    std::vector<double> pace;
    if (cfg_.adaptive_pace)
      for (const auto& t : tenants_) {
        const double left = static_cast<double>(t->budget() - t->committed_total()) / static_cast<double>(kPicoPerDollar);
        pace.push_back(std::max(0.0, left) * cfg_.tick_s / std::max(cfg_.tick_s, cfg_.window_s - now_));
      }
    prices_->tick(now_, spent, demand, pace);
    if (active()) push(now_ + cfg_.tick_s, kTick, 0);
  }

  RunResult result() {
    RunResult r;
    r.policy = cfg_.policy;
    r.arrival_rate_per_s = cfg_.arrival_rate_per_s;
    r.replicate = cfg_.replicate;
    for (const Flow& f : flows_) r.workflows.push_back(f.out);
    for (std::size_t t = 0; t < tenants_.size(); ++t) {
      TenantOutcome o;
      o.budget = tenants_[t]->budget();
      o.committed = tenants_[t]->committed_total();
      o.uncovered = tenants_[t]->uncovered_total();
      o.peak_held = peak_[t];
      r.tenants.push_back(o);
    }
    r.end_s = now_;
    for (int m = 0; m < pool_.models(); ++m)
      r.utilisation.push_back(now_ > 0 ? pool_.busy_slot_s(m) / (pool_.capacity(m) * now_) : 0.0);
    if (prices_) r.prices = prices_->trajectory();
    r.launches = launches_;
    return r;
  }

  const ContentionWorkload& wl_;
  const ContentionConfig& cfg_;
  WorkerPool pool_;
  std::vector<std::unique_ptr<ledger::TenantLedger>> tenants_;
  std::vector<Money> peak_, last_committed_;
  std::vector<double> last_demand_;
  std::unique_ptr<PriceBoard> prices_;
  std::vector<std::unique_ptr<McppPlanner>> planners_;
  std::vector<Arrival> arrivals_;
  std::deque<Flow> flows_;  // stable addresses: accounts capture nothing of them, ledgers point to accounts
  std::size_t ended_ = 0;
  std::vector<Sample> samples_;
  std::vector<Batch> batches_;
  std::vector<Launch> launches_;
  std::vector<Event> heap_;
  std::uint64_t seq_ = 0;
  double now_ = 0;
  // Scratch.
  std::vector<int> dispatchable_;
  std::vector<InFlightSample> in_flight_;
  std::vector<std::uint8_t> partial_;
  std::vector<Assignment> action_;
  std::vector<ledger::ReservationId> ids_;
};

}  // namespace

RunResult run_contention(const ContentionWorkload& workload, const ContentionConfig& config) {
  if (const std::string err = config.validate(); !err.empty()) throw std::invalid_argument("contention config: " + err);
  Engine engine(workload, config);
  return engine.run();
}

}  // namespace concord::contention
