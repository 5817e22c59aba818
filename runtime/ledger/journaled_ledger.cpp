#include "ledger/journaled_ledger.hpp"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace concord::ledger {

JournaledLedger::JournaledLedger(Ledger ledger, JournalWriter writer, std::optional<TornTail> torn)
    : ledger_(std::move(ledger)), writer_(std::move(writer)), torn_(torn) {}

JournaledLedger JournaledLedger::create(const std::string& path, Money budget, FsyncPolicy policy) {
  Ledger ledger(budget);  // validates the budget before the file exists
  return JournaledLedger(std::move(ledger), JournalWriter::create(path, budget, policy), std::nullopt);
}

JournaledLedger JournaledLedger::open(const std::string& path, FsyncPolicy policy) {
  ReplayResult state = replay(path);
  JournalWriter writer = JournalWriter::reopen(path, state, policy);
  return JournaledLedger(std::move(state.ledger), std::move(writer), state.torn);
}

Answer JournaledLedger::run(Decision d) {
  if (d.event) {
    writer_.append(*d.event);  // throws before anything changed in memory
    if (auto err = ledger_.apply(*d.event)) {
      std::fprintf(stderr, "concord ledger: journaled event does not apply: %s\n", err->c_str());
      std::abort();  // a bug: decide_* emitted an event its own state rejects
    }
  }
  return d.answer;
}

Answer JournaledLedger::reserve(ReservationId id, Money amount) { return run(ledger_.decide_reserve(id, amount)); }
Answer JournaledLedger::commit(ReservationId id, Money actual) { return run(ledger_.decide_commit(id, actual)); }
Answer JournaledLedger::release(ReservationId id) { return run(ledger_.decide_release(id)); }
Answer JournaledLedger::set_budget(Money budget) { return run(ledger_.decide_set_budget(budget)); }
BatchAnswer JournaledLedger::reserve_all(std::span<const ReservationId> ids, Money each) {
  return reserve_all_of(*this, ledger_, ids, each);
}

}  // namespace concord::ledger
