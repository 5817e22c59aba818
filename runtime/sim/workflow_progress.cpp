#include "sim/workflow_progress.hpp"

#include <cassert>

#include "model/limits.hpp"

namespace concord {

WorkflowProgress::WorkflowProgress(const FlatWorkflow& wf) : wf_(wf) { reset(); }

void WorkflowProgress::reset() {
  const auto n = static_cast<std::size_t>(wf_.num_subtasks());
  status_.assign(n, SubtaskStatus::blocked);
  attempts_.assign(n, 0);
  pending_parents_.resize(n);
  done_ = 0;
  for (std::size_t s = 0; s < n; ++s) {
    pending_parents_[s] = static_cast<int>(wf_.parents(static_cast<int>(s)).size());
    if (pending_parents_[s] == 0) status_[s] = SubtaskStatus::ready;
  }
}

int WorkflowProgress::launch(int s) {
  const auto i = static_cast<std::size_t>(s);
  assert(status_[i] == SubtaskStatus::ready);
  status_[i] = SubtaskStatus::running;
  return ++attempts_[i];
}

void WorkflowProgress::refuse(int s) {
  const auto i = static_cast<std::size_t>(s);
  assert(status_[i] == SubtaskStatus::running && attempts_[i] > 0);
  status_[i] = SubtaskStatus::ready;
  --attempts_[i];
}

bool WorkflowProgress::end_batch(int s, bool success) {
  const auto i = static_cast<std::size_t>(s);
  assert(status_[i] == SubtaskStatus::running);
  if (!success) {
    status_[i] = SubtaskStatus::ready;  // all samples failed: retry, unless that was the last try
    return attempts_[i] < limits::kMaxAttemptsPerSubtask;
  }
  status_[i] = SubtaskStatus::done;
  ++done_;
  for (int c : wf_.children(s))
    if (--pending_parents_[static_cast<std::size_t>(c)] == 0) status_[static_cast<std::size_t>(c)] = SubtaskStatus::ready;
  return true;
}

void WorkflowProgress::abandon(int s) {
  const auto i = static_cast<std::size_t>(s);
  assert(status_[i] == SubtaskStatus::running);
  status_[i] = SubtaskStatus::ready;
}

void WorkflowProgress::dispatchable(std::vector<int>& out) const {
  out.clear();
  for (std::size_t s = 0; s < status_.size(); ++s)
    if (status_[s] == SubtaskStatus::ready) out.push_back(static_cast<int>(s));
}

}  // namespace concord
