#pragma once
// Nominal budget and deadline of a workflow (as in the MCPP paper's grids):
//   budget   = sum_v ceil(ln 0.05 / ln(1 - p_v)) * E[sample cost of v]
//   deadline = longest path of E[latency_v] / p_v
// computed with each subtask's reference model: the first model (in the
// workflow's model order) that can run it. p_v is clamped to [0.01, 0.99].
#include "model/money.hpp"
#include "sim/flat_workflow.hpp"

namespace concord {

Money nominal_budget(const FlatWorkflow& wf);
double nominal_deadline_s(const FlatWorkflow& wf);
/// Index of the first model that can run subtask s.
int reference_model(const FlatWorkflow& wf, int s);

}  // namespace concord
