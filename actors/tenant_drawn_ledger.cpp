#include "tenant_drawn_ledger.hpp"

#include <algorithm>
#include <functional>
#include <utility>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include <caf/all.hpp>

#include "ledger/ledger.hpp"
#include "ledger/tenant_relay.hpp"
#include "real_time.hpp"

namespace concord::actors {

namespace {

struct drawn_state {
  TenantLink link;
  ledger::TenantRelay relay;             // declared before `book`: the ledger uses it
  std::unique_ptr<ledger::Ledger> book;
  std::uint64_t renew_seq = 1;           // open_atom renewed seq 1
  Clock::time_point next_renew;
  std::uint64_t next_notice = 0;
  std::map<std::uint64_t, ledger::TenantNotice> owed;  // notices the tenant has not answered
  std::set<std::uint64_t> in_flight;                   // ... of which a request is out
  // Ids whose ask is out at the tenant, and the reserves naming any of them, parked until it is
  // answered: a retried or duplicated reserve (a lost answer, a slow tenant: the subtask asks again
  // every ledger_retry_s) must get the first one's outcome, not the relay's "asked before" refusal,
  // which the batch could take as its answer while the first ask's grant lands unused.
  std::set<ledger::ReservationId> asking;
  std::vector<std::function<void()>> parked;
  bool stopping = false;
  Clock::time_point stop_by;
  static inline const char* name = "concord.tenant_drawn_ledger";
  drawn_state() = default;
  drawn_state(const drawn_state&) = delete;
  drawn_state& operator=(const drawn_state&) = delete;
};

using drawn_self = proto::ledger_actor::stateful_pointer<drawn_state>;

const auto kTenantTimeout = real_delay(kTenantTimeoutSeconds);

double tick_s(const TenantLink& l) { return std::clamp(l.lease_s / 6, 0.05, 1.0); }

proto::ledger_reply reply_of(const ledger::Answer& a) { return proto::ledger_reply::of(a.code, a.deny_reason(), a.repeated); }
proto::ledger_reply reply_of(const ledger::BatchAnswer& a) { return proto::ledger_reply::of(a.code, a.deny_reason, a.repeated); }

void maybe_quit(drawn_self self) {
  auto& st = self->state;
  if (st.stopping && (st.owed.empty() || real_clock().now() >= st.stop_by)) self->quit();
}

/// Sends every owed notice that has no request out; an unanswered one is sent again next tick.
void send_owed(drawn_self self) {
  auto& st = self->state;
  for (auto& n : st.relay.take()) st.owed.emplace(st.next_notice++, n);
  for (const auto& [seq, n] : st.owed) {
    if (!st.in_flight.insert(seq).second) continue;
    auto done = [=](proto::tenant_reply&) {
      self->state.owed.erase(seq);
      self->state.in_flight.erase(seq);
      maybe_quit(self);
    };
    auto failed = [=](caf::error&) { self->state.in_flight.erase(seq); };
    if (n.kind == ledger::TenantNotice::Kind::commit)
      self->request(st.link.tenant, kTenantTimeout, proto::commit_atom::value, st.link.account, n.id, n.actual).then(done, failed);
    else
      self->request(st.link.tenant, kTenantTimeout, proto::release_atom::value, st.link.account, n.id).then(done, failed);
  }
}

/// A reserve of `ids` (a batch, or one id) through the tenant, answered on `rp`.
template <class Local>
void reserve_into(drawn_self self, std::vector<ledger::ReservationId> ids, Money each, Local local,
                  caf::typed_response_promise<proto::ledger_reply> rp) {
  auto& st = self->state;
  if (std::any_of(ids.begin(), ids.end(), [&](auto id) { return st.asking.count(id) != 0; })) {
    st.parked.push_back([=]() mutable { reserve_into(self, ids, each, local, rp); });
    return;
  }
  auto plan = ledger::plan_tenant_reserve(*st.book, st.relay, ids, each);
  if (!plan.ask) {  // answered by the workflow ledger alone
    auto r = reply_of(local(*st.book));
    send_owed(self);
    rp.deliver(r);
    return;
  }
  st.asking.insert(plan.fresh.begin(), plan.fresh.end());
  // After the tenant's answer (granted: it holds `each` for every fresh id; asked: it may have).
  auto finish = [=](bool granted, bool tenant_may_hold) mutable {
    auto& st = self->state;
    if (granted) st.relay.grant(plan.fresh, each);
    const auto r = reply_of(local(*st.book));
    st.relay.clear_grants();
    if (tenant_may_hold) st.relay.release_unheld(*st.book, plan.fresh);
    send_owed(self);
    rp.deliver(r);
    for (auto id : plan.fresh) st.asking.erase(id);
    for (auto& resume : std::exchange(st.parked, {})) resume();  // each parks again if still blocked
  };
  self->request(st.link.tenant, kTenantTimeout, proto::reserve_atom::value, st.link.account, plan.fresh, each)
      .then([=](proto::tenant_reply& t) mutable { finish(t.holds, t.holds); }, [=](caf::error&) mutable { finish(false, true); });
}

template <class Local>
caf::result<proto::ledger_reply> reserve(drawn_self self, std::vector<ledger::ReservationId> ids, Money each, Local local) {
  auto rp = self->make_response_promise<proto::ledger_reply>();
  reserve_into(self, std::move(ids), each, std::move(local), rp);
  return rp;
}

void renew(drawn_self self) {
  auto& st = self->state;
  st.next_renew = real_clock().now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(st.link.lease_s / 3));
  self->request(st.link.tenant, kTenantTimeout, proto::renew_atom::value, st.link.account, ++st.renew_seq)
      .then([](proto::tenant_reply&) {},
            [=](caf::error&) {  // not heard: try again at the next tick
              self->state.next_renew = real_clock().now();
            });
}

proto::ledger_actor::behavior_type drawn(drawn_self self, Money budget, TenantLink link) {
  auto& st = self->state;
  st.link = std::move(link);
  st.book = std::make_unique<ledger::Ledger>(budget, &st.relay);
  st.next_renew = real_clock().now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(st.link.lease_s / 3));
  self->delayed_send(self, real_delay(tick_s(st.link)), proto::flush_atom::value);
  return {
      [=](proto::reserve_atom, std::uint64_t id, std::int64_t amount) {
        return reserve(self, {id}, amount, [=](ledger::Ledger& b) { return b.reserve(id, amount); });
      },
      [=](proto::reserve_atom, const std::vector<std::uint64_t>& ids, std::int64_t each) {
        return reserve(self, ids, each, [=](ledger::Ledger& b) { return b.reserve_all(ids, each); });
      },
      [=](proto::commit_atom, std::uint64_t id, std::int64_t actual) {
        const auto r = reply_of(self->state.book->commit(id, actual));
        send_owed(self);
        return r;
      },
      [=](proto::release_atom, std::uint64_t id) {
        const auto r = reply_of(self->state.book->release(id));
        send_owed(self);
        return r;
      },
      [=](proto::status_atom) {
        const auto& b = *self->state.book;
        return proto::ledger_status{b.budget(), b.committed(), b.reserved(), b.open_count()};
      },
      [=](proto::flush_atom) {  // the tick: the heartbeat when due, unanswered notices again
        auto& st = self->state;
        if (!st.stopping && real_clock().now() >= st.next_renew) renew(self);
        send_owed(self);
        maybe_quit(self);
        self->delayed_send(self, real_delay(tick_s(st.link)), proto::flush_atom::value);
      },
      [=](proto::stop_atom) {
        auto& st = self->state;
        st.stopping = true;
        st.stop_by = real_clock().now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kDrainSeconds));
        send_owed(self);
        maybe_quit(self);
      },
  };
}

}  // namespace

proto::ledger_actor spawn_tenant_drawn_ledger(caf::actor_system& sys, Money budget, TenantLink link) {
  return sys.spawn(drawn, budget, std::move(link));
}

}  // namespace concord::actors
