// Durability of the ledger: journal round trip, torn tails, corruption with
// offsets, and a child process killed with SIGKILL mid-stream.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "ledger/journal.hpp"
#include "ledger/journal_record.hpp"
#include "ledger/journaled_ledger.hpp"
#include "sim/rng.hpp"
#include "test_support.hpp"

namespace concord::ledger {
namespace {

namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "concord-ledger-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

/// Offset of the start of line `n` (0 = header).
std::size_t line_offset(const std::string& bytes, int n) {
  std::size_t pos = 0;
  for (int i = 0; i < n; ++i) pos = bytes.find('\n', pos) + 1;
  return pos;
}

enum class Op { reserve, commit, release, set_budget };
struct Message {
  Op op;
  ReservationId id;
  Money amount;
};

/// Random ledger traffic with duplicates, reorderings and errors (ids collide on purpose).
std::vector<Message> random_traffic(std::uint64_t seed, int n) {
  Rng rng(seed);
  std::vector<Message> out;
  for (int i = 0; i < n; ++i) {
    if (!out.empty() && rng.bernoulli(0.15)) {
      out.push_back(out[rng.below(out.size())]);
      continue;
    }
    const ReservationId id = static_cast<ReservationId>(i / 4) + rng.below(30);
    const Money amount = 1'000 + static_cast<Money>((id * 7919) % 9'000);
    const double u = rng.uniform();
    if (u < 0.45) out.push_back({Op::reserve, id, amount});
    else if (u < 0.75) out.push_back({Op::commit, id, static_cast<Money>(rng.below(static_cast<std::uint64_t>(amount) + 100))});
    else if (u < 0.98) out.push_back({Op::release, id, 0});
    else out.push_back({Op::set_budget, 0, 50'000 + 4'000 * static_cast<Money>(i) / 3});
  }
  return out;
}

template <class L>
Answer send(L& l, const Message& m) {
  switch (m.op) {
    case Op::reserve: return l.reserve(m.id, m.amount);
    case Op::commit: return l.commit(m.id, m.amount);
    case Op::release: return l.release(m.id);
    case Op::set_budget: return l.set_budget(m.amount);
  }
  return {};
}

/// Applies `msgs` to a fresh in-memory ledger until it has made `events` state changes.
Ledger prefix_with_events(Money budget, const std::vector<Message>& msgs, std::uint64_t events) {
  Ledger l(budget);
  std::uint64_t made = 0;
  for (const Message& m : msgs) {
    if (made == events) break;
    Decision d = m.op == Op::reserve  ? l.decide_reserve(m.id, m.amount)
                 : m.op == Op::commit ? l.decide_commit(m.id, m.amount)
                 : m.op == Op::release ? l.decide_release(m.id)
                                       : l.decide_set_budget(m.amount);
    if (d.event) {
      EXPECT_FALSE(l.apply(*d.event).has_value());
      ++made;
    }
  }
  EXPECT_EQ(made, events) << "the journal holds more events than the traffic makes";
  return l;
}

constexpr Money kBudget = 60'000;

// ---------------------------------------------------------------- format and round trip

TEST(LedgerJournal, RecordsAreChecksummedTextLinesOnePerStateChange) {
  TempDir dir;
  const std::string path = dir.file("j.log");
  {
    auto jl = JournaledLedger::create(path, 100, FsyncPolicy::every_record);
    jl.reserve(1, 30);
    jl.reserve(1, 30);  // repeat: not journaled
    jl.commit(1, 12);
    jl.reserve(2, 500);  // denial: journaled (a retry must stay denied after a restart)
    jl.commit(9, 1);     // error: not journaled
    EXPECT_EQ(jl.records(), 3u);
  }
  const std::string bytes = read_all(path);
  std::istringstream in(bytes);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].substr(0, lines[0].size() - 10), "0 concord-ledger-journal 1 100");
  EXPECT_EQ(lines[1].substr(0, lines[1].size() - 10), "1 grant 1 30 none");
  EXPECT_EQ(lines[2].substr(0, lines[2].size() - 10), "2 commit 1 12 none");
  EXPECT_EQ(lines[3].substr(0, lines[3].size() - 10), "3 deny 2 500 over_budget");
  char crc[9];
  std::snprintf(crc, sizeof crc, "%08x", crc32("1 grant 1 30 none"));
  EXPECT_EQ(lines[1].substr(lines[1].size() - 10), std::string(" #") + crc);
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the standard CRC-32 check value
}

