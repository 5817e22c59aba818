// The planner's outlook under contention (plan/mcpp_outlook.hpp): neutral, it changes nothing;
// a price above every action's worth makes the planner wait; a queue shows in the rollouts.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "plan/mcpp_planner.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"
#include "sim/workflow_progress.hpp"
#include "test_support.hpp"
#include "workloads/proofflow.hpp"

namespace concord {
namespace {

struct Case {
  FlatWorkflow flat;
  EpisodeConfig episode;
};

std::vector<Case> cases() {
  WorkloadOptions wo;
  wo.datasets_dir = testing::datasets_dir();
  const Workload w = build_proofflow(wo);
  std::vector<Case> out;
  for (int i = 0; i < 6; ++i) {
    Case c{FlatWorkflow::compile(w.workflows[static_cast<std::size_t>(i)]), {}};
    c.episode.semantics = Semantics::runtime;
    c.episode.budget = nominal_budget(c.flat) / 4;
    c.episode.deadline_s = nominal_deadline_s(c.flat) * 0.6;
    c.episode.seed = 11 + static_cast<std::uint64_t>(i);
    out.push_back(std::move(c));
  }
  return out;
}

McppConfig small() {
  McppConfig c;
  c.rollouts = 16;
  c.max_candidates = 64;
  c.threads = 1;
  return c;
}

TEST(McppOutlook, NeutralOutlookGivesExactlyTheSameEpisodes) {
  for (const Case& c : cases()) {
    McppPlanner plain(c.flat, small()), neutral(c.flat, small());
    McppOutlook o;
    o.queue_ahead.assign(static_cast<std::size_t>(c.flat.num_models()), -1000.0);  // free slots to spare
    o.wait_per_position_s.assign(static_cast<std::size_t>(c.flat.num_models()), 3.0);
    o.slot_price.assign(static_cast<std::size_t>(c.flat.num_models()), 0.0);
    neutral.set_outlook(o);
    Simulator a(c.flat), b(c.flat);
    const EpisodeResult ra = a.run(plain, c.episode), rb = b.run(neutral, c.episode);
    ASSERT_EQ(ra.attempts.size(), rb.attempts.size());
    for (std::size_t i = 0; i < ra.attempts.size(); ++i) {
      EXPECT_EQ(ra.attempts[i].model, rb.attempts[i].model);
      EXPECT_EQ(ra.attempts[i].k, rb.attempts[i].k);
    }
    EXPECT_EQ(ra.spend, rb.spend);
  }
}

TEST(McppOutlook, APriceAboveEveryActionsWorthMakesThePlannerWait) {
  const Case c = cases().front();
  McppPlanner p(c.flat, small());
  McppOutlook o;
  o.money_price = 1e9;  // value per dollar: any spend outweighs a completion probability <= 1
  p.set_outlook(o);
  Simulator sim(c.flat);
  const EpisodeResult r = sim.run(p, c.episode);
  EXPECT_TRUE(r.attempts.empty());
  EXPECT_TRUE(p.last_decision().priced_wait);
  p.clear_outlook();
  EXPECT_FALSE(sim.run(p, c.episode).attempts.empty());
}

TEST(McppOutlook, DelayCountsSamplesBeyondTheFreeSlots) {
  McppOutlook o;
  o.queue_ahead = {-2.0};  // two free slots, nobody waiting
  o.wait_per_position_s = {1.5};
  EXPECT_EQ(o.delay_s(0, 0), 0.0);
  EXPECT_EQ(o.delay_s(0, 1), 0.0);
  EXPECT_EQ(o.delay_s(0, 2), 1.5);
  EXPECT_EQ(o.delay_s(0, 3), 3.0);
  EXPECT_EQ(o.delay_s(1, 5), 0.0);  // no figure for the model: no delay
}

/// best_q of the first decision of an episode of c under outlook o (none: nullptr).
double first_estimate(const Case& c, const McppOutlook* o) {
  McppPlanner p(c.flat, small());
  if (o) p.set_outlook(*o);
  WorkflowProgress progress(c.flat);
  std::vector<int> ready;
  progress.dispatchable(ready);
  SimState st;
  st.workflow = &c.flat;
  st.semantics = Semantics::runtime;
  st.deadline_s = c.episode.deadline_s;
  st.budget = c.episode.budget;
  st.status = progress.status();
  st.attempts = progress.attempts();
  st.dispatchable = ready;
  Rng rng(5);
  std::vector<Assignment> out;
  p.decide(st, rng, out);
  return p.last_decision().best_q;
}

TEST(McppOutlook, AQueueInTheRolloutsLowersTheEstimateNearTheDeadline) {
  const Case c = cases().front();
  McppOutlook o;
  o.queue_ahead.assign(static_cast<std::size_t>(c.flat.num_models()), 0.0);
  o.wait_per_position_s.assign(static_cast<std::size_t>(c.flat.num_models()), c.episode.deadline_s / 4);
  const double free = first_estimate(c, nullptr), queued = first_estimate(c, &o);
  EXPECT_GT(free, 0.0);
  EXPECT_LT(queued, free);  // every sample waits at least a quarter of the deadline
}

TEST(McppOutlook, TheSelectorsWaitsBecomeOneWaitPerPosition) {
  // McppOutlook::of_waits: sample j of a batch on m waits (j + 1) x wait[m]; no live worker
  // (+inf), a negative or a NaN wait: no delay.
  const double inf = std::numeric_limits<double>::infinity();
  const McppOutlook o = McppOutlook::of_waits({0.0, 3.0, inf, -1.0, std::nan("")});
  EXPECT_TRUE(o.has_queue());
  EXPECT_FALSE(o.has_price());
  EXPECT_EQ(o.delay_s(1, 0), 3.0);
  EXPECT_EQ(o.delay_s(1, 2), 9.0);
  for (int m : {0, 2, 3, 4})
    for (int j = 0; j < 3; ++j) EXPECT_EQ(o.delay_s(m, j), 0.0) << m << " " << j;
  EXPECT_FALSE(McppOutlook::of_waits({0.0, 0.0}).has_queue());  // free slots everywhere: neutral
}

}  // namespace
}  // namespace concord
