// A node's --data-dir (ledger/ledger_directory.hpp): the restart rule (every reservation in flight
// committed at its full amount, journaled, so a second replay charges nothing again), corrupt
// journals skipped with their path and reason, the directory lock, and ids never reused.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ledger/journal.hpp"
#include "ledger/ledger_directory.hpp"

namespace concord::ledger {
namespace {

namespace fs = std::filesystem;

class DataDir : public ::testing::Test {
 protected:
  DataDir() {
    std::string tmpl = (fs::temp_directory_path() / "concord-datadir-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
    dir_ = (root_ / "data").string();
  }
  ~DataDir() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  fs::path root_;
  std::string dir_;
};

TEST_F(DataDir, RestartChargesEveryReservationInFlightAtItsFullAmountOnce) {
  {
    LedgerDirectory d(dir_);
    EXPECT_TRUE(d.recover().recovered.empty());
    JournaledLedger a = d.create(1, 1000);
    ASSERT_TRUE(a.reserve(10, 100).ok());
    ASSERT_TRUE(a.commit(10, 40).ok());                                   // settled: 40
    ASSERT_TRUE(a.reserve_all(std::vector<ReservationId>{11, 12, 13}, 200).ok());  // in flight: 3 x 200
    ASSERT_TRUE(a.commit(12, 0).ok());                                    // settled: 0 (never ran)
    ASSERT_TRUE(a.release(13).ok());                                      // released: nothing charged
    EXPECT_EQ(a.ledger().reserved(), 200);
    JournaledLedger b = d.create(2, 500);                                 // nothing in flight
    ASSERT_TRUE(b.reserve(1, 50).ok());
    ASSERT_TRUE(b.commit(1, 50).ok());
  }  // the "crash": closed without sync or end
  LedgerDirectory d(dir_);
  EXPECT_EQ(d.max_workflow_id(), 2u);
  const Recovery r = d.recover();
  EXPECT_TRUE(r.skipped.empty());
  ASSERT_EQ(r.recovered.size(), 2u);
  const RecoveredLedger& a = r.recovered[0];
  EXPECT_EQ(a.workflow, 1u);
  EXPECT_EQ(a.budget, 1000);
  EXPECT_EQ(a.in_flight, 1u);             // id 11
  EXPECT_EQ(a.in_flight_charged, 200);
  EXPECT_EQ(a.committed, 40 + 0 + 200);   // settled costs + the worst case of what was in flight
  EXPECT_EQ(a.path, d.settled_path(1));
  EXPECT_EQ(r.recovered[1].committed, 50);
  EXPECT_EQ(r.recovered[1].in_flight, 0u);
  EXPECT_FALSE(fs::exists(d.live_path(1)));
  // The charge is in the journal: replaying it again gives the same totals and nothing open.
  const ReplayResult again = replay(d.settled_path(1));
  EXPECT_EQ(again.ledger.committed(), 240);
  EXPECT_EQ(again.ledger.reserved(), 0);
  EXPECT_EQ(again.ledger.find(11)->charged, 200);
  EXPECT_TRUE(again.ledger.audit());
  const Recovery second = d.recover();
  EXPECT_TRUE(second.recovered.empty()) << "settled journals are never replayed as live";
  EXPECT_TRUE(second.skipped.empty());
}

TEST_F(DataDir, ACrashAfterTheChargeBeforeTheRenameChargesNothingTwice) {
  {
    LedgerDirectory d(dir_);
    JournaledLedger a = d.create(7, 1000);
    ASSERT_TRUE(a.reserve(1, 300).ok());
    ASSERT_TRUE(a.reserve(2, 100).ok());
    ASSERT_TRUE(a.commit(2, 60).ok());
    // The restart rule ran (and was journaled), then the node died before marking it settled.
    EXPECT_EQ(charge_in_flight_at_worst_case(a), (std::pair<std::size_t, Money>{1, 300}));
  }
  LedgerDirectory d(dir_);
  const Recovery r = d.recover();
  ASSERT_EQ(r.recovered.size(), 1u);
  EXPECT_EQ(r.recovered[0].in_flight, 0u);
  EXPECT_EQ(r.recovered[0].committed, 360);
}

TEST_F(DataDir, ACorruptJournalIsSkippedWithItsPathAndReasonAndItsIdIsNotReused) {
  {
    LedgerDirectory d(dir_);
    JournaledLedger a = d.create(3, 1000);
    ASSERT_TRUE(a.reserve(1, 300).ok());
  }
  std::ofstream(fs::path(dir_) / "workflow-9.journal") << "this is not a journal\n";
  std::ofstream(fs::path(dir_) / "notes.txt") << "ignored\n";
  LedgerDirectory d(dir_);
  EXPECT_EQ(d.max_workflow_id(), 9u);
  const Recovery r = d.recover();
  ASSERT_EQ(r.recovered.size(), 1u);
  EXPECT_EQ(r.recovered[0].committed, 300);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].path, d.live_path(9));
  EXPECT_NE(r.skipped[0].reason.find("workflow-9.journal"), std::string::npos) << r.skipped[0].reason;
  EXPECT_NE(r.skipped[0].reason.find("header"), std::string::npos) << r.skipped[0].reason;
  EXPECT_TRUE(fs::exists(d.live_path(9))) << "left for the operator";
}

TEST_F(DataDir, OneNodeAtATimeAndAFileIsNotADirectory) {
  LedgerDirectory d(dir_);
  try {
    LedgerDirectory second(dir_);
    FAIL() << "a second user of the directory was accepted";
  } catch (const DataDirError& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another process"), std::string::npos) << e.what();
  }
  std::ofstream(root_ / "file") << "x";
  try {
    LedgerDirectory f((root_ / "file").string());
    FAIL() << "a file was accepted as a data directory";
  } catch (const DataDirError& e) {
    EXPECT_NE(std::string(e.what()).find("not a directory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace concord::ledger