TEST(LedgerJournal, TheExampleInTheDocsIsAValidJournal) {
  const std::string doc = read_all(concord::testing::source_dir() + "/docs/ledger.md");
  const std::size_t start = doc.find("```\n0 concord-ledger-journal");
  ASSERT_NE(start, std::string::npos);
  std::istringstream in(doc.substr(start + 4, doc.find("```", start + 4) - start - 4));
  std::string journal, line;
  while (std::getline(in, line)) journal += line.substr(0, line.find(" #") + 10) + "\n";  // drop the comments
  const ReplayResult r = replay_bytes(journal, "docs/ledger.md");
  EXPECT_EQ(r.records, 6u);
  EXPECT_EQ(r.ledger.budget(), 2000);
  EXPECT_EQ(r.ledger.committed(), 12);
  EXPECT_EQ(r.ledger.reserved(), 0);
}

TEST(LedgerJournal, ReplayOfRandomTrafficRebuildsTheSameLedger) {
  TempDir dir;
  const std::string path = dir.file("j.log");
  const auto msgs = random_traffic(11, 4000);
  Ledger mirror(kBudget);
  {
    auto jl = JournaledLedger::create(path, kBudget, FsyncPolicy::never);
    for (const Message& m : msgs) {
      const Answer a = send(jl, m);
      const Answer b = send(mirror, m);
      ASSERT_EQ(a.code, b.code);
      ASSERT_EQ(a.repeated, b.repeated);
    }
    EXPECT_TRUE(jl.ledger() == mirror);
  }
  const ReplayResult r = replay(path);
  EXPECT_FALSE(r.torn.has_value());
  EXPECT_EQ(r.valid_bytes, fs::file_size(path));
  EXPECT_TRUE(r.ledger == mirror);
  EXPECT_TRUE(r.ledger.audit());
  EXPECT_GT(r.records, 1000u);
  EXPECT_GT(mirror.committed(), 0);
}

TEST(LedgerJournal, AReopenedJournalContinuesAndReplaysToTheCombinedState) {
  TempDir dir;
  const std::string path = dir.file("j.log");
  const auto msgs = random_traffic(12, 1200);  // the last 200 with an fsync each
  Ledger mirror(kBudget);
  {
    auto jl = JournaledLedger::create(path, kBudget, FsyncPolicy::never);
    for (std::size_t i = 0; i < 1000; ++i) send(jl, msgs[i]), send(mirror, msgs[i]);
  }
  {
    auto jl = JournaledLedger::open(path, FsyncPolicy::every_record);
    EXPECT_TRUE(jl.ledger() == mirror);
    for (std::size_t i = 1000; i < msgs.size(); ++i) send(jl, msgs[i]), send(mirror, msgs[i]);
  }
  EXPECT_TRUE(replay(path).ledger == mirror);
}

TEST(LedgerJournal, CreateRefusesToOverwriteAnExistingJournal) {
  TempDir dir;
  const std::string path = dir.file("j.log");
  JournaledLedger::create(path, 100, FsyncPolicy::never);
  EXPECT_THROW(JournaledLedger::create(path, 100, FsyncPolicy::never), JournalError);
}

TEST(LedgerJournal, ASecondWriterOnTheSameJournalIsRefused) {
  TempDir dir;
  const std::string path = dir.file("j.log");
  auto first = JournaledLedger::create(path, 100, FsyncPolicy::never);
  first.reserve(1, 10);
  EXPECT_THROW(JournaledLedger::open(path, FsyncPolicy::never), JournalError);
  first.reserve(2, 10);  // the refused opener changed nothing
  EXPECT_EQ(replay(path).records, 2u);
}

// ---------------------------------------------------------------- torn tails

/// A journal of budget 100 (picodollars) with three records: reserve 1 of 30, reserve 2 of 40, commit 1 at 10.
void write_three_records(const std::string& path) {
  auto jl = JournaledLedger::create(path, 100, FsyncPolicy::never);
  jl.reserve(1, 30);
  jl.reserve(2, 40);
  jl.commit(1, 10);
}

TEST(LedgerJournal, ATornLastRecordIsIgnoredAndReported) {
  TempDir dir;
  const std::string path = dir.file("j.log");
  write_three_records(path);
  const std::string whole = read_all(path);
  const std::size_t last = line_offset(whole, 3);
  Ledger before_last(100);
  before_last.reserve(1, 30);
  before_last.reserve(2, 40);
  for (std::size_t cut = last + 1; cut < whole.size(); ++cut) {  // every possible tear of the last record
    write_all(path, whole.substr(0, cut));
    const ReplayResult r = replay(path);
    ASSERT_TRUE(r.torn.has_value()) << "cut at " << cut;
    EXPECT_EQ(r.torn->offset, last);
    EXPECT_EQ(r.torn->bytes, cut - last);
    EXPECT_EQ(r.valid_bytes, last);
    EXPECT_EQ(r.records, 2u);
    EXPECT_TRUE(r.ledger == before_last);
  }
  write_all(path, whole.substr(0, last) + std::string(7, '\0'));  // zero-filled tail (power loss)
  EXPECT_EQ(replay(path).torn->bytes, 7u);
}

