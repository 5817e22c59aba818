#include "route/linalg.hpp"

#include <cmath>

namespace concord::route::linalg {

namespace {

// Rows c0 .. c0 + G - 1 of inv = L^-T L^-1 (row c == column c: inv is symmetric).
template <std::size_t G>
void solve_columns(const double* l, double* inv, std::size_t d, std::size_t c0) {
  double* z[G];
  for (std::size_t g = 0; g < G; ++g) z[g] = inv + (c0 + g) * d;
  for (std::size_t i = 0; i < d; ++i) {
    double t[G];
    for (std::size_t g = 0; g < G; ++g) t[g] = (i == c0 + g) ? 1.0 : 0.0;
    for (std::size_t k = 0; k < i; ++k) {
      const double lik = l[i * d + k];
      for (std::size_t g = 0; g < G; ++g) t[g] -= lik * z[g][k];
    }
    const double lii = l[i * d + i];
    for (std::size_t g = 0; g < G; ++g) z[g][i] = t[g] / lii;
  }
  for (std::size_t ii = d; ii-- > 0;) {
    double t[G];
    for (std::size_t g = 0; g < G; ++g) t[g] = z[g][ii];
    for (std::size_t k = ii + 1; k < d; ++k) {
      const double lki = l[k * d + ii];
      for (std::size_t g = 0; g < G; ++g) t[g] -= lki * z[g][k];
    }
    const double lii = l[ii * d + ii];
    for (std::size_t g = 0; g < G; ++g) z[g][ii] = t[g] / lii;
  }
}

}  // namespace

bool spd_inverse(const double* a, double* inv, double* work, std::size_t d) {
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
  // inv = L^-T L^-1, column by column: solve L y = e_c, then L^T z = y. Four columns at
  // a time, interleaved: each is computed exactly as alone (same operations, same order),
  // but their chains of subtractions and divisions are independent and overlap.
  std::size_t c0 = 0;
  for (; c0 + 4 <= d; c0 += 4) solve_columns<4>(l, inv, d, c0);
  for (; c0 < d; ++c0) solve_columns<1>(l, inv, d, c0);
  // Symmetrise exactly (rounding can leave inv[i][j] != inv[j][i] in the last bit).
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i + 1; j < d; ++j) {
      const double m = 0.5 * (inv[i * d + j] + inv[j * d + i]);
      inv[i * d + j] = inv[j * d + i] = m;
    }
  return true;
}

}  // namespace concord::route::linalg
