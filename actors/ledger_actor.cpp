#include "ledger_actor.hpp"

#include <iostream>
#include <vector>

#include <caf/all.hpp>

#include "ledger/journaled_ledger.hpp"
#include "ledger/ledger.hpp"
#include "interfaces.hpp"

namespace concord::actors {

namespace {

/// An answer held until the group commit covering it: delivers it, or the error (non-null).
using Held = std::function<void(const caf::error*)>;

struct ledger_state {
  std::unique_ptr<ledger::Ledger> book;              // in memory, or:
  std::shared_ptr<ledger::JournaledLedger> journal;  // journaled (then `book` is null)
  std::function<void()> on_settled;
  std::uint64_t synced = 0;  // journal records known durable
  std::vector<Held> held;    // answers waiting for the next sync, in arrival order
  bool flush_sent = false;   // a flush_atom is in the mailbox
  static inline const char* name = "concord.ledger";
  ledger_state() = default;
  ledger_state(const ledger_state&) = delete;
  ledger_state& operator=(const ledger_state&) = delete;
  /// The actor ended (CAF destroys its state on exit): what was written is made durable, best
  /// effort, and the journal closed. Answers still held are dropped: their requesters retry,
  /// idempotently, against the replayed journal after a restart.
  ~ledger_state() {
    if (!journal) return;
    try {
      journal->sync();
    } catch (const std::exception&) {  // poisoned or failing: the restart rule copes with either
    }
  }
};

using ledger_self = proto::ledger_actor::stateful_pointer<ledger_state>;

proto::ledger_reply reply_of(const ledger::Answer& a) { return proto::ledger_reply::of(a.code, a.deny_reason(), a.repeated); }
proto::ledger_reply reply_of(const ledger::BatchAnswer& a) { return proto::ledger_reply::of(a.code, a.deny_reason, a.repeated); }
proto::ledger_status status_of(const ledger::Ledger& b) { return {b.budget(), b.committed(), b.reserved(), b.open_count()}; }

caf::error journal_error(const std::exception& e) {
  std::cerr << "concord ledger: journal error: " << e.what() << " (state changes of this ledger fail from now on)\n";
  return caf::make_error(caf::sec::runtime_error, e.what());
}

/// The group commit: one fdatasync, then every held answer (or, if it failed, their error).
void flush(ledger_self self) {
  auto& st = self->state;
  if (!st.journal) return;
  if (st.journal->records() != st.synced) {
    try {
      st.journal->sync();
      st.synced = st.journal->records();
    } catch (const std::exception& e) {
      const caf::error err = journal_error(e);
      for (auto& h : std::exchange(st.held, {})) h(&err);
      return;
    }
  }
  for (auto& h : std::exchange(st.held, {})) h(nullptr);
}

/// Answers now when nothing waits for the disk; else holds the answer for the group commit.
template <class T>
caf::result<T> answer(ledger_self self, T value) {
  auto& st = self->state;
  if (!st.journal || (st.journal->records() == st.synced && st.held.empty())) return value;
  auto rp = self->make_response_promise<T>();
  st.held.push_back([rp, value](const caf::error* err) mutable {
    if (err) rp.deliver(*err);
    else rp.deliver(value);
  });
  if (st.journal->records() - st.synced >= kMaxGroupRecords) {
    flush(self);
  } else if (!st.flush_sent) {
    st.flush_sent = true;
    self->send(self, proto::flush_atom::value);
  }
  return rp;
}

/// Runs a state-changing operation on whichever ledger the actor has.
template <class Op>
caf::result<proto::ledger_reply> run(ledger_self self, Op op) {
  auto& st = self->state;
  if (!st.journal) return reply_of(op(*st.book));
  proto::ledger_reply r;
  try {
    r = reply_of(op(*st.journal));
  } catch (const std::exception& e) {  // JournalError: nothing applied that the journal lacks
    return journal_error(e);
  }
  return answer(self, r);
}

proto::ledger_actor::behavior_type ledger_behavior(ledger_self self) {
  return {
      [=](proto::reserve_atom, std::uint64_t id, std::int64_t amount) {
        return run(self, [&](auto& b) { return b.reserve(id, amount); });
      },
      [=](proto::reserve_atom, const std::vector<std::uint64_t>& ids, std::int64_t each) {
        return run(self, [&](auto& b) { return b.reserve_all(ids, each); });
      },
      [=](proto::commit_atom, std::uint64_t id, std::int64_t actual) {
        return run(self, [&](auto& b) { return b.commit(id, actual); });
      },
      [=](proto::release_atom, std::uint64_t id) { return run(self, [&](auto& b) { return b.release(id); }); },
      [=](proto::status_atom) -> caf::result<proto::ledger_status> {
        auto& st = self->state;
        return answer(self, status_of(st.journal ? st.journal->ledger() : *st.book));
      },
      [=](proto::flush_atom) {
        self->state.flush_sent = false;
        flush(self);
      },
      [=](proto::stop_atom) {
        auto& st = self->state;
        flush(self);
        if (st.journal && st.journal->ledger().reserved() == 0 && st.journal->records() == st.synced) {
          st.journal.reset();  // closes the file (and its lock) before it is renamed
          try {
            if (st.on_settled) st.on_settled();
          } catch (const std::exception& e) {
            std::cerr << "concord ledger: marking the journal settled failed: " << e.what() << " (it stays live)\n";
          }
        }
        self->quit();
      },
  };
}

proto::ledger_actor::behavior_type in_memory(ledger_self self, Money budget) {
  self->state.book = std::make_unique<ledger::Ledger>(budget);
  return ledger_behavior(self);
}

proto::ledger_actor::behavior_type journaled(ledger_self self, std::shared_ptr<ledger::JournaledLedger> book,
                                             std::function<void()> on_settled) {
  self->state.journal = std::move(book);
  self->state.synced = self->state.journal->records();
  self->state.on_settled = std::move(on_settled);
  return ledger_behavior(self);
}

}  // namespace

proto::ledger_actor spawn_ledger(caf::actor_system& sys, Money budget) { return sys.spawn(in_memory, budget); }

proto::ledger_actor spawn_journaled_ledger(caf::actor_system& sys, std::shared_ptr<ledger::JournaledLedger> book,
                                           std::function<void()> on_settled) {
  return sys.spawn(journaled, std::move(book), std::move(on_settled));
}

}  // namespace concord::actors
