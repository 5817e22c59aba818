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

namespace detail {

// The column-blocked kernels below keep a block of y (and of u) in registers across
// the d rows, so y is written once instead of being loaded and stored for every row.
// They are written with GCC/Clang vector extensions: two doubles per vector, lane k
// computing exactly what the scalar loop computes for its column (a plain scalar
// loop over the block tempts GCC into vectorising across rows instead, with an
// in-order reduction that is slower than the naive loop). Each y_i is still
// ((0 + x_0 m_0i) + x_1 m_1i) + ... in row order: the same operations in the same
// order as the plain axpy loop, whatever the blocking.
#if defined(__GNUC__)
typedef double v2d __attribute__((vector_size(16)));
inline v2d load2(const double* p) {
  v2d v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store2(double* p, v2d v) { __builtin_memcpy(p, &v, sizeof v); }

// Columns [i0, i0 + 2 NV) of y = sum_j x_j * row_j.
template <std::size_t NV>
inline void sym_matvec_cols(const double* __restrict m, const double* __restrict x, double* __restrict y,
                            std::size_t d, std::size_t i0) {
  v2d acc[NV];
  for (std::size_t k = 0; k < NV; ++k) acc[k] = v2d{0.0, 0.0};
  const double* row = m + i0;
  for (std::size_t j = 0; j < d; ++j, row += d) {
    const v2d xj = {x[j], x[j]};
    for (std::size_t k = 0; k < NV; ++k) acc[k] += xj * load2(row + 2 * k);
  }
  for (std::size_t k = 0; k < NV; ++k) store2(y + i0 + 2 * k, acc[k]);
}

// Columns [i0, i0 + 2 NV) of: M += c u u^T (entry (j, i) += (c u_j) u_i, as sym_rank1),
// then y = M b on the updated M (each y_i accumulating b_j m'_ji in row order).
template <std::size_t NV>
inline void sym_rank1_matvec_cols(double* __restrict m, const double* __restrict u, double c,
                                  const double* __restrict b, double* __restrict y, std::size_t d, std::size_t i0) {
  v2d acc[NV], ub[NV];
  for (std::size_t k = 0; k < NV; ++k) {
    acc[k] = v2d{0.0, 0.0};
    ub[k] = load2(u + i0 + 2 * k);
  }
  double* row = m + i0;
  for (std::size_t j = 0; j < d; ++j, row += d) {
    const double cuj = c * u[j];
    const v2d cu = {cuj, cuj};
    const v2d bj = {b[j], b[j]};
    for (std::size_t k = 0; k < NV; ++k) {
      const v2d v = load2(row + 2 * k) + cu * ub[k];
      store2(row + 2 * k, v);
      acc[k] += bj * v;
    }
  }
  for (std::size_t k = 0; k < NV; ++k) store2(y + i0 + 2 * k, acc[k]);
}
#endif

// The last column (odd d), scalar.
inline void sym_matvec_col(const double* m, const double* x, double* y, std::size_t d, std::size_t i) {
  double s = 0;
  for (std::size_t j = 0; j < d; ++j) s += x[j] * m[j * d + i];
  y[i] = s;
}
inline void sym_rank1_matvec_col(double* m, const double* u, double c, const double* b, double* y, std::size_t d,
                                 std::size_t i) {
  double s = 0;
  for (std::size_t j = 0; j < d; ++j) {
    const double v = m[j * d + i] + (c * u[j]) * u[i];
    m[j * d + i] = v;
    s += b[j] * v;
  }
  y[i] = s;
}

// Calls f.template operator()<NV>(i0) over column blocks of 2 NV = 8, then 4, then 2,
// and g(i) for a last odd column. Without vector extensions: g for every column.
template <class F, class G>
inline void for_column_blocks(std::size_t d, F&& f, G&& g) {
  std::size_t i = 0;
#if defined(__GNUC__)
  for (; i + 8 <= d; i += 8) f.template operator()<4>(i);
  if (i + 4 <= d) {
    f.template operator()<2>(i);
    i += 4;
  }
  if (i + 2 <= d) {
    f.template operator()<1>(i);
    i += 2;
  }
#else
  (void)f;
#endif
  for (; i < d; ++i) g(i);
}

}  // namespace detail

/// y = M x for a SYMMETRIC d x d M, as a sum of rows scaled by x_j (axpy form:
/// every y_i accumulates x_j m_ji in row order j = 0..d-1 independently of the
/// others, so the loop vectorises without reassociating any sum; the result does
/// not depend on how the columns are blocked). y must not alias m or x.
inline void sym_matvec(const double* m, const double* x, double* y, std::size_t d) {
#if defined(__GNUC__)
  detail::for_column_blocks(
      d, [&]<std::size_t NV>(std::size_t i0) { detail::sym_matvec_cols<NV>(m, x, y, d, i0); },
      [&](std::size_t i) { detail::sym_matvec_col(m, x, y, d, i); });
#else
  detail::for_column_blocks(d, 0, [&](std::size_t i) { detail::sym_matvec_col(m, x, y, d, i); });
#endif
}

/// M += c u u^T (entry (j, i) += (c u_j) u_i, as sym_rank1), then y = M b on the
/// updated M (as sym_matvec): one pass over M instead of two, bit-identical to
/// sym_rank1(m, u, c, d) followed by sym_matvec(m, b, y, d). y must not alias m, u or b.
inline void sym_rank1_sym_matvec(double* m, const double* u, double c, const double* b, double* y, std::size_t d) {
#if defined(__GNUC__)
  detail::for_column_blocks(
      d, [&]<std::size_t NV>(std::size_t i0) { detail::sym_rank1_matvec_cols<NV>(m, u, c, b, y, d, i0); },
      [&](std::size_t i) { detail::sym_rank1_matvec_col(m, u, c, b, y, d, i); });
#else
  detail::for_column_blocks(d, 0, [&](std::size_t i) { detail::sym_rank1_matvec_col(m, u, c, b, y, d, i); });
#endif
}

inline double dot(const double* a, const double* b, std::size_t d) {
  double s = 0;
  for (std::size_t i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

/// dot(a, x) and dot(b, x) in one loop (two independent in-order sums, each
/// bit-identical to dot()).
inline void dot2(const double* a, const double* b, const double* x, std::size_t d, double& sa, double& sb) {
  double s = 0, t = 0;
  for (std::size_t i = 0; i < d; ++i) {
    s += a[i] * x[i];
    t += b[i] * x[i];
  }
  sa = s;
  sb = t;
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

/// M += c u u^T (symmetric rank-1 update). Entry (i, j) receives (c u_i) u_j and
/// (j, i) receives (c u_j) u_i: the same product rounded in another order, so the
/// two can differ in the last bit (spd_inverse re-symmetrises its result exactly).
inline void sym_rank1(double* m, const double* u, double c, std::size_t d) {
  for (std::size_t i = 0; i < d; ++i) {
    const double cu = c * u[i];
    double* row = m + i * d;
    for (std::size_t j = 0; j < d; ++j) row[j] += cu * u[j];
  }
}

/// The lower triangle (j <= i) of M += c u u^T, each entry as sym_rank1 computes it;
/// the strict upper triangle is left untouched (for a matrix of which only the lower
/// triangle is read, e.g. by spd_inverse).
inline void sym_rank1_lower(double* m, const double* u, double c, std::size_t d) {
  for (std::size_t i = 0; i < d; ++i) {
    const double cu = c * u[i];
    double* row = m + i * d;
    for (std::size_t j = 0; j <= i; ++j) row[j] += cu * u[j];
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
