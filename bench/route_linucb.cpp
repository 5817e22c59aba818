// LinUCB selector speed: one selection among L = 5 candidates with d = 32
// features, and one update (Sherman–Morrison, O(d^2)). Targets: <= 2 us each.
//
//   build-route/bench/bench_route_linucb [--benchmark_min_time=1]
//
// select/disjoint: 5 arms, each with its own A^-1 (5 quadratic forms);
// select/shared: one A^-1 for all candidates; update/*: one observation,
// without and with discount (gamma < 1 adds a scale and a second rank-1 update),
// refactorisation every 256 updates amortised in. route_cycle: the whole
// two-stage path on a 36-worker table (screen, features, select, pending
// insert, outcome credit).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "route/linucb.hpp"
#include "route/router.hpp"
#include "route/selector.hpp"
#include "sim/rng.hpp"

namespace {

using namespace concord;
using namespace concord::route;

constexpr std::size_t kDim = 32, kL = 5;

std::vector<double> random_rows(std::size_t rows, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<double> x(rows * kDim);
  for (auto& v : x) v = rng.uniform();
  return x;
}

void warm(LinUcbSelector& s, const std::vector<std::size_t>& arms) {
  const auto x = random_rows(1000, 99);
  Rng rng(3);
  for (std::size_t i = 0; i < 1000; ++i) s.update(arms[i % arms.size()], x.data() + i * kDim, rng.uniform());
}

void select_bench(benchmark::State& state, SelectorMode mode) {
  SelectorConfig cfg;
  cfg.mode = mode;
  LinUcbSelector s(kDim, cfg, 1);
  std::vector<std::size_t> arms(kL);
  for (std::size_t i = 0; i < kL; ++i) arms[i] = s.arm_for("w" + std::to_string(i));
  warm(s, arms);
  const std::size_t sets = 64;
  const auto x = random_rows(sets * kL, 7);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.select(arms, x.data() + (i % sets) * kL * kDim, kL));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Select_L5_d32_Disjoint(benchmark::State& s) { select_bench(s, SelectorMode::disjoint); }
void BM_Select_L5_d32_Shared(benchmark::State& s) { select_bench(s, SelectorMode::shared); }

void update_bench(benchmark::State& state, double discount) {
  LinUcbConfig cfg;
  cfg.discount = discount;
  cfg.refactor_every = 256;
  LinUcbModel m(kDim, cfg);
  const std::size_t n = 256;
  const auto x = random_rows(n, 5);
  Rng rng(2);
  std::vector<double> r(n);
  for (auto& v : r) v = rng.uniform();
  std::size_t i = 0;
  for (auto _ : state) {
    m.update(x.data() + (i % n) * kDim, r[i % n]);
    ++i;
  }
  benchmark::DoNotOptimize(m.theta().data());
  state.SetItemsProcessed(state.iterations());
}

void BM_Update_d32(benchmark::State& s) { update_bench(s, 1.0); }
void BM_Update_d32_Discounted(benchmark::State& s) { update_bench(s, 0.99); }

// The selector-level update of the disjoint variant: population model update,
// prior refresh of the arm, arm update (two O(d^2) model updates).
void BM_SelectorUpdate_d32_Disjoint(benchmark::State& state) {
  SelectorConfig cfg;
  cfg.linucb.discount = 0.95;
  LinUcbSelector s(kDim, cfg, 1);
  std::vector<std::size_t> arms(kL);
  for (std::size_t i = 0; i < kL; ++i) arms[i] = s.arm_for("w" + std::to_string(i));
  const std::size_t n = 256;
  const auto x = random_rows(n, 5);
  std::size_t i = 0;
  for (auto _ : state) {
    s.update(arms[i % kL], x.data() + (i % n) * kDim, 0.5);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

// Issue 16: one routing decision plus its learning step at the replay router's chosen
// dimension (d = 20: bias, 2 dataset indicators, log length, 16 projected text
// features), hybrid configuration (disjoint arms with the population prior, tracked):
// select among n candidates (each its own arm), then update the chosen arm and the
// population with the outcome. Target: select + update <= 2 us. n = 5 is the screened
// top L of the live router, n = 11 the RouterBench models.
void select_update_bench(benchmark::State& state, std::size_t dim, std::size_t n) {
  SelectorConfig cfg;  // disjoint, population prior, track_population
  cfg.linucb.alpha = 0.3;
  cfg.arm_ridge = 30;
  LinUcbSelector s(dim, cfg, 1);
  std::vector<std::size_t> arms(n);
  for (std::size_t i = 0; i < n; ++i) arms[i] = s.arm_for("m" + std::to_string(i));
  Rng rng(3);
  const std::size_t sets = 64;
  std::vector<double> x(sets * n * dim);
  for (auto& v : x) v = rng.uniform();
  for (std::size_t i = 0; i < 1000; ++i) s.update(arms[i % n], x.data() + (i % (sets * n)) * dim, rng.uniform());
  std::vector<double> r(256);
  for (auto& v : r) v = rng.uniform();
  std::size_t i = 0;
  for (auto _ : state) {
    const double* rows = x.data() + (i % sets) * n * dim;
    const std::size_t pick = s.select(arms, rows, n);
    s.update(arms[pick], rows + pick * dim, r[i % r.size()]);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SelectUpdate_d20_L5_Hybrid(benchmark::State& s) { select_update_bench(s, 20, 5); }
void BM_SelectUpdate_d20_M11_Hybrid(benchmark::State& s) { select_update_bench(s, 20, 11); }

void BM_RouteCycle_36Workers(benchmark::State& state) {
  RouterConfig cfg;  // default features: d = 20
  Router r(cfg, 1);
  Rng rng(4);
  for (int w = 0; w < 36; ++w) {
    Beacon b;
    b.worker_id = "worker-" + std::to_string(w);
    b.model_id = "model-" + std::to_string(w % 6);
    b.capability = {rng.uniform(), rng.uniform(), rng.uniform(), rng.uniform()};
    b.load = rng.uniform();
    b.reputation = rng.uniform();
    b.timestamp_s = 0;
    r.table().upsert(b);
  }
  const std::vector<double> req = {0.9, 0.3, 0.1, 0.2};
  for (auto _ : state) {
    auto d = r.route(req, 1.0);
    r.on_outcome(d->id, Outcome{rng.bernoulli(0.7), 2.0, 0.001});
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_Select_L5_d32_Disjoint);
BENCHMARK(BM_Select_L5_d32_Shared);
BENCHMARK(BM_Update_d32);
BENCHMARK(BM_Update_d32_Discounted);
BENCHMARK(BM_SelectorUpdate_d32_Disjoint);
BENCHMARK(BM_SelectUpdate_d20_L5_Hybrid);
BENCHMARK(BM_SelectUpdate_d20_M11_Hybrid);
BENCHMARK(BM_RouteCycle_36Workers);
BENCHMARK_MAIN();
