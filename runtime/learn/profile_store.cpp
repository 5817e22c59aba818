#include "learn/profile_store.hpp"

#include <charconv>
#include <chrono>
#include <string_view>

#include <sqlite3.h>

#include "model/input_error.hpp"

namespace concord::learn {

struct ProfileStore::Db {
  sqlite3* db = nullptr;
  ~Db() {
    if (db) sqlite3_close_v2(db);
  }
};

namespace {

constexpr const char* kColumns =
    "alpha0, beta0, m0, kappa0, a0, b0, tok_shape0, tok_rate0, successes, failures, lat_n, lat_sum, lat_sumsq, "
    "tok_n, tok_sum, n_finished, n_truncated, n_cancelled, censored";

constexpr const char* kCreate =
    "CREATE TABLE concord_profile_store(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE posteriors(model TEXT NOT NULL, subtask_key TEXT NOT NULL,"
    " alpha0 REAL NOT NULL, beta0 REAL NOT NULL, m0 REAL NOT NULL, kappa0 REAL NOT NULL, a0 REAL NOT NULL,"
    " b0 REAL NOT NULL, tok_shape0 REAL NOT NULL, tok_rate0 REAL NOT NULL, successes REAL NOT NULL,"
    " failures REAL NOT NULL, lat_n REAL NOT NULL, lat_sum REAL NOT NULL, lat_sumsq REAL NOT NULL,"
    " tok_n REAL NOT NULL, tok_sum REAL NOT NULL, n_finished INTEGER NOT NULL, n_truncated INTEGER NOT NULL,"
    " n_cancelled INTEGER NOT NULL, censored TEXT NOT NULL, updated_unix_s INTEGER NOT NULL,"
    " PRIMARY KEY (model, subtask_key));"
    "CREATE TABLE promises(id INTEGER PRIMARY KEY, workflow TEXT NOT NULL, raw REAL NOT NULL, calibrated REAL NOT NULL,"
    " completed INTEGER NOT NULL, at_unix_s INTEGER NOT NULL);";

class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql, const std::string& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) fail("reading");
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  /// true: a row; false: done.
  bool step(const char* what) {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(what);
  }
  void reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  sqlite3_stmt* get() { return st_; }
  [[noreturn]] void fail(const char* what) const {
    throw InputError(path_, "", std::string(what) + " the profile store failed: " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* st_ = nullptr;
};

void exec(sqlite3* db, const char* sql, const std::string& path, const char* what) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw InputError(path, "", std::string(what) + " failed: " + msg);
  }
}

std::string encode_censored(const std::map<int, std::int64_t>& c) {
  std::string out;
  for (const auto& [bin, count] : c) {
    if (!out.empty()) out += ';';
    out += std::to_string(bin) + ':' + std::to_string(count);
  }
  return out;
}

bool decode_censored(std::string_view text, std::map<int, std::int64_t>& out) {
  while (!text.empty()) {
    const auto semi = text.find(';');
    const std::string_view item = text.substr(0, semi);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos) return false;
    int bin = 0;
    std::int64_t count = 0;
    const auto a = std::from_chars(item.data(), item.data() + colon, bin);
    const auto b = std::from_chars(item.data() + colon + 1, item.data() + item.size(), count);
    if (a.ec != std::errc{} || a.ptr != item.data() + colon || b.ec != std::errc{} || b.ptr != item.data() + item.size() ||
        count < 0)
      return false;
    out[bin] += count;
    if (semi == std::string_view::npos) break;
    text.remove_prefix(semi + 1);
  }
  return true;
}

}  // namespace

