#pragma once
// Nominal budget and deadline of a workflow, as the MCPP reference computes them
// (estimate_nominal_budget / estimate_nominal_deadline):
//   budget   = sum_v ceil(ln 0.05 / ln(1 - p_v)) * E[sample cost of v]
//   deadline = longest path of E[latency_v] / p_v
// with each subtask's reference model: the first model (in the workflow's order) that
// can run it. p, the mean latency and the mean output tokens come from the profile's
// parametric summary (the reference's template) when it has one, else from its samples;
// p is clamped to [1e-9, 1 - 1e-9] as in the reference. Beyond the reference: the budget
// is clamped to kMaxBudgetPico ($1M) and the deadline to limits::kMaxSeconds, so that a
// workflow of hopeless subtasks gets the largest accepted values, never an overflow.
#include "model/money.hpp"
#include "sim/flat_workflow.hpp"

namespace concord {

Money nominal_budget(const FlatWorkflow& wf);
double nominal_deadline_s(const FlatWorkflow& wf);
/// Index of the first model that can run subtask s.
int reference_model(const FlatWorkflow& wf, int s);

}  // namespace concord
