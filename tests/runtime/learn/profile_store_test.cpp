// The SQLite profile store (runtime/learn/profile_store.hpp): round trip, upsert, and clear errors
// naming the file on a corrupt file, a foreign database and another schema version.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <sqlite3.h>

#include "learn/profile_store.hpp"
#include "model/input_error.hpp"

namespace concord::learn {
namespace {

namespace fs = std::filesystem;

class ProfileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("concord_profile_store_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  static void sql(const std::string& path, const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
  }
  /// The message of the InputError opening (and loading) `path` throws; "" if none.
  static std::string open_error(const std::string& path) {
    try {
      ProfileStore s(path);
      (void)s.load();
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

PosteriorTable sample_table() {
  PosteriorTable t;
  ParametricProfile file;
  file.p_success = 0.6;
  file.latency_mean_s = 4;
  file.latency_std_s = 2;
  file.output_tokens_mean = 321;
  auto a = ProfilePosterior::from_prior(file, ModelPrior{});
  a.update({SampleEnd::finished, true, 3.25, 300});
  a.update({SampleEnd::cancelled, false, 1.5, 0});
  a.update({SampleEnd::truncated, false, 7.0, 500});
  t.put("gpt-x", "prove lemma 1", a);
  auto b = ProfilePosterior::from_prior(std::nullopt, default_model_prior(4096));
  b.update({SampleEnd::finished, false, 0.123456789012345, 17});
  t.put("small 'quoted' model", "s2", b);
  return t;
}

TEST_F(ProfileStoreTest, RoundTripIsExact) {
  const PosteriorTable t = sample_table();
  {
    ProfileStore s(file("p.db"));
    EXPECT_EQ(s.load().size(), 0u);  // created empty
    s.save(t);
  }
  ProfileStore s(file("p.db"));
  const PosteriorTable back = s.load();
  ASSERT_EQ(back.size(), t.size());
  for (const auto& [k, v] : t.entries()) {
    const ProfilePosterior* p = back.find(k.first, k.second);
    ASSERT_NE(p, nullptr) << k.first << " / " << k.second;
    EXPECT_EQ(p->state(), v.state());
  }
}

TEST_F(ProfileStoreTest, PromisesAreRecordedInOrder) {
  const std::vector<ProfileStore::PromiseRecord> recs = {{"wf a", 0.25, 0.3, true}, {"wf b", 0.875, 0.8, false}};
  {
    ProfileStore s(file("p.db"));
    for (const auto& r : recs) s.record_promise(r);
  }
  EXPECT_EQ(ProfileStore(file("p.db")).load_promises(), recs);
}

TEST_F(ProfileStoreTest, SaveUpsertsByModelAndSubtaskKey) {
  PosteriorTable t = sample_table();
  ProfileStore s(file("p.db"));
  s.save(t);
  t.find("gpt-x", "prove lemma 1")->update({SampleEnd::finished, true, 2, 250});
  s.save(t);
  const PosteriorTable back = s.load();
  EXPECT_EQ(back.size(), 2u);
  EXPECT_EQ(back.find("gpt-x", "prove lemma 1")->finished(), 2);
}

TEST_F(ProfileStoreTest, ACorruptFileIsAnErrorNamingTheFile) {
  const std::string path = file("garbage.db");
  std::ofstream(path) << "this is not a SQLite database, just some text that is long enough to have a header............";
  const std::string msg = open_error(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a database"), std::string::npos) << msg;
}

TEST_F(ProfileStoreTest, ACorruptRowIsAnErrorNamingTheFile) {
  const std::string path = file("p.db");
  { ProfileStore(path).save(sample_table()); }
  sql(path, "UPDATE posteriors SET censored = 'x:y' WHERE model = 'gpt-x'");
  const std::string msg = open_error(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("corrupt"), std::string::npos) << msg;
}

TEST_F(ProfileStoreTest, AForeignDatabaseIsRefused) {
  const std::string path = file("other.db");
  sql(path, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)");
  const std::string msg = open_error(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a Concord profile store"), std::string::npos) << msg;
}

TEST_F(ProfileStoreTest, AnotherSchemaVersionIsRefused) {
  const std::string path = file("p.db");
  { ProfileStore(path).save(sample_table()); }
  sql(path, "UPDATE concord_profile_store SET value = '2' WHERE key = 'schema_version'");
  const std::string msg = open_error(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("schema version 2"), std::string::npos) << msg;
}

TEST_F(ProfileStoreTest, AnUnwritableLocationIsAnErrorNamingTheFile) {
  const std::string path = file("no/such/dir/p.db");
  const std::string msg = open_error(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

}  // namespace
}  // namespace concord::learn
