#pragma once
// Durability of the ledger (DESIGN.md §6): an append-only journal file, one
// line per state-changing event (ledger/journal_record.hpp), and its replay.
//
// Crash model: the process may die at any instant (kill -9, power loss with
// FsyncPolicy::every_record). Each record goes out in one write(), so a crash
// leaves at most one incomplete record, at the end, without its '\n': replay
// ignores it and reports it as a torn tail (JournalWriter::reopen truncates it
// before appending). Everything else must be intact: a bad record followed by
// more data, a checksum mismatch on a complete line, a gap in sequence numbers
// or a record that does not apply to the replayed state is corruption, and
// replay throws a JournalError naming the file, the byte offset and the reason.
//
// POSIX (open/write/fdatasync/ftruncate); no other dependency.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ledger/ledger.hpp"

namespace concord::ledger {

/// When records reach the disk.
enum class FsyncPolicy : std::uint8_t {
  every_record,  // fdatasync after each record: survives power loss; ~a disk flush per operation
  never,         // the OS decides: survives kill -9 of the process (page cache), not power loss;
                 // with explicit sync() calls: group commit (the ledger actor's policy, docs/ledger.md)
};

/// I/O failure or a corrupt journal. what() = "<path>: byte <offset>: <reason>".
class JournalError : public std::runtime_error {
 public:
  JournalError(std::string path, std::uint64_t offset, std::string reason);
  const std::string& path() const { return path_; }
  std::uint64_t offset() const { return offset_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string path_;
  std::uint64_t offset_;
  std::string reason_;
};

/// An incomplete last record that replay ignored.
struct TornTail {
  std::uint64_t offset = 0;  // where it starts (== ReplayResult::valid_bytes)
  std::uint64_t bytes = 0;   // its length
};

struct ReplayResult {
  Ledger ledger;
  std::uint64_t records = 0;      // records applied (the header excluded)
  std::uint64_t valid_bytes = 0;  // length of the intact prefix (header + records)
  std::optional<TornTail> torn;   // set when a torn last record was ignored
};

/// Rebuilds the ledger a journal describes. Throws JournalError on I/O errors,
/// a missing/torn header, or corruption anywhere but a torn last record.
ReplayResult replay(const std::string& path);
/// Same, over bytes already in memory; `name` is used in errors.
ReplayResult replay_bytes(std::string_view bytes, const std::string& name);

/// Appends records to one journal file. Move-only; closes the file on destruction.
/// Holds an exclusive flock on the file: a second writer (another process, or
/// another JournalWriter in this one) is refused with a JournalError.
/// After a failed write the writer is poisoned (every later append throws):
/// a partial record may be on disk, and only reopen() (which truncates it) may
/// continue the file.
class JournalWriter {
 public:
  /// Creates a new journal (fails if `path` exists) with its header, fsynced
  /// with its directory entry whatever the policy.
  static JournalWriter create(const std::string& path, Money budget, FsyncPolicy policy);
  /// Continues an existing journal after replay(path) returned `state`:
  /// truncates a torn tail (fsynced) and numbers on from state.records + 1.
  static JournalWriter reopen(const std::string& path, const ReplayResult& state, FsyncPolicy policy);

  JournalWriter(JournalWriter&& other) noexcept;
  JournalWriter& operator=(JournalWriter&& other) noexcept;
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;
  ~JournalWriter();

  /// Writes one record (one write() call; fdatasync per policy). Throws JournalError.
  void append(const Event& e);
  /// Makes every record written so far durable (one fdatasync), whatever the policy: group
  /// commit. Throws JournalError (and poisons the writer: which records are durable is unknown).
  void sync();

  const std::string& path() const { return path_; }
  std::uint64_t records() const { return next_seq_ - 1; }
  std::uint64_t bytes() const { return bytes_; }
  FsyncPolicy policy() const { return policy_; }

 private:
  JournalWriter(std::string path, int fd, FsyncPolicy policy, std::uint64_t next_seq, std::uint64_t bytes);
  void write_all(std::string_view data);
  void close_fd() noexcept;

  std::string path_;
  int fd_ = -1;
  FsyncPolicy policy_ = FsyncPolicy::never;
  std::uint64_t next_seq_ = 1;
  std::uint64_t bytes_ = 0;
  bool failed_ = false;
};

}  // namespace concord::ledger
