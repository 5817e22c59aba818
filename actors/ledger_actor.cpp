#include "ledger_actor.hpp"

#include <caf/all.hpp>

#include "ledger/ledger.hpp"
#include "messages.hpp"

namespace concord::actors {

namespace {

struct ledger_state {
  std::unique_ptr<ledger::Ledger> book;
  static inline const char* name = "concord.ledger";
};

using ledger_actor = caf::stateful_actor<ledger_state>;

caf::behavior ledger_behavior(ledger_actor* self, Money budget) {
  self->state.book = std::make_unique<ledger::Ledger>(budget);
  return {
      [=](proto::reserve_atom, std::uint64_t id, std::int64_t amount) {
        return self->state.book->reserve(id, amount).code == ledger::Code::granted;
      },
      [=](proto::commit_atom, std::uint64_t id, std::int64_t actual) {
        auto& book = *self->state.book;
        const auto a = book.commit(id, actual);
        if (a.ok()) return true;
        // A batch that ran nothing commits 0; a denied or unknown id has nothing to commit.
        return a.code == ledger::Code::not_granted || a.code == ledger::Code::unknown_id ? actual == 0 : false;
      },
      [=](proto::release_atom, std::uint64_t id) { return self->state.book->release(id).ok(); },
      [=](proto::status_atom) {
        const auto& book = *self->state.book;
        return std::vector<std::int64_t>{book.budget(), book.committed(), book.reserved()};
      },
      [=](proto::stop_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_ledger(caf::actor_system& sys, Money budget) { return sys.spawn(ledger_behavior, budget); }

}  // namespace concord::actors
