#include "learn/live_profiles.hpp"

namespace concord::learn {

LiveProfiles::LiveProfiles(const std::string& path) : store_(path), table_(store_.load()) {
  for (const auto& r : store_.load_promises()) calibrator_.add(r.raw, r.completed);
  calibrator_.fit();
}

LiveProfiles::RunPlan LiveProfiles::prepare(const Workflow& wf, const FlatWorkflow& flat, std::uint64_t seed, int sets) {
  std::lock_guard lock(mx_);
  table_.ensure(wf, flat);
  RunPlan p;
  p.belief = std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(belief_workflow(wf, flat, table_)));
  p.sets = sets;
  p.draws = draw_profile_sets(wf, flat, table_, sets, seed);
  return p;
}

void LiveProfiles::observe(const Workflow& wf, int subtask, const std::string& model, const Observation& o) {
  std::lock_guard lock(mx_);
  table_.update(wf, subtask, model, o);
}

double LiveProfiles::calibrate(double raw_promise) const {
  std::lock_guard lock(mx_);
  return calibrator_.apply(raw_promise);
}

void LiveProfiles::finish(const std::string& workflow, double raw_promise, double calibrated_promise, bool completed) {
  std::lock_guard lock(mx_);
  calibrator_.add(raw_promise, completed);
  calibrator_.fit();
  store_.save(table_);
  store_.record_promise({workflow, raw_promise, calibrated_promise, completed});
}

PosteriorTable LiveProfiles::table() const {
  std::lock_guard lock(mx_);
  return table_;
}

std::size_t LiveProfiles::promises() const {
  std::lock_guard lock(mx_);
  return calibrator_.size();
}

}  // namespace concord::learn
