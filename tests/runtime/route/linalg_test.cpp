// The fast paths of LinUCB (issue 16: select + update <= 2 us) compute exactly what the
// plain loops they replaced computed: the column-blocked products, the rank-1 update
// fused with theta = A^-1 b, the lower-triangle-only A, the scores of several candidates
// computed together, and the A^-1 x of the picked candidate reused by the update.
// Checked bit for bit against a reference model written here with the plain loops (the
// LinUcbModel and Cholesky inversion of before the change), after 10 000 updates, and at
// the selector level against a selector that never reuses anything.
//
// Bit for bit where floating-point contraction cannot differ between the two codes
// (x86-64 without FMA in the build, the project's default); within 1e-9 elsewhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "route/linalg.hpp"
#include "route/linucb.hpp"
#include "route/selector.hpp"
#include "sim/rng.hpp"

namespace {

using namespace concord;
using namespace concord::route;

#if defined(__x86_64__) && !defined(__FMA__)
constexpr bool kBitExact = true;
#else
constexpr bool kBitExact = false;
#endif

void expect_same_values(std::span<const double> got, std::span<const double> want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  std::size_t differ = 0, first = got.size();
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const bool same = kBitExact ? std::memcmp(&got[i], &want[i], sizeof(double)) == 0
                                : std::fabs(got[i] - want[i]) <= 1e-9 * std::max(1.0, std::fabs(want[i]));
    if (!same) {
      ++differ;
      first = std::min(first, i);
      worst = std::fmax(worst, std::fabs(got[i] - want[i]));
    }
  }
  EXPECT_EQ(differ, 0u) << what << ": " << differ << " of " << got.size() << " entries differ, first at " << first
                        << " (largest difference " << worst << ")";
}

void expect_same_value(double got, double want, const char* what) {
  expect_same_values(std::span<const double>(&got, 1), std::span<const double>(&want, 1), what);
}

// ---- The reference: LinUcbModel as it was before the fast paths, with plain loops. ----

