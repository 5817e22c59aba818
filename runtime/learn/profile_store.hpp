#pragma once
// The profile store: learned posteriors persisted in a SQLite file (`--profiles FILE`), keyed by
// (model id, subtask key), so that the next run of the same workflow starts informed.
// Schema (version kSchemaVersion; docs/learning.md):
//   concord_profile_store(key TEXT PRIMARY KEY, value TEXT)   -- ('format', 'concord.profiles'), ('schema_version', '1')
//   posteriors(model, subtask_key, <prior and sufficient statistics of ProfilePosterior::State>,
//              censored TEXT "bin:count;...", updated_unix_s, PRIMARY KEY (model, subtask_key))
//   promises(id INTEGER PRIMARY KEY, workflow TEXT, raw REAL, calibrated REAL, completed INTEGER, at_unix_s INTEGER)
//              -- every promise stated at a run's first decision, with the run's outcome
// Every error (not a SQLite file, a corrupt one, a SQLite database of another application, another
// schema version, a failed write) is a concord::InputError naming the file and the reason, never a
// crash. Doubles are stored as SQLite REAL (IEEE 754 binary64): a round trip is exact.
// Not thread-safe (one store per thread); SQLite's locking keeps several processes consistent.
#include <memory>
#include <string>
#include <vector>

#include "learn/posterior_table.hpp"

namespace concord::learn {

class ProfileStore {
 public:
  static constexpr int kSchemaVersion = 1;
  static constexpr const char* kFormat = "concord.profiles";

  /// Opens FILE, creating it (and the schema) when it does not exist or is an empty database.
  /// Throws InputError(path, ...) when it cannot be opened or is not a Concord profile store of
  /// this schema version.
  explicit ProfileStore(const std::string& path);
  ~ProfileStore();
  ProfileStore(const ProfileStore&) = delete;
  ProfileStore& operator=(const ProfileStore&) = delete;

  /// Every stored posterior. Throws InputError naming the file on a corrupt row or database.
  PosteriorTable load() const;
  /// Inserts or replaces every entry of `table`, in one transaction (all or nothing).
  void save(const PosteriorTable& table);

  /// One run's promise and outcome (the promise calibrator's history).
  struct PromiseRecord {
    std::string workflow;
    double raw = 0, calibrated = 0;
    bool completed = false;
    friend bool operator==(const PromiseRecord&, const PromiseRecord&) = default;
  };
  /// Appends one record.
  void record_promise(const PromiseRecord& r);
  /// Every record, oldest first.
  std::vector<PromiseRecord> load_promises() const;

  const std::string& path() const { return path_; }

 private:
  struct Db;
  std::string path_;
  std::unique_ptr<Db> db_;
};

}  // namespace concord::learn
