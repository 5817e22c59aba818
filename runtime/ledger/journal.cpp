#include "ledger/journal.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "chaos/fault_points.hpp"
#include "ledger/journal_record.hpp"

namespace concord::ledger {

namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void fsync_dir(const std::string& path) {
  const int dfd = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) throw JournalError(path, 0, errno_text("open parent directory"));
  const int rc = ::fsync(dfd);
  const int saved = errno;
  ::close(dfd);
  errno = saved;
  if (rc != 0) throw JournalError(path, 0, errno_text("fsync parent directory"));
}

/// One writer per journal: an exclusive advisory lock for the writer's lifetime
/// (released by the kernel when the fd closes, including on kill -9).
void lock_exclusive(int fd, const std::string& path) {
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    throw JournalError(path, 0, errno == EWOULDBLOCK ? "journal is open for writing by another process or object"
                                                     : errno_text("flock"));
  }
}

}  // namespace

JournalError::JournalError(std::string path, std::uint64_t offset, std::string reason)
    : std::runtime_error(path + ": byte " + std::to_string(offset) + ": " + reason),
      path_(std::move(path)),
      offset_(offset),
      reason_(std::move(reason)) {}

// ---------------------------------------------------------------- replay

ReplayResult replay_bytes(std::string_view data, const std::string& name) {
  const std::size_t header_end = data.find('\n');
  if (header_end == std::string_view::npos) {
    throw JournalError(name, 0, data.empty() ? "empty file: no journal header" : "torn journal header");
  }
  JournalLine line;
  if (auto err = decode_line(data.substr(0, header_end), line)) throw JournalError(name, 0, "header: " + *err);
  if (!line.budget) throw JournalError(name, 0, "first line is not a journal header");
  if (*line.budget > kMaxBudget) throw JournalError(name, 0, "header: budget above the maximum");

  ReplayResult out{Ledger(*line.budget), 0, 0, std::nullopt};
  std::size_t pos = header_end + 1;
  while (pos < data.size()) {
    const std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {  // an incomplete last record: the crash tore its write
      out.torn = TornTail{pos, data.size() - pos};
      break;
    }
    const std::uint64_t expected = out.records + 1;
    const std::string where = "record " + std::to_string(expected) + ": ";
    if (auto err = decode_line(data.substr(pos, nl - pos), line)) throw JournalError(name, pos, where + *err);
    if (!line.event) throw JournalError(name, pos, where + "a second header");
    if (line.seq != expected) {
      throw JournalError(name, pos, where + "sequence number " + std::to_string(line.seq) + ", expected " +
                                        std::to_string(expected) + " (a record is missing or repeated)");
    }
    if (auto err = out.ledger.apply(*line.event)) throw JournalError(name, pos, where + "does not apply: " + *err);
    ++out.records;
    pos = nl + 1;
  }
  out.valid_bytes = out.torn ? out.torn->offset : data.size();
  return out;
}

ReplayResult replay(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw JournalError(path, 0, errno_text("cannot open"));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw JournalError(path, 0, "read error");
  return replay_bytes(buf.str(), path);
}

// ---------------------------------------------------------------- writer

JournalWriter::JournalWriter(std::string path, int fd, FsyncPolicy policy, std::uint64_t next_seq, std::uint64_t bytes)
    : path_(std::move(path)), fd_(fd), policy_(policy), next_seq_(next_seq), bytes_(bytes) {}

JournalWriter::JournalWriter(JournalWriter&& o) noexcept
    : path_(std::move(o.path_)),
      fd_(std::exchange(o.fd_, -1)),
      policy_(o.policy_),
      next_seq_(o.next_seq_),
      bytes_(o.bytes_),
      failed_(o.failed_) {}

JournalWriter& JournalWriter::operator=(JournalWriter&& o) noexcept {
  if (this != &o) {
    close_fd();
    path_ = std::move(o.path_);
    fd_ = std::exchange(o.fd_, -1);
    policy_ = o.policy_;
    next_seq_ = o.next_seq_;
    bytes_ = o.bytes_;
    failed_ = o.failed_;
  }
  return *this;
}

JournalWriter::~JournalWriter() { close_fd(); }

void JournalWriter::close_fd() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

JournalWriter JournalWriter::create(const std::string& path, Money budget, FsyncPolicy policy) {
  if (budget < 0 || budget > kMaxBudget) throw JournalError(path, 0, "budget out of range");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw JournalError(path, 0, errno_text("cannot create"));
  JournalWriter w(path, fd, policy, 1, 0);
  lock_exclusive(fd, path);
  w.write_all(encode_header(budget));
  if (::fsync(fd) != 0) throw JournalError(path, 0, errno_text("fsync"));
  fsync_dir(path);
  return w;
}

JournalWriter JournalWriter::reopen(const std::string& path, const ReplayResult& state, FsyncPolicy policy) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) throw JournalError(path, 0, errno_text("cannot open for append"));
  JournalWriter w(path, fd, policy, state.records + 1, state.valid_bytes);
  lock_exclusive(fd, path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw JournalError(path, 0, errno_text("fstat"));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t expected = state.valid_bytes + (state.torn ? state.torn->bytes : 0);
  if (size != expected) {
    throw JournalError(path, size, "file changed since replay (size " + std::to_string(size) + ", replayed " +
                                       std::to_string(expected) + ")");
  }
  if (state.torn) {  // drop the torn record, durably, before anything follows it
    if (::ftruncate(fd, static_cast<off_t>(state.valid_bytes)) != 0) {
      throw JournalError(path, state.valid_bytes, errno_text("truncate torn tail"));
    }
    if (::fsync(fd) != 0) throw JournalError(path, state.valid_bytes, errno_text("fsync"));
  }
  return w;
}

void JournalWriter::write_all(std::string_view data) {
  if (failed_) throw JournalError(path_, bytes_, "journal writer failed earlier; reopen the journal");
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      failed_ = true;
      throw JournalError(path_, bytes_, errno_text("write"));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
    bytes_ += static_cast<std::uint64_t>(n);
  }
}

void JournalWriter::append(const Event& e) {
  write_all(encode_record(next_seq_, e));
  if (policy_ == FsyncPolicy::every_record && ::fdatasync(fd_) != 0) {
    failed_ = true;  // the record may or may not be durable: only a replay can tell
    throw JournalError(path_, bytes_, errno_text("fdatasync"));
  }
  ++next_seq_;
}

void JournalWriter::sync() {
  if (failed_) throw JournalError(path_, bytes_, "journal writer failed earlier; reopen the journal");
  if (chaos::buggify(chaos::FaultPoint::journal_fdatasync)) {  // fault injection (tests, chaos) only
    failed_ = true;
    throw JournalError(path_, bytes_, "fdatasync: injected failure (chaos fault point journal_fdatasync)");
  }
  if (::fdatasync(fd_) != 0) {
    failed_ = true;
    throw JournalError(path_, bytes_, errno_text("fdatasync"));
  }
}

}  // namespace concord::ledger
