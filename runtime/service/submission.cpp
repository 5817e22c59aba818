#include "service/submission.hpp"

#include <fmt/format.h>

#include "model/input_error.hpp"
#include "model/limits.hpp"
#include "model/workflow_json.hpp"
#include "plan/policy_registry.hpp"
#include "sim/nominal.hpp"

namespace concord::service {

std::variant<Submission, Refused> check_submission(const SubmitRequest& s) {
  auto refuse = [](std::string text) { return Refused{RefusalCode::invalid_workflow, std::move(text), 0, 0}; };
  Submission run;
  Workflow wf;
  try {
    const Money max_budget = money_from_dollars(limits::kMaxBudgetUsd);
    if (s.budget < 0 || s.budget > max_budget)
      throw InputError("Submit", "budgetPicodollars",
                       fmt::format("{} is outside 0..{} (0: the document's or nominal)", s.budget, max_budget));
    if (!(s.deadline_s >= 0) || s.deadline_s > limits::kMaxSeconds)
      throw InputError("Submit", "deadlineSeconds",
                       fmt::format("{} is outside 0..{} s (0: the document's or nominal)", s.deadline_s, limits::kMaxSeconds));
    wf = parse_workflow_json(s.workflow_json, "workflowJson");
    run.flat = std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(wf));
    run.seed = s.seed == 0 ? 1 : s.seed;
    run.policy = make_policy(s.policy.empty() ? "mcpp" : s.policy, *run.flat, run.seed);
  } catch (const InputError& e) {
    return refuse(e.what());  // the CLI's messages: one line per issue, naming source, field, reason
  } catch (const std::exception& e) {
    return refuse(std::string("workflowJson: ") + e.what());
  }
  if (s.budget > 0) run.budget = s.budget, run.budget_origin = "from the request";
  else if (wf.budget_usd) run.budget = money_from_dollars(*wf.budget_usd), run.budget_origin = "from the file";
  else run.budget = nominal_budget(*run.flat), run.budget_origin = "nominal";
  if (s.deadline_s > 0) run.deadline_s = s.deadline_s, run.deadline_origin = "from the request";
  else if (wf.deadline_s) run.deadline_s = *wf.deadline_s, run.deadline_origin = "from the file";
  else run.deadline_s = nominal_deadline_s(*run.flat), run.deadline_origin = "nominal";
  run.tenant = s.tenant.empty() ? "default" : s.tenant;
  run.name = !s.source_name.empty() ? s.source_name : wf.name;
  run.workflow = std::make_shared<const Workflow>(std::move(wf));
  return run;
}

}  // namespace concord::service
