#pragma once
// A Submit checked at the boundary, before anything starts: the workflow document parsed and
// validated like a `concord run` file, the policy built, budget and deadline resolved (the
// request's, else the document's, else the nominal ones, as `concord run` does). Either a run
// ready to start, or the refusal naming the field and the reason. Pure; never throws.
#include <memory>
#include <string>
#include <variant>

#include "model/workflow.hpp"
#include "service/service_messages.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/policy.hpp"

namespace concord::service {

struct Submission {
  std::shared_ptr<const Workflow> workflow;
  std::shared_ptr<const FlatWorkflow> flat;
  std::shared_ptr<Policy> policy;
  std::string tenant;                    // "default" when the request names none
  std::string name;                      // the request's source name, else the document's name
  std::uint64_t seed = 1;
  Money budget = 0;
  double deadline_s = 0;                 // simulated seconds
  std::string budget_origin, deadline_origin;  // "from the request", "from the file", "nominal"
};

std::variant<Submission, Refused> check_submission(const SubmitRequest& request);

}  // namespace concord::service
