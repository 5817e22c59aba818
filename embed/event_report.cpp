#include "event_report.hpp"

#include <fmt/format.h>

#include "model/money.hpp"

namespace concord::embed {

EventReport::EventReport(const std::vector<std::string>& subtask_ids) {
  for (const std::string& id : subtask_ids) outcome(id);
  report_.subtasks_total = static_cast<int>(subtask_ids.size());
}

SubtaskOutcome& EventReport::outcome(const std::string& id) {
  auto [it, added] = index_.try_emplace(id, report_.subtasks.size());
  if (added) {
    report_.subtasks.emplace_back();
    report_.subtasks.back().id = id;
  }
  return report_.subtasks[it->second];
}

void EventReport::note(std::string text) { report_.detail += (report_.detail.empty() ? "" : "; ") + std::move(text); }

std::optional<ProgressEvent> EventReport::add(const service::Event& e) {
  if (const auto* s = std::get_if<service::Started>(&e.body)) {
    report_.budget_usd = dollars(s->budget);
    report_.deadline_s = s->deadline_s;
    report_.subtasks_total = static_cast<int>(s->subtasks);
  } else if (const auto* b = std::get_if<service::BatchLaunched>(&e.body)) {
    SubtaskOutcome& o = outcome(b->subtask);
    if (o.attempts++ == 0) o.start_s = e.time_s;
    o.model = b->model;
    o.k = static_cast<int>(b->k);
    ++report_.planner_decisions;
  } else if (const auto* d = std::get_if<service::SubtaskEnded>(&e.body)) {
    SubtaskOutcome& o = outcome(d->subtask);
    o.model = d->model;
    o.k = static_cast<int>(d->k);
    o.end_s = e.time_s;
    o.cost_usd += dollars(d->cost);
    if (d->succeeded && !o.done) {
      o.done = true;
      o.output = d->output;
    }
    return ProgressEvent{d->subtask, d->model, static_cast<int>(d->k), d->succeeded, e.time_s, dollars(d->cost),
                         static_cast<int>(d->subtasks_done), static_cast<int>(d->subtasks_total)};
  } else if (const auto* end = std::get_if<service::Ended>(&e.body)) {
    ended_ = true;
    report_.completed = end->completed;
    report_.reason = std::string(to_string(end->reason));
    report_.spend_usd = dollars(end->spend);
    report_.makespan_s = end->makespan_s;
    report_.subtasks_done = static_cast<int>(end->subtasks_done);
  } else if (const auto* lost = std::get_if<service::Lost>(&e.body)) {
    note(fmt::format("events {}..{} were no longer held by the node (per-subtask outcomes may be incomplete)", lost->from_seq,
                     lost->to_seq));
  }
  return std::nullopt;
}

RunReport EventReport::report() const { return report_; }

}  // namespace concord::embed
