// Worker slots on the embedded cluster and in planning (issue 13): ClusterOptions::worker_slots
// delays a wide run and keeps every invariant the chaos harness checks; with slots the workflow
// asks the selector how long each model's samples would wait and the planner plans with it (and
// forgets it when told none); without slots nothing is asked.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actor_test_support.hpp"
#include "chaos/invariants.hpp"
#include "embedded_cluster.hpp"
#include "model/validate.hpp"
#include "plan/mcpp_planner.hpp"
#include "plan/simple_policies.hpp"
#include "messages.hpp"
#include "planner_actor.hpp"
#include "run_facts.hpp"
#include "sim/execution_rules.hpp"
#include "virtual_time.hpp"
#include "workflow_actor.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

TEST(EmbeddedClusterSlots, OneSlotPerWorkerDelaysAWideRunAndKeepsEveryInvariant) {
  // ClusterOptions::worker_slots on the virtual clock: 12 independent subtasks at k = 4 (48
  // samples at once) on 1 node x 2 workers. Unlimited: every batch runs at once and ends by 2 s
  // (its fastest sample: 1 or 2 s). One slot each: 12 batches need at least one 1 s sample each
  // on 2 slots, so the run ends at 6 s at the earliest. Either way every invariant of the chaos
  // harness holds (the ledger committed the reported spend and what the batches settled, nothing
  // stays reserved, each subtask completed once).
  Workflow wf;
  ModelSpec m;
  m.id = "m";
  m.usd_per_mtok_out = 1;
  wf.models = {m};
  for (int i = 0; i < 12; ++i) {
    Subtask t;
    t.id = "t" + std::to_string(i);
    t.profiles["m"].samples = {{1.0, true, 10}, {2.0, true, 20}};
    wf.subtasks.push_back(t);
  }
  validate_workflow(wf, "test");
  const auto flat = std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(wf));
  EpisodeConfig cfg;
  cfg.budget = money_from_dollars(1);
  cfg.deadline_s = 1000;
  cfg.seed = 5;
  auto run_with = [&](int slots) {
    ClusterOptions co;
    co.virtual_time = true;
    co.nodes = 1;
    co.workers_per_model = 2;
    co.worker_slots = slots;
    EmbeddedCluster cluster(flat, co);
    return cluster.run(std::make_shared<FixedPolicy>(0, 4, "m"), cfg);
  };
  const ClusterRun unlimited = run_with(0), one = run_with(1);
  for (const ClusterRun* r : {&unlimited, &one}) {
    ASSERT_TRUE(r->result.completed) << r->detail;
    EXPECT_EQ(chaos::check_invariants(run_facts(*r, cfg, 12)), std::vector<std::string>{});
    EXPECT_EQ(r->result.spend, r->ledger.at(1));  // committed = reported spend
    EXPECT_EQ(r->ledger.at(2), 0);                // nothing reserved
  }
  EXPECT_LE(unlimited.result.makespan_s, 2.0);
  EXPECT_GE(one.result.makespan_s, 6.0);
  EXPECT_GT(one.result.makespan_s, unlimited.result.makespan_s);
}

/// The first plan_request of a workflow of models a and b whose planner, selector and ledger the
/// test plays; with ask_waits, the selector answers wait_atom with `waits` (by model) first.
/// One subtask; model a: 1 s at $1/Mtok, model b: 2 s at $10/Mtok, every sample a success.
std::shared_ptr<const FlatWorkflow> two_model_workflow() {
  Workflow wf;
  for (const auto& [id, usd] : {std::pair{"a", 1.0}, std::pair{"b", 10.0}}) {
    ModelSpec m;
    m.id = id;
    m.usd_per_mtok_out = usd;
    wf.models.push_back(m);
  }
  Subtask t;
  t.id = "t";
  t.profiles["a"].samples = {{1.0, true, 10}};
  t.profiles["b"].samples = {{2.0, true, 10}};
  wf.subtasks = {t};
  validate_workflow(wf, "test");
  return std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(wf));
}

