#include "ledger_actor.hpp"

#include <vector>

#include <caf/all.hpp>

#include "ledger/ledger.hpp"
#include "interfaces.hpp"

namespace concord::actors {

namespace {

struct ledger_state {
  std::unique_ptr<ledger::Ledger> book;
  static inline const char* name = "concord.ledger";
};

proto::ledger_actor::behavior_type ledger_behavior(proto::ledger_actor::stateful_pointer<ledger_state> self, Money budget) {
  self->state.book = std::make_unique<ledger::Ledger>(budget);
  auto reply = [](const ledger::Answer& a) { return proto::ledger_reply::of(a.code, a.deny_reason(), a.repeated); };
  return {
      [=](proto::reserve_atom, std::uint64_t id, std::int64_t amount) { return reply(self->state.book->reserve(id, amount)); },
      [=](proto::reserve_atom, const std::vector<std::uint64_t>& ids, std::int64_t each) {
        const ledger::BatchAnswer a = self->state.book->reserve_all(ids, each);
        return proto::ledger_reply::of(a.code, a.deny_reason, a.repeated);
      },
      [=](proto::commit_atom, std::uint64_t id, std::int64_t actual) { return reply(self->state.book->commit(id, actual)); },
      [=](proto::release_atom, std::uint64_t id) { return reply(self->state.book->release(id)); },
      [=](proto::status_atom) {
        const auto& book = *self->state.book;
        return proto::ledger_status{book.budget(), book.committed(), book.reserved(), book.open_count()};
      },
      [=](proto::stop_atom) { self->quit(); },
  };
}

}  // namespace

proto::ledger_actor spawn_ledger(caf::actor_system& sys, Money budget) { return sys.spawn(ledger_behavior, budget); }

}  // namespace concord::actors
