#include "service/event_log.hpp"

#include <algorithm>
#include <stdexcept>

namespace concord::service {

EventLog::EventLog(WorkflowId workflow, std::size_t capacity, Seq first_seq)
    : workflow_(workflow), capacity_(std::max<std::size_t>(capacity, 1)), next_seq_(std::max<Seq>(first_seq, 1)) {}

const Event& EventLog::append(double time_s, EventBody body, std::int64_t wall_ns) {
  if (ended_) throw std::logic_error("EventLog::append: the workflow has already ended");
  Event e;
  e.workflow = workflow_;
  e.seq = next_seq_++;
  e.time_s = time_s;
  e.body = std::move(body);
  e.wall_ns = wall_ns;
  ended_ = e.is_end();
  if (events_.size() == capacity_) events_.pop_front();
  events_.push_back(std::move(e));
  return events_.back();
}

EventLog::Replay EventLog::since(Seq from_seq) const {
  Replay r;
  from_seq = std::max<Seq>(from_seq, 1);
  const Seq oldest = events_.empty() ? next_seq_ : events_.front().seq;
  if (from_seq < oldest) r.lost = Lost{from_seq, oldest - 1};
  const Seq first = std::max(from_seq, oldest);
  if (first >= next_seq_) return r;
  r.events.assign(events_.begin() + static_cast<std::ptrdiff_t>(first - oldest), events_.end());
  return r;
}

}  // namespace concord::service