void plain_sym_matvec(const double* m, const double* x, double* y, std::size_t d) {
  for (std::size_t i = 0; i < d; ++i) y[i] = 0;
  for (std::size_t j = 0; j < d; ++j)
    for (std::size_t i = 0; i < d; ++i) y[i] += x[j] * m[j * d + i];
}
void plain_sym_rank1(double* m, const double* u, double c, std::size_t d) {
  for (std::size_t i = 0; i < d; ++i) {
    const double cu = c * u[i];
    for (std::size_t j = 0; j < d; ++j) m[i * d + j] += cu * u[j];
  }
}
double plain_dot(const double* a, const double* b, std::size_t d) {
  double s = 0;
  for (std::size_t i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

bool plain_spd_inverse(const double* a, double* inv, double* work, std::size_t d) {
  double* l = work;  // lower triangle of the Cholesky factor, row-major
  for (std::size_t i = 0; i < d * d; ++i) l[i] = 0;
  for (std::size_t j = 0; j < d; ++j) {
    double s = a[j * d + j];
    for (std::size_t k = 0; k < j; ++k) s -= l[j * d + k] * l[j * d + k];
    if (!(s > 0) || !std::isfinite(s)) return false;
    const double ljj = std::sqrt(s);
    l[j * d + j] = ljj;
    for (std::size_t i = j + 1; i < d; ++i) {
      double t = a[i * d + j];
      for (std::size_t k = 0; k < j; ++k) t -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = t / ljj;
    }
  }
  // inv = L^-T L^-1, column by column: solve L y = e_c, then L^T z = y.
  for (std::size_t c = 0; c < d; ++c) {
    double* z = inv + c * d;  // row c of inv == column c (symmetric)
    for (std::size_t i = 0; i < d; ++i) {
      double t = (i == c) ? 1.0 : 0.0;
      for (std::size_t k = 0; k < i; ++k) t -= l[i * d + k] * z[k];
      z[i] = t / l[i * d + i];
    }
    for (std::size_t ii = d; ii-- > 0;) {
      double t = z[ii];
      for (std::size_t k = ii + 1; k < d; ++k) t -= l[k * d + ii] * z[k];
      z[ii] = t / l[ii * d + ii];
    }
  }
  // Symmetrise exactly (rounding can leave inv[i][j] != inv[j][i] in the last bit).
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i + 1; j < d; ++j) {
      const double m = 0.5 * (inv[i * d + j] + inv[j * d + i]);
      inv[i * d + j] = inv[j * d + i] = m;
    }
  return true;
}

struct ReferenceModel {
  std::size_t d;
  LinUcbConfig cfg;
  std::uint64_t updates = 0;
  std::uint32_t since = 0, interval = 0;
  double scale = 1.0;
  std::vector<double> a, ai, b, theta, reg, prior, u, work;

  ReferenceModel(std::size_t dim, const LinUcbConfig& c, std::vector<double> prior_mean)
      : d(dim), cfg(c), a(dim * dim, 0.0), ai(dim * dim, 0.0), b(dim, 0.0), theta(dim, 0.0), reg(dim, c.ridge),
        prior(std::move(prior_mean)), u(dim, 0.0), work(dim * dim, 0.0) {
    interval = cfg.refactor_every;
    if (cfg.discount < 1.0) {
      const double cap = std::floor(std::log(1e6) / -std::log(cfg.discount));
      const auto n = static_cast<std::uint32_t>(std::clamp(cap, 1.0, 1e9));
      interval = interval == 0 ? n : std::min(interval, n);
    }
    for (std::size_t i = 0; i < d; ++i) {
      a[i * d + i] = cfg.ridge;
      ai[i * d + i] = 1.0 / cfg.ridge;
      b[i] = cfg.ridge * prior[i];
    }
    recompute_theta();
  }
  void recompute_theta() {
    plain_sym_matvec(ai.data(), b.data(), theta.data(), d);
    if (scale != 1.0)
      for (auto& v : theta) v *= 1.0 / scale;
  }
  void refactor() {
    since = 0;
    if (scale != 1.0)
      for (auto& v : a) v *= scale;
    scale = 1.0;
    ASSERT_TRUE(plain_spd_inverse(a.data(), ai.data(), work.data(), d));
    recompute_theta();
  }
  void fold_scale() {
    if (scale == 1.0) return;
    for (auto& v : a) v *= scale;
    for (auto& v : ai) v *= 1.0 / scale;
    scale = 1.0;
  }
  double ucb(const double* x, double alpha) const {
    double q = 0;
    if (d <= 64) {
      std::vector<double> y(d);
      plain_sym_matvec(ai.data(), x, y.data(), d);
      q = plain_dot(x, y.data(), d);
    } else {
      for (std::size_t i = 0; i < d; ++i) {
        double r = 0;
        for (std::size_t j = 0; j < d; ++j) r += ai[i * d + j] * x[j];
        q += x[i] * r;
      }
    }
    q /= scale;
    return plain_dot(theta.data(), x, d) + (q > 0 ? alpha * std::sqrt(q) : 0.0);
  }
  void set_prior_mean(const std::vector<double>& m) {
    for (std::size_t i = 0; i < d; ++i) {
      b[i] += reg[i] * (m[i] - prior[i]);
      prior[i] = m[i];
    }
    recompute_theta();
  }
  void update(const double* x, double r) {
    const double g = cfg.discount;
    if (g < 1.0) {
      scale *= g;
      for (auto& v : b) v *= g;
      for (auto& v : reg) v *= g;
      const std::size_t k = static_cast<std::size_t>(updates % d);
      const double c = (1.0 - g) * static_cast<double>(d) * cfg.ridge;
      const double ch = c / scale;
      a[k * d + k] += ch;
      reg[k] += c;
      b[k] += c * prior[k];
      for (std::size_t i = 0; i < d; ++i) u[i] = ai[k * d + i];
      plain_sym_rank1(ai.data(), u.data(), -ch / (1.0 + ch * u[k]), d);
    }
    const double w = 1.0 / scale;
    plain_sym_rank1(a.data(), x, w, d);
    for (std::size_t i = 0; i < d; ++i) b[i] += r * x[i];
    plain_sym_matvec(ai.data(), x, u.data(), d);
    plain_sym_rank1(ai.data(), u.data(), -w / (1.0 + w * plain_dot(x, u.data(), d)), d);
    ++updates;
    if (interval > 0 && ++since >= interval) {
      refactor();
      return;
    }
    if (scale < 1e-100) fold_scale();
    recompute_theta();
  }
  std::vector<double> a_lower() const {  // scaled, lower triangle row by row
    std::vector<double> out;
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j <= i; ++j) out.push_back(a[i * d + j] * scale);
    return out;
  }
  std::vector<double> a_inv() const {
    std::vector<double> out(ai);
    for (auto& v : out) v /= scale;
    return out;
  }
};

