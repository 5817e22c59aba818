// Property test of the ledger: thousands of random operations over a small, sliding id
// window (so that ids collide: duplicated, reordered and conflicting messages),
// checked after every step against the invariant and against an independent,
// deliberately naive model of the state table in docs/ledger.md.
#include <gtest/gtest.h>

#include <map>

#include "ledger/ledger.hpp"
#include "sim/rng.hpp"

namespace concord::ledger {
namespace {

/// The spec, written out case by case with recomputed sums (no incremental totals).
class Model {
 public:
  explicit Model(Money budget) : budget_(budget) {}

  Money committed() const {
    Money s = 0;
    for (const auto& [id, r] : recs_) s += r.state == ReservationState::committed ? r.charged : 0;
    return s;
  }
  Money reserved() const {
    Money s = 0;
    for (const auto& [id, r] : recs_) s += r.state == ReservationState::reserved ? r.amount : 0;
    return s;
  }
  Money budget() const { return budget_; }
  const std::map<ReservationId, Reservation>& recs() const { return recs_; }

  std::pair<Code, bool> reserve(ReservationId id, Money a) {
    if (a < 0) return {Code::invalid_amount, false};
    if (auto it = recs_.find(id); it != recs_.end()) {
      if (it->second.amount != a) return {Code::conflict, false};
      return {it->second.state == ReservationState::denied ? Code::denied : Code::granted, true};
    }
    if (committed() + reserved() + a > budget_) {
      recs_[id] = {id, ReservationState::denied, a, 0, DenyReason::over_budget};
      return {Code::denied, false};
    }
    recs_[id] = {id, ReservationState::reserved, a, 0, DenyReason::none};
    return {Code::granted, false};
  }

  std::pair<Code, bool> commit(ReservationId id, Money c) {
    if (c < 0) return {Code::invalid_amount, false};
    auto it = recs_.find(id);
    if (it == recs_.end()) return {Code::unknown_id, false};
    Reservation& r = it->second;
    switch (r.state) {
      case ReservationState::reserved:
        if (c > r.amount) return {Code::exceeds_reservation, false};
        r.state = ReservationState::committed;
        r.charged = c;
        return {Code::committed, false};
      case ReservationState::committed:
        return c == r.charged ? std::pair{Code::committed, true} : std::pair{Code::conflict, false};
      case ReservationState::released: return {Code::already_released, false};
      case ReservationState::denied: return {Code::not_granted, false};
    }
    return {Code::unknown_id, false};
  }

  std::pair<Code, bool> release(ReservationId id) {
    auto it = recs_.find(id);
    if (it == recs_.end()) return {Code::unknown_id, false};
    Reservation& r = it->second;
    switch (r.state) {
      case ReservationState::reserved: r.state = ReservationState::released; return {Code::released, false};
      case ReservationState::released: return {Code::released, true};
      case ReservationState::committed: return {Code::already_committed, false};
      case ReservationState::denied: return {Code::not_granted, false};
    }
    return {Code::unknown_id, false};
  }

  std::pair<Code, bool> set_budget(Money b) {
    if (b < 0 || b > kMaxBudget) return {Code::invalid_amount, false};
    if (b < committed() + reserved()) return {Code::budget_too_low, false};
    const bool same = b == budget_;
    budget_ = b;
    return {Code::budget_set, same};
  }

