#include "contention/worker_pool.hpp"

#include <algorithm>
#include <cassert>

namespace concord::contention {

WorkerPool::WorkerPool(int models, int workers_per_model, int slots_per_worker, std::vector<double> initial_service_s)
    : models_(models),
      workers_per_model_(workers_per_model),
      slots_(slots_per_worker),
      workers_(static_cast<std::size_t>(models) * static_cast<std::size_t>(workers_per_model)),
      service_ewma_s_(std::move(initial_service_s)),
      busy_slot_s_(static_cast<std::size_t>(models), 0.0),
      demand_slot_s_(static_cast<std::size_t>(models), 0.0) {
  service_ewma_s_.resize(static_cast<std::size_t>(models), 1.0);
}

int WorkerPool::choose_worker(int model) const {
  int best = model * workers_per_model_;
  std::size_t best_load = SIZE_MAX;
  for (int w = model * workers_per_model_; w < (model + 1) * workers_per_model_; ++w) {
    const Worker& k = workers_[static_cast<std::size_t>(w)];
    const std::size_t load = static_cast<std::size_t>(k.running) + k.queue.size();
    if (load < best_load) best_load = load, best = w;
  }
  return best;
}

bool WorkerPool::enqueue(int worker, int sample) {
  Worker& k = workers_[static_cast<std::size_t>(worker)];
  if (k.running < slots_) {
    ++k.running;
    return true;
  }
  k.queue.push_back(sample);
  return false;
}

int WorkerPool::release_slot(int worker) {
  Worker& k = workers_[static_cast<std::size_t>(worker)];
  assert(k.running > 0);
  if (k.queue.empty()) {
    --k.running;
    return -1;
  }
  const int next = k.queue.front();  // the slot passes to it: running stays the same
  k.queue.pop_front();
  return next;
}

bool WorkerPool::remove_queued(int worker, int sample) {
  auto& q = workers_[static_cast<std::size_t>(worker)].queue;
  const auto it = std::find(q.begin(), q.end(), sample);
  if (it == q.end()) return false;
  q.erase(it);
  return true;
}

int WorkerPool::queue_position(int worker, int sample) const {
  const auto& q = workers_[static_cast<std::size_t>(worker)].queue;
  const auto it = std::find(q.begin(), q.end(), sample);
  return it == q.end() ? -1 : static_cast<int>(it - q.begin());
}

void WorkerPool::observe_service(int model, double seconds) {
  double& e = service_ewma_s_[static_cast<std::size_t>(model)];
  e += 0.1 * (seconds - e);
}

void WorkerPool::advance(double now_s) {
  if (!(now_s > now_s_)) return;
  const double dt = now_s - now_s_;
  for (int m = 0; m < models_; ++m) {
    busy_slot_s_[static_cast<std::size_t>(m)] += dt * busy(m);
    demand_slot_s_[static_cast<std::size_t>(m)] += dt * (busy(m) + queue_length(m));
  }
  now_s_ = now_s;
}

int WorkerPool::free_slots(int model) const {
  int free = 0;
  for (int w = model * workers_per_model_; w < (model + 1) * workers_per_model_; ++w)
    free += slots_ - workers_[static_cast<std::size_t>(w)].running;
  return free;
}

int WorkerPool::queue_length(int model) const {
  int n = 0;
  for (int w = model * workers_per_model_; w < (model + 1) * workers_per_model_; ++w)
    n += static_cast<int>(workers_[static_cast<std::size_t>(w)].queue.size());
  return n;
}

}  // namespace concord::contention
