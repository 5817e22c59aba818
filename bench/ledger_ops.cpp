// Ledger throughput: one iteration = reserve(id, 1000 pico$) + commit(id, 700 pico$)
// on a fresh id (two state changes, two journal records when journaled).
//
//   build/bench/bench_ledger_ops [--benchmark_min_time=1]
//   CONCORD_BENCH_DIR=/some/disk build/bench/bench_ledger_ops   # where journals go (default: temp dir)
//
// Variants: in memory; journaled without fsync (survives kill -9, not power
// loss); journaled with fdatasync after every record (survives power loss; the
// figure is the disk's flush latency, twice per iteration); journaled with GROUP COMMIT, one
// fdatasync per group of N records (the ledger actor's policy under --data-dir: a group is what
// arrived while the previous sync ran, at most actors::kMaxGroupRecords = 256). Also: replay speed
// of a 200 000-record journal. "items/s" counts reserve+commit pairs (for replay:
// records); it is per wall-clock second for the journaled and replay variants.
//
// The ledger remembers every id (idempotency), so long runs grow its table: every
// kResetEvery iterations the ledger (and journal) is recreated outside the timing.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "ledger/journal.hpp"
#include "ledger/journaled_ledger.hpp"
#include "ledger/ledger.hpp"

namespace {

using namespace concord;
using namespace concord::ledger;
namespace fs = std::filesystem;

constexpr std::uint64_t kResetEvery = 1u << 18;

std::string bench_file(const std::string& name) {
  const char* env = std::getenv("CONCORD_BENCH_DIR");
  const fs::path dir = env && *env ? fs::path(env) : fs::temp_directory_path();
  return (dir / ("concord-ledger-bench-" + std::to_string(::getpid()) + "-" + name + ".log")).string();
}

void BM_ReserveCommit_InMemory(benchmark::State& state) {
  auto ledger = std::make_unique<Ledger>(kMaxBudget);
  ReservationId id = 0;
  for (auto _ : state) {
    if (++id % kResetEvery == 0) {
      state.PauseTiming();
      ledger = std::make_unique<Ledger>(kMaxBudget);
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(ledger->reserve(id, 1000));
    benchmark::DoNotOptimize(ledger->commit(id, 700));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReserveCommit_InMemory);

void journaled(benchmark::State& state, FsyncPolicy policy, const char* name) {
  const std::string path = bench_file(name);
  fs::remove(path);
  auto jl = std::make_unique<JournaledLedger>(JournaledLedger::create(path, kMaxBudget, policy));
  ReservationId id = 0;
  for (auto _ : state) {
    if (++id % kResetEvery == 0) {
      state.PauseTiming();
      jl.reset();
      fs::remove(path);
      jl = std::make_unique<JournaledLedger>(JournaledLedger::create(path, kMaxBudget, policy));
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(jl->reserve(id, 1000));
    benchmark::DoNotOptimize(jl->commit(id, 700));
  }
  state.SetItemsProcessed(state.iterations());
  jl.reset();
  fs::remove(path);
}

void BM_ReserveCommit_Journal_NoFsync(benchmark::State& state) { journaled(state, FsyncPolicy::never, "nofsync"); }
BENCHMARK(BM_ReserveCommit_Journal_NoFsync)->UseRealTime();

void BM_ReserveCommit_Journal_FsyncEveryRecord(benchmark::State& state) {
  journaled(state, FsyncPolicy::every_record, "fsync");
}
BENCHMARK(BM_ReserveCommit_Journal_FsyncEveryRecord)->MinTime(1.0)->UseRealTime();

/// Group commit: records written as they come, one fdatasync per state.range(0) records.
void BM_ReserveCommit_Journal_GroupCommit(benchmark::State& state) {
  const std::string path = bench_file("group");
  fs::remove(path);
  const auto pairs_per_sync = static_cast<std::uint64_t>(std::max<std::int64_t>(state.range(0) / 2, 1));
  auto jl = std::make_unique<JournaledLedger>(JournaledLedger::create(path, kMaxBudget, FsyncPolicy::never));
  ReservationId id = 0;
  for (auto _ : state) {
    if (++id % kResetEvery == 0) {
      state.PauseTiming();
      jl.reset();
      fs::remove(path);
      jl = std::make_unique<JournaledLedger>(JournaledLedger::create(path, kMaxBudget, FsyncPolicy::never));
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(jl->reserve(id, 1000));
    benchmark::DoNotOptimize(jl->commit(id, 700));
    if (id % pairs_per_sync == 0) jl->sync();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["records_per_sync"] = static_cast<double>(2 * pairs_per_sync);
  jl.reset();
  fs::remove(path);
}
BENCHMARK(BM_ReserveCommit_Journal_GroupCommit)->Arg(16)->Arg(64)->Arg(256)->MinTime(1.0)->UseRealTime();

void BM_Replay(benchmark::State& state) {
  const std::string path = bench_file("replay");
  fs::remove(path);
  constexpr ReservationId kPairs = 100'000;
  {
    auto jl = JournaledLedger::create(path, kMaxBudget, FsyncPolicy::never);
    for (ReservationId id = 0; id < kPairs; ++id) {
      jl.reserve(id, 1000);
      jl.commit(id, 700);
    }
  }
  for (auto _ : state) {
    ReplayResult r = replay(path);
    benchmark::DoNotOptimize(r.ledger.committed());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(2 * kPairs));
  state.counters["file_MB"] = static_cast<double>(fs::file_size(path)) / 1e6;
  fs::remove(path);
}
BENCHMARK(BM_Replay)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
