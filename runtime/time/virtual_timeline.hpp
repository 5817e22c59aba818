#pragma once
// Virtual time for a deterministic run (DESIGN.md's "injected time"): a clock that jumps from
// one scheduled event to the next, in simulated seconds. Nothing happens between events, and
// time stands still while an event is being handled (e.g. while a planner decides). Events at
// one instant run in the order of the simulator's loop (sim/simulator.cpp): every event first
// (samples that stop, beacons), then the decisions they call for, then the deadline; within a
// phase, in the order they were scheduled. No CAF: the payload is the caller's.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace concord {

enum class TimePhase : std::uint8_t {
  event = 0,     // something happens: a sample stops, a beacon is due, a timer fires
  decide = 1,    // a coordinator reacts to everything that happened at this instant
  deadline = 2,  // the deadline is checked after both
};

template <class Payload>
class VirtualTimeline {
 public:
  /// Simulated seconds since the start; only pop() moves it, never backwards.
  double now_s() const { return now_s_; }
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  /// The time of the next event. REQUIRES: !empty().
  double next_s() const { return heap_.front().at_s; }

  /// Schedules `p` at `at_s` (simulated seconds; a time already past means now).
  void schedule(double at_s, TimePhase phase, Payload p) {
    heap_.push_back(Entry{at_s < now_s_ ? now_s_ : at_s, phase, seq_++, std::move(p)});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  }

  /// Makes now time 0 again (a new run starts): every pending event keeps its distance from now.
  void restart() {
    for (Entry& e : heap_) e.at_s -= now_s_;
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
    now_s_ = 0;
  }

  /// Removes the earliest event and moves now to its time. REQUIRES: !empty().
  Payload pop() {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    Entry e = std::move(heap_.back());
    heap_.pop_back();
    now_s_ = e.at_s;
    return std::move(e.payload);
  }

 private:
  struct Entry {
    double at_s;
    TimePhase phase;
    std::uint64_t seq;
    Payload payload;
    bool operator>(const Entry& o) const {
      if (at_s != o.at_s) return at_s > o.at_s;
      if (phase != o.phase) return phase > o.phase;
      return seq > o.seq;
    }
  };
  std::vector<Entry> heap_;
  double now_s_ = 0;
  std::uint64_t seq_ = 0;
};

}  // namespace concord