std::vector<double> lower(const std::vector<double>& full, std::size_t d) {
  std::vector<double> out;
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j <= i; ++j) out.push_back(full[i * d + j]);
  return out;
}

void expect_same_as_reference(const LinUcbModel& m, const ReferenceModel& ref, const std::string& when) {
  expect_same_values(m.theta(), ref.theta, ("theta " + when).c_str());
  expect_same_values(m.a_inv(), ref.a_inv(), ("A^-1 " + when).c_str());
  expect_same_values(lower(m.a(), m.dim()), ref.a_lower(), ("A (lower triangle) " + when).c_str());
  expect_same_values(m.b(), ref.b, ("b " + when).c_str());
}

/// `updates` updates of a model and of the reference on the same stream, with a score
/// before each (its A^-1 x reused by the update every other step), the prior mean
/// moved every 7th step (as track_population does), and a comparison every 1000 steps.
void run_against_reference(std::size_t d, double gamma, std::uint32_t refactor_every, int updates) {
  SCOPED_TRACE("d = " + std::to_string(d) + ", discount " + std::to_string(gamma) + ", refactor every " +
               std::to_string(refactor_every));
  LinUcbConfig cfg;
  cfg.discount = gamma;
  cfg.refactor_every = refactor_every;
  cfg.alpha = 0.7;
  std::vector<double> prior(d);
  for (std::size_t i = 0; i < d; ++i) prior[i] = 0.05 * static_cast<double>(i % 3);
  LinUcbModel model(d, cfg, prior);
  ReferenceModel ref(d, cfg, prior);
  Rng rng(1234 + d);
  std::vector<double> x(d), y(d), m(d);
  for (int t = 0; t < updates; ++t) {
    for (auto& v : x) v = 2 * rng.uniform() - 1;
    x[0] = 1.0;
    const double r = rng.uniform();
    const double got = model.ucb(x.data(), cfg.alpha, y.data());
    const double want = ref.ucb(x.data(), cfg.alpha);
    if (kBitExact ? std::memcmp(&got, &want, sizeof got) != 0 : std::fabs(got - want) > 1e-9) {
      ADD_FAILURE() << "score differs at step " << t << ": " << got << " vs " << want;
      return;
    }
    if (t % 7 == 3) {
      for (auto& v : m) v = 0.2 * (rng.uniform() - 0.5);
      model.set_prior_mean(m);
      ref.set_prior_mean(m);
    }
    if (t % 2 == 0 && d <= LinUcbModel::kMaxReusableDim)
      model.update(x.data(), r, y.data());
    else
      model.update(x.data(), r);
    ref.update(x.data(), r);
    if ((t + 1) % 1000 == 0) {
      expect_same_as_reference(model, ref, "after " + std::to_string(t + 1) + " updates");
      if (::testing::Test::HasFailure()) return;
    }
  }
  expect_same_as_reference(model, ref, "at the end");
}