TEST(LedgerJournal, OpeningAJournalWithATornTailTruncatesItBeforeAppending) {
  TempDir dir;
  const std::string path = dir.file("j.log");
  {
    auto jl = JournaledLedger::create(path, 100, FsyncPolicy::never);
    jl.reserve(1, 30);
    jl.reserve(2, 40);
  }
  const std::string whole = read_all(path);
  const std::size_t last = line_offset(whole, 2);
  write_all(path, whole.substr(0, last + 5));
  {
    auto jl = JournaledLedger::open(path, FsyncPolicy::every_record);
    ASSERT_TRUE(jl.torn_tail().has_value());
    EXPECT_EQ(jl.torn_tail()->offset, last);
    EXPECT_EQ(jl.ledger().reserved(), 30);
    EXPECT_EQ(jl.reserve(2, 40).code, Code::granted);  // the retried request, fresh again
    EXPECT_TRUE(jl.reserve(2, 40).repeated);
    jl.commit(2, 40);
  }
  const ReplayResult r = replay(path);
  EXPECT_FALSE(r.torn.has_value());
  EXPECT_EQ(r.records, 3u);
  EXPECT_EQ(r.ledger.committed(), 40);
  EXPECT_EQ(r.ledger.reserved(), 30);
}

// ---------------------------------------------------------------- corruption

