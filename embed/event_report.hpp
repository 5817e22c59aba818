#pragma once
// A RunReport folded from a hosted workflow's event stream (the service edge's Events, in
// sequence order), for runs the embedding API submits through a node's gateway. Pure: the
// gateway client feeds it events, it answers with progress and, at the end, the report.
//
// What comes from where: budget, deadline and the subtask count from Started; per subtask, the
// first batch's start and the attempt count from BatchLaunched; model, k, end time, cost, done
// and output from SubtaskEnded (one per batch that ended, also the progress callback's events);
// outcome, reason, spend, makespan and subtasks done from Ended (the node's own totals, never
// re-added here). planner_decisions counts launched batches (each is one planner decision).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "concord/concord.hpp"
#include "service/service_messages.hpp"

namespace concord::embed {

class EventReport {
 public:
  /// `subtask_ids`: the workflow's subtasks in its order (the report lists every one of them,
  /// never started ones with attempts == 0, as the embedded runs' reports do).
  explicit EventReport(const std::vector<std::string>& subtask_ids);
  /// Folds one event in; returns the progress event when it ended a batch.
  std::optional<ProgressEvent> add(const service::Event& e);
  bool ended() const { return ended_; }
  /// The report so far (complete once ended()).
  RunReport report() const;
  /// Notes a gap (events the node no longer held); the report's detail mentions it.
  void note(std::string text);

 private:
  SubtaskOutcome& outcome(const std::string& id);

  RunReport report_;
  std::map<std::string, std::size_t> index_;  // subtask id -> position in report_.subtasks
  bool ended_ = false;
};

}  // namespace concord::embed
