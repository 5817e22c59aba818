#pragma once
// Small dense linear algebra for the LinUCB selector: row-major d x d matrices in
// contiguous arrays, no allocation. Every routine is O(d^2) except the Cholesky
// inversion (O(d^3), used only for periodic refactorisation and merging).
#include <cstddef>

namespace concord::route::linalg {

/// y = M x for a d x d row-major M.
inline void matvec(const double* m, const double* x, double* y, std::size_t d) {
  for (std::size_t i = 0; i < d; ++i) {
    const double* row = m + i * d;
    double s = 0;
    for (std::size_t j = 0; j < d; ++j) s += row[j] * x[j];
    y[i] = s;
  }
}

/// y = M x for a SYMMETRIC d x d M, as a sum of rows scaled by x_j (axpy form:
/// every y_i accumulates independently, so the loop vectorises without
/// reassociating any sum; the result is bit-identical on every platform).
inline void sym_matvec(const double* m, const double* x, double* y, std::size_t d) {
  for (std::size_t i = 0; i < d; ++i) y[i] = 0;
  for (std::size_t j = 0; j < d; ++j) {
    const double xj = x[j];
    const double* row = m + j * d;
    for (std::size_t i = 0; i < d; ++i) y[i] += xj * row[i];
  }
}

inline double dot(const double* a, const double* b, std::size_t d) {
  double s = 0;
  for (std::size_t i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

/// x^T M x for a d x d row-major M (no temporary: row-by-row accumulation).
inline double quad_form(const double* m, const double* x, std::size_t d) {
  double s = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const double* row = m + i * d;
    double r = 0;
    for (std::size_t j = 0; j < d; ++j) r += row[j] * x[j];
    s += x[i] * r;
  }
  return s;
}

/// M += c u u^T (symmetric rank-1 update; M stays exactly symmetric because
/// entry (i,j) and (j,i) receive the same product c*u_i*u_j).
inline void sym_rank1(double* m, const double* u, double c, std::size_t d) {
  for (std::size_t i = 0; i < d; ++i) {
    const double cu = c * u[i];
    double* row = m + i * d;
    for (std::size_t j = 0; j < d; ++j) row[j] += cu * u[j];
  }
}

inline void scale(double* v, double c, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) v[i] *= c;
}

/// Inverts the symmetric positive definite d x d matrix `a` into `inv` via a
/// Cholesky factorisation a = L L^T; `work` must hold d*d doubles. Returns false
/// (leaving `inv` unspecified) when `a` is not numerically positive definite.
bool spd_inverse(const double* a, double* inv, double* work, std::size_t d);

}  // namespace concord::route::linalg