proto::plan_request first_plan_request(bool ask_waits, const std::map<std::string, double>& waits, std::vector<std::string>& asked) {
  caf::actor_system sys{testing::coordinator_config()};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  caf::scoped_actor self{sys};
  WorkflowOptions wo;
  wo.workflow = two_model_workflow();
  wo.budget = money_from_dollars(1);
  wo.deadline_s = 1000;
  wo.ledger = caf::actor_cast<proto::ledger_actor>(self);
  wo.selector = caf::actor_cast<proto::selector_actor>(self);
  wo.planner = caf::actor_cast<proto::planner_actor>(self);
  wo.ask_waits = ask_waits;
  auto w = spawn_workflow(sys, wo);
  self->send(w, proto::start_atom::value);
  proto::plan_request out;
  for (bool done = false; !done;) {
    sched.run();
    bool got = false;
    self->receive([&](proto::wait_atom, const std::string& model) { got = true, asked.push_back(model); return waits.at(model); },
                  [&](const proto::plan_request& r) { got = done = true, out = r; }, caf::after(0s) >> [] {});
    if (!got) {
      ADD_FAILURE() << "the workflow asked nothing more";
      break;
    }
  }
  caf::anon_send_exit(w, caf::exit_reason::kill);
  sched.run();
  return out;
}

TEST(WorkflowSlotWaits, WithSlotsThePlannerIsToldEachModelsWaitBeforeItDecides) {
  std::vector<std::string> asked;
  const auto inf = std::numeric_limits<double>::infinity();
  const proto::plan_request r = first_plan_request(true, {{"a", 2.5}, {"b", inf}}, asked);
  EXPECT_EQ(asked, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.expected_wait_s, (std::vector<double>{2.5, inf}));  // per model, in the workflow's model order
  EXPECT_EQ(r.dispatchable, (std::vector<int>{0}));
}

TEST(WorkflowSlotWaits, WithoutSlotsNothingIsAskedAndThePlannerGetsNoWait) {
  std::vector<std::string> asked;
  const proto::plan_request r = first_plan_request(false, {}, asked);
  EXPECT_TRUE(asked.empty());
  EXPECT_TRUE(r.expected_wait_s.empty());
}

TEST(WorkflowSlotWaits, AnMcppPlannerToldTheWaitsPlansWithThemAndForgetsThemWhenToldNone) {
  // The planner actor gives plan_request::expected_wait_s to MCPP (McppOutlook::of_waits). Model a
  // (1 s, cheap) is MCPP's choice; told that a's sample would wait 2000 s for a slot (deadline
  // 1000 s) it takes b; the next request without waits is planned without an outlook again.
  caf::actor_system sys{testing::coordinator_config()};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  caf::scoped_actor self{sys};
  std::vector<std::string> asked;
  const proto::plan_request plain = first_plan_request(false, {}, asked);
  const auto wf = two_model_workflow();
  McppConfig c;
  c.k_levels = {1};
  c.rollouts = 6;
  c.threads = 1;
  auto planner = spawn_planner(sys, wf, std::make_shared<McppPlanner>(*wf, c), 1, real_clock(), false);
  auto decide_run = [&](std::vector<double> waits) {  // send, run the planner, take its answer
    proto::plan_request r = plain;
    r.expected_wait_s = std::move(waits);
    self->send(planner, r);
    sched.run();
    std::vector<Assignment> action;
    self->receive([&](proto::plan_reply& rep) { action = rep.action; }, caf::after(0s) >> [] { ADD_FAILURE() << "no answer"; });
    return action;
  };
  const auto first = decide_run({});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].model, 0);  // a
  const auto waited = decide_run({2000.0, 0.0});
  ASSERT_EQ(waited.size(), 1u);
  EXPECT_EQ(waited[0].model, 1);  // b: a's sample would start after the deadline
  const auto again = decide_run({});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].model, 0);
  caf::anon_send_exit(planner, caf::exit_reason::kill);
  sched.run();
}

}  // namespace
}  // namespace concord::actors