TEST(LedgerJournal, ACorruptMiddleRecordIsAnErrorNamingTheFileOffsetAndReason) {
  TempDir dir;
  const std::string path = dir.file("j.log");
  write_three_records(path);
  std::string bytes = read_all(path);
  const std::size_t second = line_offset(bytes, 2);
  bytes[second + 10] = bytes[second + 10] == '4' ? '5' : '4';  // "2 grant 2 40" -> "2 grant 2 50"
  write_all(path, bytes);
  try {
    replay(path);
    FAIL() << "a corrupt record was accepted";
  } catch (const JournalError& e) {
    EXPECT_EQ(e.path(), path);
    EXPECT_EQ(e.offset(), second);
    EXPECT_NE(e.reason().find("checksum mismatch"), std::string::npos) << e.reason();
    EXPECT_NE(std::string(e.what()).find(path + ": byte " + std::to_string(second) + ": record 2: "),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(JournaledLedger::open(path, FsyncPolicy::never), JournalError);
}

TEST(LedgerJournal, ACorruptLastCompleteLineIsAnErrorNotATornTail) {
  // A torn write never ends in '\n' (one write() per record): a bad complete line is damage.
  TempDir dir;
  const std::string path = dir.file("j.log");
  { JournaledLedger::create(path, 100, FsyncPolicy::never).reserve(1, 30); }
  std::string bytes = read_all(path);
  bytes[bytes.size() - 3] ^= 1;
  write_all(path, bytes);
  try {
    replay(path);
    FAIL();
  } catch (const JournalError& e) {
    EXPECT_EQ(e.offset(), line_offset(bytes, 1));
  }
}

TEST(LedgerJournal, AMissingRecordIsDetectedBySequenceNumbers) {
  TempDir dir;
  const std::string path = dir.file("j.log");
  {
    auto jl = JournaledLedger::create(path, 100, FsyncPolicy::never);
    jl.reserve(1, 30);
    jl.reserve(2, 40);
    jl.release(2);
  }
  const std::string bytes = read_all(path);
  const std::size_t second = line_offset(bytes, 2), third = line_offset(bytes, 3);
  write_all(path, bytes.substr(0, second) + bytes.substr(third));  // every line still checksums
  try {
    replay(path);
    FAIL();
  } catch (const JournalError& e) {
    EXPECT_EQ(e.offset(), second);
    EXPECT_NE(e.reason().find("sequence number 3, expected 2"), std::string::npos) << e.reason();
  }
}

TEST(LedgerJournal, ARecordThatWouldBreakTheInvariantIsRejected) {
  // Well-formed and checksummed, but the grant exceeds the budget: replay refuses to overspend.
  const std::string bytes = encode_header(100) + encode_record(1, {Event::Kind::grant, 1, 60, DenyReason::none}) +
                            encode_record(2, {Event::Kind::grant, 2, 41, DenyReason::none});
  try {
    replay_bytes(bytes, "mem");
    FAIL();
  } catch (const JournalError& e) {
    EXPECT_EQ(e.offset(), line_offset(bytes, 2));
    EXPECT_NE(e.reason().find("does not apply: grant exceeds the available budget"), std::string::npos) << e.reason();
  }
}

TEST(LedgerJournal, AMissingOrTornHeaderIsAnError) {
  EXPECT_THROW(replay_bytes("", "mem"), JournalError);
  EXPECT_THROW(replay_bytes("0 concord-ledger-jour", "mem"), JournalError);
  EXPECT_THROW(replay_bytes(encode_record(1, {Event::Kind::release, 1, 0, DenyReason::none}), "mem"), JournalError);
  TempDir dir;
  EXPECT_THROW(replay(dir.file("absent.log")), JournalError);
}

// ---------------------------------------------------------------- kill -9

TEST(LedgerJournal, AChildKilledWithSigkillLeavesAJournalThatReplaysToAPrefixOfItsOperations) {
  TempDir dir;
  const auto msgs = random_traffic(99, 200'000);
  Rng timing(2024);
  int killed_mid_stream = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const std::string path = dir.file("kill-" + std::to_string(trial) + ".log");
    { JournaledLedger::create(path, kBudget, FsyncPolicy::never); }  // header durable before the child starts
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        auto jl = JournaledLedger::open(path, FsyncPolicy::never);
        for (const Message& m : msgs) send(jl, m);
      } catch (...) {
        ::_exit(3);
      }
      ::_exit(0);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500 + timing.below(20'000)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
      ++killed_mid_stream;
    } else {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child failed";
    }

    const ReplayResult r = replay(path);  // must not throw: at most a torn tail
    RecordProperty("trial" + std::to_string(trial) + "_records", static_cast<int>(r.records));
    RecordProperty("trial" + std::to_string(trial) + "_torn", r.torn ? static_cast<int>(r.torn->bytes) : 0);
    EXPECT_TRUE(r.ledger.audit());
    EXPECT_TRUE(r.ledger == prefix_with_events(kBudget, msgs, r.records)) << "trial " << trial;

    // Recovery continues the same file, and the result still replays.
    {
      auto jl = JournaledLedger::open(path, FsyncPolicy::never);
      jl.reserve(1'000'000 + static_cast<ReservationId>(trial), 1);
    }
    EXPECT_EQ(replay(path).records, r.records + 1);  // granted or denied, it is journaled
  }
  EXPECT_GT(killed_mid_stream, 0) << "every child finished before the kill: the test proved nothing";
}

TEST(LedgerJournal, AChildKilledBetweenTheHalvesOfARecordLeavesATornTailThatReplayIgnores) {
  // Our writer issues one write() per record, which SIGKILL does not split in practice;
  // this child splits every record in two writes with a pause between them, so that
  // the kill lands mid-record and replay must meet real torn tails.
  TempDir dir;
  const auto msgs = random_traffic(7, 100'000);
  Rng timing(77);
  int torn = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const std::string path = dir.file("split-" + std::to_string(trial) + ".log");
    { JournaledLedger::create(path, kBudget, FsyncPolicy::never); }
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
      if (fd < 0) ::_exit(3);
      Ledger l(kBudget);
      std::uint64_t seq = 0;
      for (const Message& m : msgs) {
        Decision d = m.op == Op::reserve  ? l.decide_reserve(m.id, m.amount)
                     : m.op == Op::commit ? l.decide_commit(m.id, m.amount)
                     : m.op == Op::release ? l.decide_release(m.id)
                                           : l.decide_set_budget(m.amount);
        if (!d.event) continue;
        const std::string rec = encode_record(++seq, *d.event);
        const std::size_t half = rec.size() / 2;
        if (::write(fd, rec.data(), half) != static_cast<ssize_t>(half)) ::_exit(4);
        std::this_thread::sleep_for(std::chrono::microseconds(20));  // most of the time is mid-record
        if (::write(fd, rec.data() + half, rec.size() - half) != static_cast<ssize_t>(rec.size() - half)) ::_exit(4);
        l.apply(*d.event);
      }
      ::_exit(0);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500 + timing.below(20'000)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << "the child failed";

    const ReplayResult r = replay(path);
    if (r.torn) ++torn;
    EXPECT_TRUE(r.ledger == prefix_with_events(kBudget, msgs, r.records)) << "trial " << trial;
    { JournaledLedger::open(path, FsyncPolicy::never).release(0); }  // truncates the tear, appends after it
    EXPECT_FALSE(replay(path).torn.has_value());
  }
  RecordProperty("torn_tails", torn);
  EXPECT_GT(torn, 0) << "no kill landed between the halves of a record";
}

}  // namespace
}  // namespace concord::ledger