TEST(RouteLinUcbFastPath, TenThousandUpdatesAtTheReplayDimensionEqualThePlainLoopsBitForBit) {
  run_against_reference(20, 1.0, 256, 10000);
}

TEST(RouteLinUcbFastPath, DiscountedUpdatesEqualThePlainLoopsBitForBit) {
  run_against_reference(20, 0.95, 256, 10000);  // refactorisation every 269 at most
}

TEST(RouteLinUcbFastPath, OddSmallAndMultiBlockDimensionsEqualThePlainLoopsBitForBit) {
  run_against_reference(1, 1.0, 256, 2000);
  run_against_reference(7, 1.0, 0, 3000);    // odd column, never refactored
  run_against_reference(7, 0.8, 256, 3000);  // odd column, strong forgetting
  run_against_reference(32, 1.0, 256, 3000);  // the benchmark's d: two product blocks, fused blocks of 10 + 2
  run_against_reference(33, 1.0, 100, 3000);  // product blocks 16 + 17, fused 10 + 10 + 10 + 3
  run_against_reference(70, 0.99, 256, 1000);  // > kMaxReusableDim: no reuse, the other width formula
}

TEST(RouteLinUcbFastPath, ScoringCandidatesTogetherEqualsScoringThemOneByOne) {
  for (const std::size_t d : {3u, 20u, 21u, 70u}) {
    SCOPED_TRACE("d = " + std::to_string(d));
    Rng rng(d);
    std::vector<LinUcbModel> models;
    for (int k = 0; k < 11; ++k) {
      LinUcbConfig cfg;
      cfg.discount = k % 2 == 0 ? 1.0 : 0.97;  // some with a scale s != 1
      models.emplace_back(d, cfg);
      std::vector<double> x(d);
      for (int t = 0; t < 50 + 30 * k; ++t) {
        for (auto& v : x) v = rng.uniform();
        models.back().update(x.data(), rng.uniform());
      }
    }
    for (std::size_t n = 1; n <= models.size(); ++n) {
      std::vector<const LinUcbModel*> ptrs;
      for (std::size_t c = 0; c < n; ++c) ptrs.push_back(&models[(c * 5) % models.size()]);
      std::vector<double> x(n * d), ys(n * d, -1.0), scores(n), y1(d);
      for (auto& v : x) v = 2 * rng.uniform() - 1;
      LinUcbModel::ucb_batch(ptrs.data(), n, x.data(), 0.4, ys.data(), scores.data());
      for (std::size_t c = 0; c < n; ++c) {
        expect_same_value(scores[c], ptrs[c]->ucb(x.data() + c * d, 0.4), "score");
        if (d <= LinUcbModel::kMaxReusableDim) {
          ptrs[c]->ucb(x.data() + c * d, 0.4, y1.data());
          expect_same_values(std::span<const double>(ys.data() + c * d, d), y1, "A^-1 x");
        }
      }
    }
  }
}

TEST(RouteLinUcbFastPath, TheKernelsEqualThePlainLoopsBitForBit) {
  for (std::size_t d = 1; d <= 40; ++d) {
    SCOPED_TRACE("d = " + std::to_string(d));
    Rng rng(77 + d);
    std::vector<double> m(d * d), x(d), b(d), y(d), want(d);
    for (auto& v : m) v = rng.uniform() - 0.5;
    for (auto& v : x) v = rng.uniform() - 0.5;
    for (auto& v : b) v = rng.uniform() - 0.5;
    linalg::sym_matvec(m.data(), x.data(), y.data(), d);
    plain_sym_matvec(m.data(), x.data(), want.data(), d);
    expect_same_values(y, want, "sym_matvec");
    std::vector<double> m2(m);
    linalg::sym_rank1_sym_matvec(m.data(), x.data(), -0.3, b.data(), y.data(), d);
    plain_sym_rank1(m2.data(), x.data(), -0.3, d);
    plain_sym_matvec(m2.data(), b.data(), want.data(), d);
    expect_same_values(m, m2, "sym_rank1_sym_matvec: M");
    expect_same_values(y, want, "sym_rank1_sym_matvec: y");
    linalg::sym_rank1_lower(m.data(), b.data(), 0.7, d);
    plain_sym_rank1(m2.data(), b.data(), 0.7, d);
    expect_same_values(lower(m, d), lower(m2, d), "sym_rank1_lower");
    // A symmetric positive definite matrix: its inverse, four columns at a time.
    std::vector<double> spd(d * d, 0.0), inv(d * d), inv2(d * d), work(d * d);
    for (std::size_t i = 0; i < d; ++i) spd[i * d + i] = 1.0;
    for (int k = 0; k < 3; ++k) {
      for (auto& v : x) v = rng.uniform() - 0.5;
      plain_sym_rank1(spd.data(), x.data(), 1.0, d);
    }
    ASSERT_TRUE(linalg::spd_inverse(spd.data(), inv.data(), work.data(), d));
    ASSERT_TRUE(plain_spd_inverse(spd.data(), inv2.data(), work.data(), d));
    expect_same_values(inv, inv2, "spd_inverse");
  }
}

