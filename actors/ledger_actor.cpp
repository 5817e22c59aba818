#include "ledger_actor.hpp"

#include <vector>

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
      [=](proto::reserve_atom, const std::vector<std::uint64_t>& ids, std::int64_t each) {
        // All or none (a batch's samples launch together or not at all). The actor is the
        // ledger's only user, so checking the sum and then reserving each id is atomic.
        auto& book = *self->state.book;
        if (each < 0 || ids.empty()) return false;
        Money need = 0;
        for (std::uint64_t id : ids)
          if (!book.find(id)) need += each;  // ids seen before are answered by the ledger below
        if (need > book.available()) return false;
        std::vector<std::uint64_t> fresh;
        bool all = true;
        for (std::uint64_t id : ids) {
          const auto a = book.reserve(id, each);
          if (a.code == ledger::Code::granted && !a.repeated) fresh.push_back(id);
          all = all && a.code == ledger::Code::granted;
        }
        if (!all)
          for (std::uint64_t id : fresh) book.release(id);
        return all;
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
