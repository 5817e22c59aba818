// The virtual timeline (time/virtual_timeline.hpp): events come out by time, then phase (events,
// then decisions, then the deadline), then the order they were scheduled; time only moves forward.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "time/virtual_timeline.hpp"

namespace concord {
namespace {

// Payloads are names; the timeline stores pointers to them (GCC 12 misreads a std::string moved
// through std::pop_heap as maybe-uninitialized).
using Timeline = VirtualTimeline<const char*>;

std::vector<std::string> drain(Timeline& t, std::vector<double>* times = nullptr) {
  std::vector<std::string> out;
  while (!t.empty()) {
    out.push_back(t.pop());
    if (times) times->push_back(t.now_s());
  }
  return out;
}

TEST(VirtualTimeline, EventsComeByTimeThenPhaseThenSchedulingOrder) {
  Timeline t;
  t.schedule(5, TimePhase::deadline, "deadline@5");
  t.schedule(5, TimePhase::decide, "decide@5");
  t.schedule(5, TimePhase::event, "sample-a@5");
  t.schedule(2, TimePhase::event, "sample@2");
  t.schedule(5, TimePhase::event, "sample-b@5");
  std::vector<double> times;
  EXPECT_EQ(drain(t, &times), (std::vector<std::string>{"sample@2", "sample-a@5", "sample-b@5", "decide@5", "deadline@5"}));
  EXPECT_EQ(times, (std::vector<double>{2, 5, 5, 5, 5}));
}

TEST(VirtualTimeline, APastTimeMeansNowAndTimeNeverGoesBack) {
  Timeline t;
  t.schedule(3, TimePhase::event, "a");
  EXPECT_EQ(std::string(t.pop()), "a");
  t.schedule(1, TimePhase::event, "late");  // scheduled in the past: happens now
  EXPECT_EQ(t.next_s(), 3.0);
  EXPECT_EQ(std::string(t.pop()), "late");
  EXPECT_EQ(t.now_s(), 3.0);
}

TEST(VirtualTimeline, ARestartKeepsEachEventsDistanceFromNow) {
  Timeline t;
  t.schedule(10, TimePhase::event, "now");
  t.schedule(10.5, TimePhase::event, "half a second later");
  t.schedule(12, TimePhase::event, "two seconds later");
  EXPECT_EQ(std::string(t.pop()), "now");
  t.restart();
  EXPECT_EQ(t.now_s(), 0.0);
  std::vector<double> times;
  EXPECT_EQ(drain(t, &times), (std::vector<std::string>{"half a second later", "two seconds later"}));
  EXPECT_EQ(times, (std::vector<double>{0.5, 2.0}));
}

}  // namespace
}  // namespace concord
