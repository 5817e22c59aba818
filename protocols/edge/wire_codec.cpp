#include "edge/wire_codec.hpp"

#include <cstring>
#include <type_traits>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include "concord.capnp.h"
#include "edge/capnp_bytes.hpp"

namespace concord::edge {

namespace w = concord::wire;
using namespace concord::service;

namespace {

using namespace detail;

w::Refused::Code to_wire(RefusalCode c) {
  switch (c) {
    case RefusalCode::bad_message: return w::Refused::Code::BAD_MESSAGE;
    case RefusalCode::bad_version: return w::Refused::Code::BAD_VERSION;
    case RefusalCode::invalid_workflow: return w::Refused::Code::INVALID_WORKFLOW;
    case RefusalCode::busy: return w::Refused::Code::BUSY;
    case RefusalCode::unknown_workflow: return w::Refused::Code::UNKNOWN_WORKFLOW;
    case RefusalCode::internal: return w::Refused::Code::INTERNAL;
  }
  return w::Refused::Code::INTERNAL;
}

std::optional<RefusalCode> from_wire(w::Refused::Code c) {
  switch (c) {
    case w::Refused::Code::BAD_MESSAGE: return RefusalCode::bad_message;
    case w::Refused::Code::BAD_VERSION: return RefusalCode::bad_version;
    case w::Refused::Code::INVALID_WORKFLOW: return RefusalCode::invalid_workflow;
    case w::Refused::Code::BUSY: return RefusalCode::busy;
    case w::Refused::Code::UNKNOWN_WORKFLOW: return RefusalCode::unknown_workflow;
    case w::Refused::Code::INTERNAL: return RefusalCode::internal;
  }
  return std::nullopt;
}

w::Ended::EndReason to_wire(EndReason r) {
  switch (r) {
    case EndReason::completed: return w::Ended::EndReason::COMPLETED;
    case EndReason::budget_exhausted: return w::Ended::EndReason::BUDGET_EXHAUSTED;
    case EndReason::deadline_exhausted: return w::Ended::EndReason::DEADLINE_EXHAUSTED;
    case EndReason::stalled: return w::Ended::EndReason::STALLED;
    case EndReason::no_worker_left: return w::Ended::EndReason::NO_WORKER_LEFT;
    case EndReason::attempts_exhausted: return w::Ended::EndReason::ATTEMPTS_EXHAUSTED;
    case EndReason::interrupted: return w::Ended::EndReason::INTERRUPTED;
    case EndReason::coordinator_restarted: return w::Ended::EndReason::COORDINATOR_RESTARTED;
  }
  return w::Ended::EndReason::STALLED;
}

std::optional<EndReason> from_wire(w::Ended::EndReason r) {
  switch (r) {
    case w::Ended::EndReason::COMPLETED: return EndReason::completed;
    case w::Ended::EndReason::BUDGET_EXHAUSTED: return EndReason::budget_exhausted;
    case w::Ended::EndReason::DEADLINE_EXHAUSTED: return EndReason::deadline_exhausted;
    case w::Ended::EndReason::STALLED: return EndReason::stalled;
    case w::Ended::EndReason::NO_WORKER_LEFT: return EndReason::no_worker_left;
    case w::Ended::EndReason::ATTEMPTS_EXHAUSTED: return EndReason::attempts_exhausted;
    case w::Ended::EndReason::INTERRUPTED: return EndReason::interrupted;
    case w::Ended::EndReason::COORDINATOR_RESTARTED: return EndReason::coordinator_restarted;
  }
  return std::nullopt;
}

void fill(w::Event::Builder b, const Event& e) {
  b.setWorkflowId(e.workflow);
  b.setSeq(e.seq);
  b.setTimeSeconds(e.time_s);
  b.setWallTimeNanos(e.wall_ns);
  std::visit(overloaded{
                 [&](const Started& s) {
                   auto x = b.initStarted();
                   x.setSubtasks(s.subtasks);
                   x.setBudgetPicodollars(s.budget);
                   x.setDeadlineSeconds(s.deadline_s);
                   x.setBudgetOrigin(text(s.budget_origin));
                   x.setDeadlineOrigin(text(s.deadline_origin));
                   x.setPolicy(text(s.policy));
                   x.setSeed(s.seed);
                 },
                 [&](const BatchLaunched& s) {
                   auto x = b.initBatchLaunched();
                   x.setSubtask(text(s.subtask));
                   x.setModel(text(s.model));
                   x.setK(s.k);
                   x.setAttempt(s.attempt);
                   x.setBatchId(s.batch_id);
                 },
                 [&](const SampleSettled& s) {
                   auto x = b.initSampleSettled();
                   x.setSubtask(text(s.subtask));
                   x.setBatchId(s.batch_id);
                   x.setCostPicodollars(s.cost);
                 },
                 [&](const SubtaskEnded& s) {
                   auto x = b.initSubtaskEnded();
                   x.setSubtask(text(s.subtask));
                   x.setModel(text(s.model));
                   x.setK(s.k);
                   x.setAttempt(s.attempt);
                   x.setSucceeded(s.succeeded);
                   x.setFinished(s.finished);
                   x.setCostPicodollars(s.cost);
                   x.setSubtasksDone(s.subtasks_done);
                   x.setSubtasksTotal(s.subtasks_total);
                   x.setOutput(text(s.output));
                 },
                 [&](const SpendUpdate& s) {
                   auto x = b.initSpend();
                   x.setCommittedPicodollars(s.committed);
                   x.setReservedPicodollars(s.reserved);
                   x.setBudgetPicodollars(s.budget);
                 },
                 [&](const Ended& s) {
                   auto x = b.initEnded();
                   x.setCompleted(s.completed);
                   x.setReason(to_wire(s.reason));
                   x.setSpendPicodollars(s.spend);
                   x.setMakespanSeconds(s.makespan_s);
                   x.setSubtasksDone(s.subtasks_done);
                   x.setReport(text(s.report));
                 },
                 [&](const Promised& s) {
                   auto x = b.initPromised();
                   x.setProbability(s.probability);
                   x.setRaw(s.raw);
                 },
                 [&](const Lost& s) {
                   auto x = b.initLost();
                   x.setFromSeq(s.from_seq);
                   x.setToSeq(s.to_seq);
                 },
             },
             e.body);
}


}  // namespace

std::string encode(const Request& request) {
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<w::Request>();
  r.setVersion(kWireVersion);
  std::visit(overloaded{
                 [&](const SubmitRequest& s) {
                   auto x = r.initSubmit();
                   x.setWorkflowJson(text(s.workflow_json));
                   x.setTenant(text(s.tenant));
                   x.setIdempotencyKey(text(s.idempotency_key));
                   x.setSourceName(text(s.source_name));
                   x.setPolicy(text(s.policy));
                   x.setSeed(s.seed);
                   x.setBudgetPicodollars(s.budget);
                   x.setDeadlineSeconds(s.deadline_s);
                   x.setWatch(s.watch);
                 },
                 [&](const WatchRequest& s) {
                   auto x = r.initWatch();
                   x.setWorkflowId(s.workflow);
                   x.setFromSeq(s.from_seq);
                 },
                 [&](const CancelRequest& s) { r.initCancel().setWorkflowId(s.workflow); },
                 [&](const StatusRequest&) { r.setStatus(); },
             },
             request);
  return to_bytes(mb);
}

std::string encode(const Response& response) {
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<w::Response>();
  r.setVersion(kWireVersion);
  std::visit(overloaded{
                 [&](const Accepted& s) {
                   auto x = r.initAccepted();
                   x.setWorkflowId(s.workflow);
                   x.setDuplicate(s.duplicate);
                 },
                 [&](const Refused& s) {
                   auto x = r.initRefused();
                   x.setCode(to_wire(s.code));
                   x.setText(text(s.text));
                   x.setRetryAfterSeconds(s.retry_after_s);
                   x.setWorkflowId(s.workflow);
                 },
                 [&](const Event& e) { fill(r.initEvent(), e); },
                 [&](const StatusReply& s) {
                   auto x = r.initStatus();
                   x.setNode(text(s.node));
                   auto nodes = x.initNodes(static_cast<unsigned>(s.nodes.size()));
                   for (unsigned i = 0; i < s.nodes.size(); ++i) nodes.set(i, text(s.nodes[i]));
                   auto workers = x.initWorkers(static_cast<unsigned>(s.workers.size()));
                   for (unsigned i = 0; i < s.workers.size(); ++i) {
                     workers[i].setModel(text(s.workers[i].model));
                     workers[i].setLive(s.workers[i].live);
                   }
                   auto wfs = x.initWorkflows(static_cast<unsigned>(s.workflows.size()));
                   for (unsigned i = 0; i < s.workflows.size(); ++i) {
                     const WorkflowStatus& f = s.workflows[i];
                     auto y = wfs[i];
                     y.setWorkflowId(f.workflow);
                     y.setTenant(text(f.tenant));
                     y.setName(text(f.name));
                     y.setState(f.state == WorkflowState::running ? w::Status::WorkflowStatus::State::RUNNING
                                                                  : w::Status::WorkflowStatus::State::ENDED);
                     y.setSpendPicodollars(f.spend);
                     y.setReservedPicodollars(f.reserved);
                     y.setBudgetPicodollars(f.budget);
                     y.setLastSeq(f.last_seq);
                   }
                   x.setMaxWorkflows(s.max_workflows);
                   auto ts = x.initTenants(static_cast<unsigned>(s.tenants.size()));
                   for (unsigned i = 0; i < s.tenants.size(); ++i) {
                     const TenantStatus& t = s.tenants[i];
                     auto y = ts[i];
                     y.setName(text(t.name));
                     y.setBudgetPicodollars(t.budget);
                     y.setCommittedPicodollars(t.committed);
                     y.setReservedPicodollars(t.reserved);
                     y.setCommittedTotalPicodollars(t.committed_total);
                     y.setUncoveredPicodollars(t.uncovered);
                     y.setLateCommits(t.late_commits);
                     y.setExpiredHoldings(t.expired_holdings);
                     y.setLiveLeases(t.live_leases);
                     y.setPeriodSeconds(t.period_s);
                     y.setLeaseSeconds(t.lease_s);
                   }
                 },
             },
             response);
  return to_bytes(mb);
}

std::variant<Request, Refused> decode_request(std::string_view bytes, const DecodeLimits& limits) {
  auto refuse = [](RefusalCode code, std::string why) { return Refused{code, std::move(why), 0, 0}; };
  try {
    Reader in(bytes, limits);
    const auto r = in.reader->getRoot<w::Request>();
    if (r.getVersion() != kWireVersion)
      return refuse(RefusalCode::bad_version,
                    fmt::format("version: {} is not spoken here; this node speaks version {}", r.getVersion(), kWireVersion));
    switch (r.which()) {
      case w::Request::SUBMIT: {
        const auto x = r.getSubmit();
        SubmitRequest s;
        s.workflow_json = str(x.getWorkflowJson());
        s.tenant = str(x.getTenant());
        s.idempotency_key = str(x.getIdempotencyKey());
        s.source_name = str(x.getSourceName());
        s.policy = str(x.getPolicy());
        s.seed = x.getSeed();
        s.budget = x.getBudgetPicodollars();
        s.deadline_s = x.getDeadlineSeconds();
        s.watch = x.getWatch();
        return Request{std::move(s)};
      }
      case w::Request::WATCH: {
        const auto x = r.getWatch();
        return Request{WatchRequest{x.getWorkflowId(), x.getFromSeq()}};
      }
      case w::Request::CANCEL: return Request{CancelRequest{r.getCancel().getWorkflowId()}};
      case w::Request::STATUS: return Request{StatusRequest{}};
    }
    return refuse(RefusalCode::bad_message,
                  fmt::format("Request: union member {} is unknown (submit, watch, cancel, status)", static_cast<unsigned>(r.which())));
  } catch (const BadBytes& e) {
    return refuse(RefusalCode::bad_message, "not a Request: " + e.why);
  } catch (const kj::Exception& e) {
    return refuse(RefusalCode::bad_message, "not a Request: " + std::string(e.getDescription().cStr()));
  }
}

std::variant<Response, std::string> decode_response(std::string_view bytes, const DecodeLimits& limits) {
  try {
    Reader in(bytes, limits);
    const auto r = in.reader->getRoot<w::Response>();
    if (r.getVersion() != kWireVersion)
      return fmt::format("the node speaks contract version {}, this client version {}", r.getVersion(), kWireVersion);
    switch (r.which()) {
      case w::Response::ACCEPTED: {
        const auto x = r.getAccepted();
        return Response{Accepted{x.getWorkflowId(), x.getDuplicate()}};
      }
      case w::Response::REFUSED: {
        const auto x = r.getRefused();
        const auto code = from_wire(x.getCode());
        return Response{Refused{code.value_or(RefusalCode::internal), str(x.getText()), x.getRetryAfterSeconds(), x.getWorkflowId()}};
      }
      case w::Response::EVENT: {
        const auto x = r.getEvent();
        Event e;
        e.workflow = x.getWorkflowId();
        e.seq = x.getSeq();
        e.time_s = x.getTimeSeconds();
        e.wall_ns = x.getWallTimeNanos();
        switch (x.which()) {
          case w::Event::STARTED: {
            const auto y = x.getStarted();
            e.body = Started{y.getSubtasks(), y.getBudgetPicodollars(), y.getDeadlineSeconds(), str(y.getBudgetOrigin()),
                             str(y.getDeadlineOrigin()), str(y.getPolicy()), y.getSeed()};
            break;
          }
          case w::Event::BATCH_LAUNCHED: {
            const auto y = x.getBatchLaunched();
            e.body = BatchLaunched{str(y.getSubtask()), str(y.getModel()), y.getK(), y.getAttempt(), y.getBatchId()};
            break;
          }
          case w::Event::SAMPLE_SETTLED: {
            const auto y = x.getSampleSettled();
            e.body = SampleSettled{str(y.getSubtask()), y.getBatchId(), y.getCostPicodollars()};
            break;
          }
          case w::Event::SUBTASK_ENDED: {
            const auto y = x.getSubtaskEnded();
            e.body = SubtaskEnded{str(y.getSubtask()), str(y.getModel()), y.getK(), y.getAttempt(), y.getSucceeded(), y.getFinished(),
                                  y.getCostPicodollars(), y.getSubtasksDone(), y.getSubtasksTotal(), str(y.getOutput())};
            break;
          }
          case w::Event::SPEND: {
            const auto y = x.getSpend();
            e.body = SpendUpdate{y.getCommittedPicodollars(), y.getReservedPicodollars(), y.getBudgetPicodollars()};
            break;
          }
          case w::Event::ENDED: {
            const auto y = x.getEnded();
            const auto reason = from_wire(y.getReason());
            if (!reason) return std::string("Event.ended.reason: unknown end reason");
            e.body = Ended{y.getCompleted(), *reason, y.getSpendPicodollars(), y.getMakespanSeconds(), y.getSubtasksDone(),
                           str(y.getReport())};
            break;
          }
          case w::Event::LOST: {
            const auto y = x.getLost();
            e.body = Lost{y.getFromSeq(), y.getToSeq()};
            break;
          }
          case w::Event::PROMISED: {
            const auto y = x.getPromised();
            e.body = Promised{y.getProbability(), y.getRaw()};
            break;
          }
          default: return fmt::format("Event: union member {} is unknown", static_cast<unsigned>(x.which()));
        }
        return Response{std::move(e)};
      }
      case w::Response::STATUS: {
        const auto x = r.getStatus();
        StatusReply s;
        s.node = str(x.getNode());
        for (auto n : x.getNodes()) s.nodes.push_back(str(n));
        for (auto m : x.getWorkers()) s.workers.push_back(ModelWorkers{str(m.getModel()), m.getLive()});
        for (auto f : x.getWorkflows())
          s.workflows.push_back(WorkflowStatus{f.getWorkflowId(), str(f.getTenant()), str(f.getName()),
                                               f.getState() == w::Status::WorkflowStatus::State::RUNNING ? WorkflowState::running
                                                                                                         : WorkflowState::ended,
                                               f.getSpendPicodollars(), f.getReservedPicodollars(), f.getBudgetPicodollars(),
                                               f.getLastSeq()});
        s.max_workflows = x.getMaxWorkflows();
        for (auto t : x.getTenants())
          s.tenants.push_back(TenantStatus{str(t.getName()), t.getBudgetPicodollars(), t.getCommittedPicodollars(),
                                           t.getReservedPicodollars(), t.getCommittedTotalPicodollars(), t.getUncoveredPicodollars(),
                                           t.getLateCommits(), t.getExpiredHoldings(), t.getLiveLeases(), t.getPeriodSeconds(),
                                           t.getLeaseSeconds()});
        return Response{std::move(s)};
      }
    }
    return fmt::format("Response: union member {} is unknown", static_cast<unsigned>(r.which()));
  } catch (const BadBytes& e) {
    return "not a Response: " + e.why;
  } catch (const kj::Exception& e) {
    return "not a Response: " + std::string(e.getDescription().cStr());
  }
}

}  // namespace concord::edge
