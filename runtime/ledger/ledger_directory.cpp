#include "ledger/ledger_directory.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <unistd.h>

namespace concord::ledger {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "workflow-";
constexpr const char* kLive = ".journal";
constexpr const char* kSettled = ".settled";

/// "workflow-<id><suffix>" -> id (> 0, decimal without sign or leading zero), else nullopt.
std::optional<std::uint64_t> id_of(const std::string& name, const std::string& suffix) {
  const std::string prefix = kPrefix;
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.size() > 19 || digits.front() == '0' || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoull(digits);
}

void fsync_directory(const std::string& dir, const std::string& for_path) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw JournalError(for_path, 0, std::string("open data directory: ") + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) throw JournalError(for_path, 0, std::string("fsync data directory: ") + std::strerror(saved));
}

}  // namespace

LedgerDirectory::LedgerDirectory(std::string dir) : dir_(std::move(dir)) {
  if (dir_.empty()) throw DataDirError("(empty path): a data directory is needed");
  std::error_code ec;
  if (fs::exists(dir_, ec) && !fs::is_directory(dir_, ec)) throw DataDirError(dir_ + ": exists and is not a directory");
  fs::create_directories(dir_, ec);
  if (ec) throw DataDirError(dir_ + ": cannot create: " + ec.message());
  const std::string lock = (fs::path(dir_) / "LOCK").string();
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw DataDirError(dir_ + ": cannot create " + lock + ": " + std::strerror(errno) + " (is it writable?)");
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw DataDirError(dir_ + (saved == EWOULDBLOCK ? ": in use by another process (" + lock + " is locked)"
                                                    : ": cannot lock " + lock + ": " + std::strerror(saved)));
  }
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (auto id = id_of(name, kLive)) {
      live_.push_back(*id);
      max_id_ = std::max(max_id_, *id);
    } else if (auto sid = id_of(name, kSettled)) {
      max_id_ = std::max(max_id_, *sid);
    }
  }
  if (ec) {
    ::close(lock_fd_);
    throw DataDirError(dir_ + ": cannot list: " + ec.message());
  }
  std::sort(live_.begin(), live_.end());
}

LedgerDirectory::~LedgerDirectory() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // drops the lock
}

std::string LedgerDirectory::live_path(std::uint64_t workflow) const {
  return (fs::path(dir_) / (kPrefix + std::to_string(workflow) + kLive)).string();
}
std::string LedgerDirectory::settled_path(std::uint64_t workflow) const {
  return (fs::path(dir_) / (kPrefix + std::to_string(workflow) + kSettled)).string();
}

std::pair<std::size_t, Money> charge_in_flight_at_worst_case(JournaledLedger& book) {
  std::size_t n = 0;
  Money total = 0;
  for (const Reservation& r : book.ledger().snapshot()) {
    if (r.state != ReservationState::reserved) continue;
    const Answer a = book.commit(r.id, r.amount);  // the full reserved amount: the worst case
    if (a.code != Code::committed) throw JournalError(book.path(), 0, "charging reservation " + std::to_string(r.id) + " failed: " + std::string(to_string(a.code)));
    ++n;
    total += r.amount;  // <= budget <= kMaxBudget: no overflow
  }
  return {n, total};
}

Recovery LedgerDirectory::recover() const {
  Recovery out;
  for (std::uint64_t id : live_) {
    const std::string path = live_path(id);
    std::error_code ec;
    if (!fs::exists(path, ec) && !ec) continue;  // settled by an earlier recover() of this object
    try {
      RecoveredLedger r;
      r.workflow = id;
      {
        JournaledLedger book = JournaledLedger::open(path, FsyncPolicy::never);
        r.records = book.records();
        r.torn = book.torn_tail();
        std::tie(r.in_flight, r.in_flight_charged) = charge_in_flight_at_worst_case(book);
        book.sync();  // the charges are durable before the file says "settled"
        r.budget = book.ledger().budget();
        r.committed = book.ledger().committed();
      }  // closed (and unlocked) before the rename
      mark_settled(id);
      r.path = settled_path(id);
      out.recovered.push_back(std::move(r));
    } catch (const std::exception& e) {  // JournalError (corrupt, I/O, locked), or a budget the ledger refuses
      out.skipped.push_back(SkippedJournal{path, e.what()});
    }
  }
  return out;
}

JournaledLedger LedgerDirectory::create(std::uint64_t workflow, Money budget) const {
  return JournaledLedger::create(live_path(workflow), budget, FsyncPolicy::never);
}

void LedgerDirectory::mark_settled(std::uint64_t workflow) const {
  const std::string from = live_path(workflow), to = settled_path(workflow);
  if (::rename(from.c_str(), to.c_str()) != 0) throw JournalError(from, 0, std::string("rename to .settled: ") + std::strerror(errno));
  fsync_directory(dir_, to);
}

}  // namespace concord::ledger
