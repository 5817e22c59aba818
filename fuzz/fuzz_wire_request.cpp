// Fuzz target (d): the service edge's input path, as a node's gateway runs it on every frame a
// client sends: bytes -> Cap'n Proto decode (protocols/edge/wire_codec.hpp, with the node's
// limits) -> for a Submit, the boundary check (service/submission.hpp: the workflow document's
// parse and validation, the policy, budget and deadline) -> a refusal or a run ready to start.
// Promises checked: decoding never throws; a refusal names a problem (non-empty text); a decoded
// request re-encodes to bytes that decode to the same request; an accepted submission has a
// budget in 0..$1M and a finite deadline in 0..limits::kMaxSeconds. Anything else is a finding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edge/wire_codec.hpp"
#include "fuzz_common.hpp"
#include "model/limits.hpp"
#include "service/submission.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace concord;
  using namespace concord::service;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = edge::decode_request(bytes);
  if (auto* r = std::get_if<Refused>(&decoded)) {
    FUZZ_CHECK(!r->text.empty(), "a refusal without a reason");
    return 0;
  }
  const Request& request = std::get<Request>(decoded);
  auto again = edge::decode_request(edge::encode(request));
  FUZZ_CHECK(std::holds_alternative<Request>(again), "a decoded request does not survive re-encoding");
  FUZZ_CHECK(std::get<Request>(again).index() == request.index(), "re-encoding changed the request's kind");
  const auto* submit = std::get_if<SubmitRequest>(&request);
  if (!submit) return 0;
  const auto* back = std::get_if<SubmitRequest>(&std::get<Request>(again));
  FUZZ_CHECK(back && back->workflow_json == submit->workflow_json && back->budget == submit->budget &&
                 back->idempotency_key == submit->idempotency_key,
             "re-encoding changed the Submit");
  auto checked = check_submission(*submit);
  if (auto* r = std::get_if<Refused>(&checked)) {
    FUZZ_CHECK(r->code == RefusalCode::invalid_workflow && !r->text.empty(), "a submission refused without a reason");
    return 0;
  }
  const Submission& s = std::get<Submission>(checked);
  FUZZ_CHECK(s.budget >= 0 && s.budget <= money_from_dollars(limits::kMaxBudgetUsd), "budget %lld out of range",
             static_cast<long long>(s.budget));
  FUZZ_CHECK(std::isfinite(s.deadline_s) && s.deadline_s >= 0 && s.deadline_s <= limits::kMaxSeconds, "deadline out of range");
  FUZZ_CHECK(s.flat && s.flat->num_subtasks() == static_cast<int>(s.workflow->subtasks.size()), "compile lost subtasks");
  FUZZ_CHECK(s.policy != nullptr, "no policy");
  return 0;
}