ProfileStore::ProfileStore(const std::string& path) : path_(path), db_(std::make_unique<Db>()) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK)
    throw InputError(path, "", std::string("cannot open the profile store: ") +
                                   (db_->db ? sqlite3_errmsg(db_->db) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(db_->db, 5000);
  // Reading the catalogue is the first access to the file: a file that is not a SQLite database
  // fails here ("file is not a database").
  bool has_meta = false, has_posteriors = false, has_promises = false;
  int tables = 0;
  {
    Stmt st(db_->db, "SELECT name FROM sqlite_master WHERE type = 'table'", path_);
    while (st.step("reading")) {
      const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
      ++tables;
      has_meta = has_meta || name == "concord_profile_store";
      has_posteriors = has_posteriors || name == "posteriors";
      has_promises = has_promises || name == "promises";
    }
  }
  if (tables == 0) {
    exec(db_->db, "BEGIN IMMEDIATE", path_, "creating the profile store");
    const std::string create = std::string(kCreate) + "INSERT INTO concord_profile_store VALUES ('format', '" + kFormat +
                               "'), ('schema_version', '" + std::to_string(kSchemaVersion) + "');";
    try {
      exec(db_->db, create.c_str(), path_, "creating the profile store");
    } catch (...) {
      sqlite3_exec(db_->db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    exec(db_->db, "COMMIT", path_, "creating the profile store");
    return;
  }
  if (!has_meta)
    throw InputError(path, "", "not a Concord profile store: a SQLite database without a concord_profile_store table");
  std::string format, version;
  {
    Stmt st(db_->db, "SELECT key, value FROM concord_profile_store", path_);
    while (st.step("reading")) {
      const auto* k = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
      const auto* v = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1));
      if (!k || !v) continue;
      if (std::string_view(k) == "format") format = v;
      if (std::string_view(k) == "schema_version") version = v;
    }
  }
  if (format != kFormat)
    throw InputError(path, "concord_profile_store.format",
                     "not a Concord profile store (format \"" + format + "\", expected \"" + kFormat + "\")");
  if (version != std::to_string(kSchemaVersion))
    throw InputError(path, "concord_profile_store.schema_version",
                     "schema version " + (version.empty() ? std::string("(none)") : version) + ", this Concord reads version " +
                         std::to_string(kSchemaVersion));
  if (!has_posteriors) throw InputError(path, "posteriors", "corrupt profile store: the posteriors table is missing");
  if (!has_promises) throw InputError(path, "promises", "corrupt profile store: the promises table is missing");
}

ProfileStore::~ProfileStore() = default;

PosteriorTable ProfileStore::load() const {
  PosteriorTable table;
  Stmt st(db_->db, std::string("SELECT model, subtask_key, ") + kColumns + " FROM posteriors", path_);
  while (st.step("reading")) {
    sqlite3_stmt* s = st.get();
    const auto* model = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    const auto* key = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
    const auto* cens = reinterpret_cast<const char*>(sqlite3_column_text(s, 20));
    if (!model || !key || !cens) throw InputError(path_, "posteriors", "corrupt row: NULL model, subtask_key or censored");
    ProfilePosterior::State x;
    double* reals[] = {&x.alpha0, &x.beta0, &x.m0,    &x.kappa0,  &x.a0,      &x.b0,   &x.tok_shape0, &x.tok_rate0,
                       &x.successes, &x.failures, &x.lat_n, &x.lat_sum, &x.lat_sumsq, &x.tok_n, &x.tok_sum};
    for (int i = 0; i < 15; ++i) {
      if (sqlite3_column_type(s, 2 + i) != SQLITE_FLOAT && sqlite3_column_type(s, 2 + i) != SQLITE_INTEGER)
        throw InputError(path_, std::string("posteriors[") + model + ", " + key + "]", "corrupt row: a number is not a number");
      *reals[i] = sqlite3_column_double(s, 2 + i);
    }
    x.n_finished = sqlite3_column_int64(s, 17);
    x.n_truncated = sqlite3_column_int64(s, 18);
    x.n_cancelled = sqlite3_column_int64(s, 19);
    if (!decode_censored(cens, x.censored))
      throw InputError(path_, std::string("posteriors[") + model + ", " + key + "].censored", "corrupt histogram");
    const bool ok = x.alpha0 > 0 && x.beta0 > 0 && x.kappa0 > 0 && x.a0 > 0 && x.b0 >= 0 && x.tok_shape0 > 0 &&
                    x.tok_rate0 > 0 && x.successes >= 0 && x.failures >= 0 && x.lat_n >= 0 && x.tok_n >= 0 && x.tok_sum >= 0;
    if (!ok)
      throw InputError(path_, std::string("posteriors[") + model + ", " + key + "]",
                       "corrupt row: a prior parameter or count is out of range");
    table.put(model, key, ProfilePosterior::from_state(x));
  }
  return table;
}

void ProfileStore::save(const PosteriorTable& table) {
  exec(db_->db, "BEGIN IMMEDIATE", path_, "writing the profile store");
  try {
    Stmt st(db_->db,
            std::string("INSERT OR REPLACE INTO posteriors (model, subtask_key, ") + kColumns +
                ", updated_unix_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
                "?19, ?20, ?21, ?22)",
            path_);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (const auto& [k, post] : table.entries()) {
      const ProfilePosterior::State x = post.state();
      sqlite3_stmt* s = st.get();
      sqlite3_bind_text(s, 1, k.first.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(s, 2, k.second.c_str(), -1, SQLITE_TRANSIENT);
      const double reals[] = {x.alpha0, x.beta0, x.m0,    x.kappa0,  x.a0,      x.b0,   x.tok_shape0, x.tok_rate0,
                              x.successes, x.failures, x.lat_n, x.lat_sum, x.lat_sumsq, x.tok_n, x.tok_sum};
      for (int i = 0; i < 15; ++i) sqlite3_bind_double(s, 3 + i, reals[i]);
      sqlite3_bind_int64(s, 18, x.n_finished);
      sqlite3_bind_int64(s, 19, x.n_truncated);
      sqlite3_bind_int64(s, 20, x.n_cancelled);
      const std::string cens = encode_censored(x.censored);
      sqlite3_bind_text(s, 21, cens.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(s, 22, now);
      st.step("writing");
      st.reset();
    }
  } catch (...) {
    sqlite3_exec(db_->db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec(db_->db, "COMMIT", path_, "writing the profile store");
}

void ProfileStore::record_promise(const PromiseRecord& r) {
  Stmt st(db_->db, "INSERT INTO promises (workflow, raw, calibrated, completed, at_unix_s) VALUES (?1, ?2, ?3, ?4, ?5)", path_);
  sqlite3_bind_text(st.get(), 1, r.workflow.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(st.get(), 2, r.raw);
  sqlite3_bind_double(st.get(), 3, r.calibrated);
  sqlite3_bind_int(st.get(), 4, r.completed ? 1 : 0);
  sqlite3_bind_int64(st.get(), 5,
                     std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  st.step("writing");
}

std::vector<ProfileStore::PromiseRecord> ProfileStore::load_promises() const {
  std::vector<PromiseRecord> out;
  Stmt st(db_->db, "SELECT workflow, raw, calibrated, completed FROM promises ORDER BY id", path_);
  while (st.step("reading")) {
    const auto* w = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
    PromiseRecord r;
    r.workflow = w ? w : "";
    r.raw = sqlite3_column_double(st.get(), 1);
    r.calibrated = sqlite3_column_double(st.get(), 2);
    r.completed = sqlite3_column_int(st.get(), 3) != 0;
    if (!(r.raw >= 0 && r.raw <= 1 && r.calibrated >= 0 && r.calibrated <= 1))
      throw InputError(path_, "promises", "corrupt row: a probability outside [0, 1]");
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace concord::learn