/// The hybrid selector of the replay (disjoint arms, population prior tracked), with
/// select() before updates in every order delayed feedback allows, against a twin that
/// receives the same updates and never selects (so never reuses a product).
void run_selector_against_twin(double discount) {
  SCOPED_TRACE("discount " + std::to_string(discount));
  const std::size_t d = 20, n = 11;
  SelectorConfig cfg;
  cfg.linucb.alpha = 0.3;
  cfg.linucb.discount = discount;
  cfg.arm_ridge = 30;
  LinUcbSelector s(d, cfg, 1), twin(d, cfg, 1);
  std::vector<std::size_t> arms(n);
  for (std::size_t i = 0; i < n; ++i) {
    arms[i] = s.arm_for("m" + std::to_string(i));
    ASSERT_EQ(twin.arm_for("m" + std::to_string(i)), arms[i]);
  }
  Rng rng(5);
  std::vector<double> rows(n * d), other(d);
  auto both_update = [&](std::size_t arm, const double* x, double r) {
    s.update(arm, x, r);
    twin.update(arm, x, r);
  };
  for (int t = 0; t < 10000; ++t) {
    for (auto& v : rows) v = rng.uniform();
    const std::size_t pick = s.select(arms, rows.data(), n);
    const double r = rng.uniform();
    switch (t % 5) {
      case 0:
      case 1:  // the usual: the pick's outcome right away (reuses the product)
        both_update(arms[pick], rows.data() + pick * d, r);
        break;
      case 2:  // another dispatch's outcome arrives first, then the pick's (must not reuse)
        for (auto& v : other) v = rng.uniform();
        both_update(arms[(pick + 1) % n], other.data(), rng.uniform());
        both_update(arms[pick], rows.data() + pick * d, r);
        break;
      case 3:  // the pick's arm credited with other features first (that invalidates the product), then twice with the pick's
        for (auto& v : other) v = rng.uniform();
        both_update(arms[pick], other.data(), r);
        both_update(arms[pick], rows.data() + pick * d, r);
        both_update(arms[pick], rows.data() + pick * d, 1 - r);
        break;
      default:  // an outcome for another candidate's features with the pick's arm
        both_update(arms[pick], rows.data() + ((pick + 3) % n) * d, r);
        break;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    SCOPED_TRACE("arm " + std::to_string(i));
    expect_same_values(s.arm(arms[i]).theta(), twin.arm(arms[i]).theta(), "theta");
    expect_same_values(s.arm(arms[i]).a_inv(), twin.arm(arms[i]).a_inv(), "A^-1");
  }
  expect_same_values(s.population().theta(), twin.population().theta(), "population theta");
}

TEST(RouteSelectorFastPath, ReusingThePicksProductGivesTheSameSelectorAsNeverReusingIt) {
  run_selector_against_twin(1.0);
  run_selector_against_twin(0.95);
}

}  // namespace
