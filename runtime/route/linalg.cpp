#include "route/linalg.hpp"

#include <cmath>

namespace concord::route::linalg {

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

}  // namespace concord::route::linalg
