#include "gateway_run.hpp"

#include <chrono>
#include <stdexcept>

#include <fmt/format.h>

#include "edge/client.hpp"
#include "event_report.hpp"
#include "model/input_error.hpp"
#include "model/money.hpp"
#include "model/workflow_json.hpp"

namespace concord::embed {

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kPollS = 0.05;  // how often a quiet watch looks at the cancel flag (real seconds)

service::WorkflowId submit(edge::Client& client, const Workflow& wf, const RunRequest& request, const GatewayTarget& t) {
  service::SubmitRequest s;
  s.workflow_json = write_workflow_json(wf);
  s.tenant = t.tenant;
  s.idempotency_key = request.idempotency_key;
  s.source_name = wf.name;
  s.policy = t.policy;
  s.seed = request.seed;
  // The wire's 0 means "the document's, else nominal"; Runtime::run refuses a zero budget first.
  if (request.budget_usd) s.budget = money_from_dollars(*request.budget_usd);
  if (request.deadline_s) s.deadline_s = *request.deadline_s;
  const service::Response r = client.call(s);  // throws edge::ClientError (a runtime_error) on silence
  if (const auto* refused = std::get_if<service::Refused>(&r)) {
    if (refused->code == service::RefusalCode::invalid_workflow) throw InputError(t.endpoint, "", refused->text);
    throw std::runtime_error(fmt::format("{}: submission refused ({}): {}{}", t.endpoint, to_string(refused->code), refused->text,
                                         refused->retry_after_s > 0 ? fmt::format(" (retry after {} s)", refused->retry_after_s) : ""));
  }
  const auto* accepted = std::get_if<service::Accepted>(&r);
  if (!accepted) throw std::runtime_error(fmt::format("{}: unexpected answer to a submission (kind {})", t.endpoint, r.index()));
  return accepted->workflow;
}

RunReport stopped(EventReport& events, service::WorkflowId id, std::string reason, std::string why) {
  events.note(std::move(why));
  RunReport r = events.report();
  r.completed = false;
  r.reason = std::move(reason);
  r.workflow_id = id;
  return r;
}

}  // namespace

RunReport run_through_gateway(const Workflow& wf, const std::vector<std::string>& subtask_ids, const RunRequest& request,
                              const ProgressCallback& progress, const GatewayTarget& t) {
  edge::Client client(edge::ClientOptions{t.endpoint, t.timeout_s, t.server_public, t.client_secret});
  const service::WorkflowId id = submit(client, wf, request, t);

  EventReport events(subtask_ids);
  client.send(service::WatchRequest{id, 1});
  service::Seq next = 1;  // events below it were passed on already
  bool cancel_sent = false;
  auto last_heard = Clock::now();
  // Bounded: every pass either hears something or spends kPollS of the idle budget.
  for (;;) {
    if (request.cancel && !cancel_sent && request.cancel->load()) {
      client.send(service::CancelRequest{id});  // its answer (Accepted) is skipped below
      cancel_sent = true;
    }
    std::optional<service::Response> r;
    try {
      r = client.receive(kPollS);
    } catch (const std::exception& e) {
      return stopped(events, id, "no_answer", fmt::format("workflow {} on {}: {}", id, t.endpoint, e.what()));
    }
    if (!r) {
      if (std::chrono::duration<double>(Clock::now() - last_heard).count() > t.idle_timeout_s)
        return stopped(events, id, "no_answer",
                       fmt::format("no event from {} for {} s; workflow {} may still be running there", t.endpoint,
                                   t.idle_timeout_s, id));
      continue;
    }
    last_heard = Clock::now();
    if (const auto* refused = std::get_if<service::Refused>(&*r)) {
      if (refused->workflow != 0 && refused->workflow != id) continue;
      return stopped(events, id, "no_answer", fmt::format("{} refused to follow workflow {}: {}", t.endpoint, id, refused->text));
    }
    const auto* e = std::get_if<service::Event>(&*r);
    if (!e || e->workflow != id) continue;  // the cancel's answer, or another workflow's event
    if (e->seq > 0 && e->seq < next) continue;
    if (e->seq > 0) next = e->seq + 1;
    if (auto p = events.add(*e); p && progress) progress(*p);
    if (events.ended()) {
      RunReport report = events.report();
      report.workflow_id = id;
      return report;
    }
  }
}

}  // namespace concord::embed
