// Query features of the replay router (route/prompt_text, tfidf, random_projection,
// query_featurizer): prompts are decoded before tokenising, a shared few-shot prefix
// weighs nothing, any number of datasets gets its own one-hot slot, and everything
// learned comes from the training texts only.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "eval/routerbench.hpp"
#include "route/features.hpp"
#include "route/prompt_text.hpp"
#include "route/query_featurizer.hpp"
#include "test_support.hpp"

namespace {

using namespace concord::route;

double cosine(const double* a, const double* b, std::size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < n; ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

/// The replay context before issue 16: a signed hashed bag of words of the raw prompt (24 buckets).
std::vector<double> old_bag_of_words(const std::string& prompt) {
  std::vector<double> bow(24, 0.0);
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    const std::uint64_t h = stable_hash(word);
    bow[h % 24] += ((h >> 63) != 0u) ? -1.0 : 1.0;
    word.clear();
  };
  for (unsigned char c : prompt) {
    if (std::isalnum(c)) word.push_back(static_cast<char>(std::tolower(c)));
    else flush();
  }
  flush();
  return bow;
}

TEST(RoutePromptText, PythonListLiteralsAreDecodedBeforeTokenising) {
  EXPECT_EQ(decode_prompt(R"(['Answer:\nprint(x)\tdone'])"), "Answer:\nprint(x)\tdone");
  EXPECT_EQ(decode_prompt(R"(["it's", 'two'])"), "it's\ntwo");
  EXPECT_EQ(decode_prompt(R"(['caf\u00e9 \x41 \\n \'q\''])"), "caf\xC3\xA9 A \\n 'q'");
  EXPECT_EQ(decode_prompt("plain text, not a list"), "plain text, not a list");
  EXPECT_EQ(decode_prompt("['unterminated"), "['unterminated");
  EXPECT_EQ(decode_prompt("['a'] trailing"), "['a'] trailing");
  const auto ws = words(decode_prompt(R"(['Answer:\nprint(x)'])"));
  EXPECT_EQ(ws, (std::vector<std::string>{"answer", "print", "x"}));  // not "nprint"
}

TEST(RouteTfIdf, ATermInEveryTrainingTextWeighsZeroAndAnUnseenTermToo) {
  const std::vector<std::string> corpus = {"shared words alpha", "shared words beta", "shared words gamma"};
  const HashedTfIdf t = HashedTfIdf::fit(corpus, TfIdfConfig{});
  for (std::uint32_t b : t.term_buckets("shared words")) EXPECT_EQ(t.idf(b), 0.0);
  EXPECT_TRUE(t.weights("shared words").empty());
  EXPECT_TRUE(t.weights("zzzqqq").empty());  // never seen in training: nothing learned from it
  EXPECT_FALSE(t.weights("shared alpha").empty());
}

TEST(RouteQueryFeaturizer, QueriesThatDifferOnlyAfterASharedFewShotPrefixAreFarApart) {
  std::string prefix;
  for (int i = 0; i < 40; ++i) prefix += "Which of these is a mammal? A) shark B) whale C) trout D) eel\\nAnswer:\\nB\\n\\n";
  const std::vector<std::string> questions = {
      "Which gas do plants absorb from the air?", "What force pulls objects toward the ground?",
      "Write a function to sort a list of integers.", "Which planet is closest to the sun?",
      "What is the boiling point of water at sea level?", "Which organ pumps blood through the body?"};
  std::vector<std::string> prompts;
  for (const auto& q : questions) prompts.push_back("['" + prefix + q + "']");
  std::vector<QueryText> train;
  for (const auto& p : prompts) train.push_back({"arc", p});
  const std::vector<std::string> ds = {"arc"};
  const QueryFeaturizer f = QueryFeaturizer::fit(train, ds, QueryFeaturizerConfig{});
  const std::size_t off = f.projection_offset(), k = f.dim() - off;
  const std::string a = "['" + prefix + "Write a function to sort a list of integers.']";
  const std::string b = "['" + prefix + "Which gas do plants absorb from the air?']";
  const auto xa = f.features({"arc", a}), xb = f.features({"arc", b});
  const double now = cosine(xa.data() + off, xb.data() + off, k);
  const auto oa = old_bag_of_words(a), ob = old_bag_of_words(b);
  const double before = cosine(oa.data(), ob.data(), oa.size());
  std::printf("cosine after a shared prefix: %.3f (old bag of words: %.3f)\n", now, before);
  EXPECT_GT(before, 0.95) << "the old bag of words saw the prefix";
  EXPECT_LT(now, 0.5) << "before " << before;
  EXPECT_NEAR(cosine(xa.data() + off, xa.data() + off, k), 1.0, 1e-12);
}

TEST(RouteQueryFeaturizer, OnRouterBenchTestQueriesTheTextFeaturesOfTwoQueriesAreNoLongerAlike) {
  const auto train = load_routerbench(concord::testing::datasets_dir(), "train");
  const auto test = load_routerbench(concord::testing::datasets_dir(), "test");
  std::vector<QueryText> texts;
  std::vector<std::string> ds;
  for (const auto& q : train.queries) texts.push_back({q.dataset, q.prompt}), ds.push_back(q.dataset);
  const QueryFeaturizer f = QueryFeaturizer::fit(texts, ds, QueryFeaturizerConfig{});
  const std::size_t off = f.projection_offset(), k = f.dim() - off;
  double now = 0, before = 0;
  std::size_t pairs = 0;
  for (std::size_t i = 0; i + 1 < test.queries.size(); i += 2) {
    const auto& qa = test.queries[i];
    const auto& qb = test.queries[i + 1];
    if (qa.dataset != "arc-challenge" || qb.dataset != "arc-challenge") continue;
    const auto xa = f.features({qa.dataset, qa.prompt}), xb = f.features({qb.dataset, qb.prompt});
    now += cosine(xa.data() + off, xb.data() + off, k);
    const auto oa = old_bag_of_words(qa.prompt), ob = old_bag_of_words(qb.prompt);
    before += cosine(oa.data(), ob.data(), oa.size());
    ++pairs;
  }
  ASSERT_GT(pairs, 100u);
  std::printf("mean cosine over %zu pairs of ARC test queries: %.3f (old bag of words: %.3f)\n", pairs, now / pairs,
              before / pairs);
  EXPECT_GT(before / pairs, 0.95);  // the issue's diagnosis: every few-shot query looked the same
  EXPECT_LT(now / pairs, 0.5) << "mean cosine over " << pairs << " pairs of ARC test queries";
}

TEST(RouteQueryFeaturizer, EveryTrainingDatasetHasItsOwnOneHotSlotAndAnUnseenOneNone) {
  const std::vector<std::string> prompts = {"['alpha beta']", "['gamma delta']", "['epsilon zeta']"};
  const std::vector<std::string> ds = {"gsm8k", "hellaswag", "mmlu"};
  std::vector<QueryText> train;
  for (std::size_t i = 0; i < 3; ++i) train.push_back({ds[i], prompts[i]});
  const QueryFeaturizer f = QueryFeaturizer::fit(train, ds, QueryFeaturizerConfig{});
  ASSERT_EQ(f.datasets(), ds);
  EXPECT_EQ(f.dim(), 2 + 3 + QueryFeaturizerConfig{}.projection_dim);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto x = f.features({ds[i], "['alpha']"});
    EXPECT_EQ(x[0], 1.0);
    for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(x[1 + j], i == j ? 1.0 : 0.0) << ds[i] << " slot " << j;
  }
  const auto unseen = f.features({"mbpp", "['alpha']"});
  for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(unseen[1 + j], 0.0);
}

TEST(RouteQueryFeaturizer, TheFitDependsOnlyOnTheTrainingTextsAndTheSeed) {
  const std::vector<std::string> prompts = {"['alpha beta']", "['gamma delta']", "['alpha zeta']"};
  const std::vector<std::string> ds = {"a", "b", "a"};
  std::vector<QueryText> train;
  for (std::size_t i = 0; i < 3; ++i) train.push_back({ds[i], prompts[i]});
  const QueryFeaturizer f1 = QueryFeaturizer::fit(train, ds, QueryFeaturizerConfig{});
  const QueryFeaturizer f2 = QueryFeaturizer::fit(train, ds, QueryFeaturizerConfig{});
  EXPECT_EQ(f1.fingerprint(), f2.fingerprint());
  const std::uint64_t before = f1.fingerprint();
  (void)f1.features({"a", "['something new, only a test query has it']"});  // const: cannot learn from it
  EXPECT_EQ(f1.fingerprint(), before);
  train.pop_back();
  EXPECT_NE(QueryFeaturizer::fit(train, ds, QueryFeaturizerConfig{}).fingerprint(), before);
}

}  // namespace
