#include "eval/warm_ridge.hpp"

#include <stdexcept>

#include "route/linalg.hpp"
#include "sim/rng.hpp"

namespace concord::route {

const char* to_string(WarmMode m) { return m == WarmMode::hybrid ? "hybrid" : "disjoint"; }

void scale_text(double* row, std::size_t d, std::size_t text_offset, double w) {
  for (std::size_t j = text_offset; j < d; ++j) row[j] *= w;
}

namespace {

/// theta = (ridge I + c G)^-1 b.
std::vector<double> solve(const std::vector<double>& g, double c, double ridge, const double* b, std::size_t d) {
  std::vector<double> a(d * d), inv(d * d), work(d * d), theta(d);
  for (std::size_t i = 0; i < d * d; ++i) a[i] = c * g[i];
  for (std::size_t i = 0; i < d; ++i) a[i * d + i] += ridge;
  if (!linalg::spd_inverse(a.data(), inv.data(), work.data(), d))
    throw std::runtime_error("warm start: design matrix not positive definite");
  linalg::matvec(inv.data(), b, theta.data(), d);
  return theta;
}

}  // namespace

std::vector<double> warm_thetas(const WarmData& data, std::span<const std::size_t> rows, WarmMode mode,
                                const WarmPoint& p, double pop_ridge) {
  const std::size_t d = data.d, M = data.arms;
  std::vector<double> g(d * d, 0.0), s(M * d, 0.0), x(d);
  for (std::size_t q : rows) {
    std::copy(data.x.data() + q * d, data.x.data() + (q + 1) * d, x.begin());
    scale_text(x.data(), d, data.text_offset, p.text_weight);
    linalg::sym_rank1(g.data(), x.data(), 1.0, d);
    for (std::size_t m = 0; m < M; ++m) {
      const double r = data.r[q * M + m];
      for (std::size_t j = 0; j < d; ++j) s[m * d + j] += r * x[j];
    }
  }
  std::vector<double> prior(d, 0.0);
  if (mode == WarmMode::hybrid) {
    std::vector<double> total(d, 0.0);
    for (std::size_t m = 0; m < M; ++m)
      for (std::size_t j = 0; j < d; ++j) total[j] += s[m * d + j];
    prior = solve(g, static_cast<double>(M), pop_ridge, total.data(), d);
  }
  std::vector<double> thetas(M * d);
  for (std::size_t m = 0; m < M; ++m) {
    std::vector<double> b(d);
    for (std::size_t j = 0; j < d; ++j) b[j] = p.arm_ridge * prior[j] + s[m * d + j];
    const auto t = solve(g, 1.0, p.arm_ridge, b.data(), d);
    std::copy(t.begin(), t.end(), thetas.begin() + static_cast<std::ptrdiff_t>(m * d));
  }
  return thetas;
}

std::size_t simplest_within_one_se(std::span<const WarmPoint> points, const std::vector<std::vector<double>>& held) {
  if (points.empty() || held.size() != points.size())
    throw std::invalid_argument("one-SE selection: one row of rewards per point");
  const std::size_t rows = held.front().size();
  const double n = static_cast<double>(std::max<std::size_t>(1, rows));
  auto mean = [n](const std::vector<double>& v) {
    double s = 0;
    for (double e : v) s += e;
    return s / n;
  };
  std::size_t best = 0;
  for (std::size_t i = 1; i < points.size(); ++i)
    if (mean(held[i]) > mean(held[best])) best = i;
  std::size_t pick = best;
  for (std::size_t i = 0; i < points.size(); ++i) {
    double s = 0, s2 = 0;
    for (std::size_t q = 0; q < rows; ++q) {
      const double diff = held[best][q] - held[i][q];
      s += diff, s2 += diff * diff;
    }
    const double gap = s / n, var = std::max(0.0, s2 / n - gap * gap);
    if (gap > std::sqrt(var / n)) continue;  // not within one paired standard error of the best
    const WarmPoint& a = points[i];
    const WarmPoint& c = points[pick];
    if (a.text_weight < c.text_weight || (a.text_weight == c.text_weight && a.arm_ridge > c.arm_ridge)) pick = i;
  }
  return pick;
}

WarmChoice choose_warm(const WarmData& data, WarmMode mode, std::span<const double> text_weights,
                       std::span<const double> arm_ridges, double pop_ridge, std::size_t folds, std::uint64_t seed) {
  if (folds < 2 || data.n < folds || text_weights.empty() || arm_ridges.empty())
    throw std::invalid_argument("warm start: need >= 2 folds, as many rows, and a non-empty grid");
  const std::size_t d = data.d, M = data.arms;
  std::vector<std::size_t> order(data.n);
  for (std::size_t i = 0; i < data.n; ++i) order[i] = i;
  Rng rng(seed);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  // Held-out reward of every row under every grid point (each row is held out once).
  std::vector<WarmPoint> points;
  std::vector<std::vector<double>> held_reward;
  std::vector<double> x(d);
  for (double w : text_weights)
    for (double ridge : arm_ridges) {
      const WarmPoint p{w, ridge};
      std::vector<double> per_row(data.n, 0.0);
      for (std::size_t f = 0; f < folds; ++f) {
        std::vector<std::size_t> fit, held;
        for (std::size_t i = 0; i < order.size(); ++i) (i % folds == f ? held : fit).push_back(order[i]);
        const auto th = warm_thetas(data, fit, mode, p, pop_ridge);
        for (std::size_t q : held) {
          std::copy(data.x.data() + q * d, data.x.data() + (q + 1) * d, x.begin());
          scale_text(x.data(), d, data.text_offset, w);
          std::size_t pick = 0;
          double top = linalg::dot(th.data(), x.data(), d);
          for (std::size_t m = 1; m < M; ++m) {
            const double v = linalg::dot(th.data() + m * d, x.data(), d);
            if (v > top) top = v, pick = m;
          }
          per_row[q] = data.raw[q * M + pick];
        }
      }
      points.push_back(p);
      held_reward.push_back(std::move(per_row));
    }
  const std::size_t pick = simplest_within_one_se(points, held_reward);
  double total = 0;
  for (double v : held_reward[pick]) total += v;
  return WarmChoice{points[pick], total / static_cast<double>(data.n)};
}

}  // namespace concord::route
