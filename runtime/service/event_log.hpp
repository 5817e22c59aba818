#pragma once
// One workflow's events, numbered 1, 2, 3, ... with no gaps, kept in a bounded buffer: a watcher
// that (re)connects asks for everything from a sequence number and gets what is still held, plus
// the range it can no longer get. Memory is bounded: at most `capacity` events per workflow (the
// oldest go first; `started` too: a watcher is then told what it lost, never silently skipped).
#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "service/service_messages.hpp"

namespace concord::service {

class EventLog {
 public:
  /// `first_seq` > 1 numbers the log from there: the events before it are reported Lost to any
  /// watcher asking for them (a workflow restored after its node restarted: WorkflowRegistry::restore_ended).
  explicit EventLog(WorkflowId workflow, std::size_t capacity = 4096, Seq first_seq = 1);

  /// Numbers and keeps the event (dropping the oldest beyond capacity); returns it.
  const Event& append(double time_s, EventBody body, std::int64_t wall_ns = 0);

  struct Replay {
    std::optional<Lost> lost;   // set when from_seq is older than the oldest event held
    std::vector<Event> events;  // from max(from_seq, oldest held) to the last, in order
  };
  /// Events with seq >= from_seq (0 is read as 1).
  Replay since(Seq from_seq) const;

  Seq last_seq() const { return next_seq_ - 1; }
  bool ended() const { return ended_; }
  std::size_t size() const { return events_.size(); }

 private:
  WorkflowId workflow_;
  std::size_t capacity_;
  Seq next_seq_ = 1;
  bool ended_ = false;
  std::deque<Event> events_;  // consecutive seqs: events_[i].seq == events_.front().seq + i
};

}  // namespace concord::service
