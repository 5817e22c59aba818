#include "tenant_ledger_actor.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <vector>

#include <caf/all.hpp>

#include "ledger/tenant_ledger.hpp"
#include "ledger/tenant_relay.hpp"
#include "negotiate/ticked_price.hpp"
#include "real_time.hpp"

namespace concord::actors {

namespace {

struct tenant_state {
  TenantLedgerOptions o;
  std::unique_ptr<ledger::TenantLedger> book;
  Clock::time_point born;
  ledger::WorkflowId next_account = 1;  // the tenant's workflow numbers: 1, 2, ... (never reused)
  std::optional<negotiate::TickedPrice> price;  // with options.money_price
  Money committed_at_tick = 0;                  // committed_total at the end of the last tick taken
  static inline const char* name = "concord.tenant_ledger";
  double now_s() const { return o.clock->seconds_since(born); }

  /// Takes the price's ticks that ended before now (the book is as it was at their ends: no
  /// operation after them has been applied). Call before every operation and price read.
  double advance_price() {
    if (!price) return 0;
    const negotiate::PriceTerms& t = *o.money_price;
    return price->advance(now_s(), [&](double end_s) {
      negotiate::TickObservation obs;
      obs.consumption = static_cast<double>(book->committed_total() - committed_at_tick) / static_cast<double>(kPicoPerDollar);
      committed_at_tick = book->committed_total();
      if (t.window_s > 0) {
        const double left = static_cast<double>(book->budget() - book->committed()) / static_cast<double>(kPicoPerDollar);
        obs.pace = std::max(0.0, left) * t.tick_s / std::max(t.tick_s, t.window_s - end_s);
      }
      return obs;
    });
  }
};

using tenant_self = proto::tenant_actor::stateful_pointer<tenant_state>;

double tick_of(const TenantLedgerOptions& o) {
  if (o.tick_s > 0) return o.tick_s;
  return std::clamp(o.config.lease_s / 10, 0.01, 1.0);
}

proto::tenant_actor::behavior_type tenant_behavior(tenant_self self, TenantLedgerOptions o) {
  auto& st = self->state;
  st.o = std::move(o);
  st.book = std::make_unique<ledger::TenantLedger>(st.o.config, 0.0);
  st.born = st.o.clock->now();
  if (st.o.money_price) st.price.emplace(st.o.money_price->price, st.o.money_price->tick_s);
  self->delayed_send(self, real_delay(tick_of(st.o)), proto::tick_atom::value);
  return {
      [=](proto::open_atom) -> caf::result<std::uint64_t, double> {
        auto& st = self->state;
        st.advance_price();
        const ledger::WorkflowId w = st.next_account++;
        st.book->renew(w, 1, st.now_s());  // seq 1: the lease opens now; the planner renews from seq 2
        return {w, st.o.config.lease_s};
      },
      [=](proto::renew_atom, std::uint64_t workflow, std::uint64_t seq) {
        self->state.advance_price();
        return tenant_reply_of(self->state.book->renew(workflow, seq, self->state.now_s()));
      },
      [=](proto::reserve_atom, std::uint64_t workflow, const std::vector<std::uint64_t>& ids, std::int64_t each) {
        self->state.advance_price();
        return tenant_reply_of(ledger::tenant_reserve_all(*self->state.book, workflow, ids, each, self->state.now_s()));
      },
      [=](proto::commit_atom, std::uint64_t workflow, std::uint64_t id, std::int64_t actual) {
        self->state.advance_price();
        return tenant_reply_of(self->state.book->commit(workflow, id, actual, self->state.now_s()));
      },
      [=](proto::release_atom, std::uint64_t workflow, std::uint64_t id) {
        self->state.advance_price();
        return tenant_reply_of(self->state.book->release(workflow, id, self->state.now_s()));
      },
      [=](proto::status_atom) {
        auto& st = self->state;  // a read: the state as of the last operation or tick (at most tick_s old)
        const auto& b = *st.book;
        proto::tenant_status s;
        s.name = st.o.name;
        s.budget = b.budget();
        s.committed = b.committed();
        s.reserved = b.reserved();
        s.committed_total = b.committed_total();
        s.uncovered_total = b.uncovered_total();
        s.late_commits = b.late_commits();
        s.expired_holdings = b.expired_holdings();
        for (ledger::WorkflowId w = 1; w < st.next_account; ++w) s.live_leases += b.lease_live(w) ? 1 : 0;
        s.period_s = std::isfinite(b.config().period_s) ? b.config().period_s : -1;
        s.lease_s = b.config().lease_s;
        return s;
      },
      [=](proto::price_atom) { return self->state.advance_price(); },
      [=](proto::tick_atom) {
        self->state.advance_price();
        self->state.book->advance(self->state.now_s());
        self->delayed_send(self, real_delay(tick_of(self->state.o)), proto::tick_atom::value);
      },
      [=](proto::stop_atom) { self->quit(); },
  };
}

}  // namespace

proto::tenant_reply tenant_reply_of(const ledger::TenantAnswer& a) {
  proto::tenant_reply r;
  r.code = static_cast<std::uint8_t>(a.code);
  r.deny_reason = static_cast<std::uint8_t>(a.holding.deny_reason);
  r.repeated = a.repeated;
  r.holds = (a.code == ledger::TenantCode::granted || a.code == ledger::TenantCode::renewed) &&
            (a.code == ledger::TenantCode::renewed || a.holding.state == ledger::HoldingState::reserved);
  return r;
}

proto::tenant_actor spawn_tenant_ledger(caf::actor_system& sys, TenantLedgerOptions options) {
  ledger::TenantLedger check(options.config, 0.0);  // throws std::invalid_argument on a bad config
  (void)check;
  return sys.spawn(tenant_behavior, std::move(options));
}

}  // namespace concord::actors