 private:
  Money budget_;
  std::map<ReservationId, Reservation> recs_;
};

enum class Op { reserve, commit, release, set_budget };
struct Message {
  Op op;
  ReservationId id;
  Money amount;
};

/// Mostly well-formed traffic (each id has its own amount and actual cost, so
/// retries repeat them exactly), salted with conflicts, over-commits, negative
/// amounts and budget changes; 20 % of messages are duplicates of an earlier one.
class Traffic {
 public:
  explicit Traffic(std::uint64_t seed) : rng_(seed) {}
  Message next() {
    if (!sent_.empty() && rng_.bernoulli(0.2)) return sent_[rng_.below(sent_.size())];  // duplicated, late
    Message m{};
    ++n_;
    m.id = n_ / 8 + rng_.below(kIds);  // a sliding window: new ids keep arriving, old ones recur
    const Money own_amount = 10 + static_cast<Money>((m.id * 37) % 60);
    const Money own_actual = static_cast<Money>((m.id * 13) % 11) * own_amount / 10;
    const double u = rng_.uniform();
    if (u < 0.45) {
      m.op = Op::reserve;
      m.amount = rng_.bernoulli(0.9) ? own_amount : static_cast<Money>(rng_.below(120)) - 5;
    } else if (u < 0.75) {
      m.op = Op::commit;
      m.amount = rng_.bernoulli(0.85) ? own_actual : static_cast<Money>(rng_.below(90)) - 5;
    } else if (u < 0.97) {
      m.op = Op::release;
    } else {  // the budget drifts up with the traffic, sometimes below the commitments
      m.op = Op::set_budget;
      m.amount = 200 + 2 * static_cast<Money>(n_) + static_cast<Money>(rng_.below(300)) - 150;
      if (rng_.bernoulli(0.05)) m.amount = -1;
    }
    sent_.push_back(m);
    return m;
  }

 private:
  static constexpr std::uint64_t kIds = 40;
  Rng rng_;
  std::uint64_t n_ = 0;
  std::vector<Message> sent_;
};

Answer send(Ledger& l, const Message& m) {
  switch (m.op) {
    case Op::reserve: return l.reserve(m.id, m.amount);
    case Op::commit: return l.commit(m.id, m.amount);
    case Op::release: return l.release(m.id);
    case Op::set_budget: return l.set_budget(m.amount);
  }
  return {};
}

std::pair<Code, bool> send(Model& model, const Message& m) {
  switch (m.op) {
    case Op::reserve: return model.reserve(m.id, m.amount);
    case Op::commit: return model.commit(m.id, m.amount);
    case Op::release: return model.release(m.id);
    case Op::set_budget: return model.set_budget(m.amount);
  }
  return {};
}

class LedgerProperty : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(LedgerProperty, RandomDuplicatedAndReorderedTrafficKeepsTheInvariantAndMatchesTheModel) {
  constexpr Money kBudget = 300;  // small against ~60 ids x ~40: denials are frequent
  Ledger ledger(kBudget);
  Model model(kBudget);
  Traffic traffic(GetParam());
  std::map<Code, int> seen;
  for (int step = 0; step < 5000; ++step) {
    const Message m = traffic.next();
    const Answer got = send(ledger, m);
    const auto [code, repeated] = send(model, m);
    ASSERT_EQ(got.code, code) << "step " << step << " op " << static_cast<int>(m.op) << " id " << m.id << " amount "
                              << m.amount << ": got " << to_string(got.code) << ", model " << to_string(code);
    ASSERT_EQ(got.repeated, repeated) << "step " << step;
    ASSERT_LE(ledger.committed() + ledger.reserved(), ledger.budget()) << "step " << step;
    ASSERT_GE(ledger.committed(), 0);
    ASSERT_GE(ledger.reserved(), 0);
    ASSERT_EQ(ledger.committed(), model.committed()) << "step " << step;
    ASSERT_EQ(ledger.reserved(), model.reserved()) << "step " << step;
    ASSERT_EQ(ledger.budget(), model.budget()) << "step " << step;
    ASSERT_TRUE(ledger.audit()) << "step " << step;
    if (got.known) {
      ASSERT_EQ(got.reservation, ledger.find(m.id).value_or(got.reservation)) << "answer shows the recorded state";
    }
    ++seen[got.code];
  }
  std::vector<Reservation> expected;
  for (const auto& [id, r] : model.recs()) expected.push_back(r);
  EXPECT_EQ(ledger.snapshot(), expected);
  // The traffic really exercised every answer (else the property says little).
  for (Code c : {Code::granted, Code::denied, Code::committed, Code::released, Code::budget_set, Code::conflict,
                 Code::unknown_id, Code::exceeds_reservation, Code::invalid_amount, Code::already_committed,
                 Code::already_released, Code::not_granted}) {
    EXPECT_GT(seen[c], 0) << "never produced " << to_string(c);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, LedgerProperty, ::testing::Values(1u, 2u, 3u, 42u, 20240601u));

}  // namespace
}  // namespace concord::ledger
