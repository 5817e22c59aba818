#include "planner_actor.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "chaos/fault_points.hpp"
#include "plan/mcpp_planner.hpp"

namespace concord::actors {

proto::planner_actor spawn_planner(caf::actor_system& sys, std::shared_ptr<const FlatWorkflow> wf, std::shared_ptr<Policy> policy,
                         std::uint64_t seed, const Clock& clock, bool detached) {
  const Clock* clk = &clock;  // outlives the actor (REQUIRES in the header)
  auto planner = [wf, policy, seed, clk](proto::planner_actor::pointer self) -> proto::planner_actor::behavior_type {
    auto rng = std::make_shared<Rng>(seed);
    auto outlook_set = std::make_shared<bool>(false);  // an outlook from an earlier request is in force
    policy->reset();
    return {
        [=](const plan_request& r) -> caf::result<plan_reply> {
          if (chaos::buggify(chaos::FaultPoint::planner_crash)) {  // fault injection: dies mid-decision, never answers
            auto never = self->make_response_promise<plan_reply>();
            self->quit(caf::exit_reason::unhandled_exception);
            return never;
          }
          const auto t0 = clk->now();
          SimState st;
          st.workflow = wf.get();
          st.semantics = r.semantics;
          st.now_s = r.now_s;
          st.deadline_s = r.deadline_s;
          st.budget = r.budget;
          st.spent = r.spent;
          st.reserved = r.reserved;
          st.status = r.status;
          st.attempts = r.attempts;
          st.dispatchable = r.dispatchable;
          st.in_flight = r.in_flight;
          st.partial_success = r.partial_success;
          plan_reply reply;
          try {
            // Worker slots: MCPP plans with the selectors' expected waits (McppOutlook::of_waits).
            // Without them nothing is set, and a decision is exactly the one without slots.
            // Negotiation: the posted prices and the selector's queue view (the contention simulator's rule).
            if (auto* mcpp = dynamic_cast<McppPlanner*>(policy.get())) {
              if (!r.expected_wait_s.empty() || !r.slot_price.empty() || !r.queue_ahead.empty()) {
                McppOutlook o;
                if (!r.queue_ahead.empty()) o.queue_ahead = r.queue_ahead, o.wait_per_position_s = r.wait_per_position_s;
                else if (!r.expected_wait_s.empty()) o = McppOutlook::of_waits(r.expected_wait_s);
                o.money_price = r.money_price;
                o.slot_price = r.slot_price;
                mcpp->set_outlook(o), *outlook_set = true;
              } else if (*outlook_set) {
                mcpp->clear_outlook(), *outlook_set = false;
              }
            }
            policy->decide(st, *rng, reply.action);
          } catch (const std::exception& e) {
            // No exception escapes an actor: the workflow gets the text and ends the run with it.
            reply.action.clear();
            reply.error = e.what();
            if (reply.error.empty()) reply.error = "the policy threw an exception without a message";
          }
          reply.seconds = clk->seconds_since(t0);
          if (const auto* mcpp = dynamic_cast<const McppPlanner*>(policy.get()); mcpp && reply.error.empty())
            reply.promise = mcpp->last_decision().promise;
          return reply;
        },
        [=](proto::stop_atom) { self->quit(); },
    };
  };
  return detached ? sys.spawn<caf::detached>(planner) : sys.spawn(planner);
}

}  // namespace concord::actors
