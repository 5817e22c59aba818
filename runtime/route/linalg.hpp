#pragma once
// Small dense linear algebra for the LinUCB selector: row-major d x d matrices in
// contiguous arrays, no allocation. Every routine is O(d^2) except the Cholesky
// inversion (O(d^3), used only for periodic refactorisation and merging).
#include <cstddef>
#include <utility>

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

// The column-blocked kernels below keep a block of up to 25 columns of y in
// registers across the d rows: y is written once instead of being loaded and
// stored for every row, and each row issues one independent addition per column
// pair, so the loop runs at the machine's throughput rather than at the latency of
// one accumulator's chain of d additions. They are written with GCC/Clang vector
// extensions, two doubles per vector (an odd last column in a scalar of its own),
// lane k computing exactly what the scalar loop computes for its column (a plain
// scalar loop over the block tempts GCC into vectorising across rows instead, with
// an in-order reduction slower than the naive loop). Each y_i is still
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

// The accumulators are named variables, not an array: GCC keeps an array of more than
// a few vectors in memory (zeroed with rep stos, reloaded, stored back).
#define CONCORD_LINALG_EACH12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

// Columns [i0, i0 + 2 NV + Odd) of y = sum_j x_j * row_j. NV <= 12.
template <std::size_t NV, bool Odd>
inline void sym_matvec_cols(const double* __restrict m, const double* __restrict x, double* __restrict y,
                            std::size_t d, std::size_t i0) {
  static_assert(NV <= 12);
#define CONCORD_DECL(k) v2d a##k = {0.0, 0.0};
  CONCORD_LINALG_EACH12(CONCORD_DECL)
#undef CONCORD_DECL
  double last = 0;
  const double* row = m + i0;
  for (std::size_t j = 0; j < d; ++j, row += d) {
    const double xs = x[j];
    const v2d xj = {xs, xs};
#define CONCORD_STEP(k) \
  if constexpr (NV > k) a##k += xj * load2(row + 2 * k);
    CONCORD_LINALG_EACH12(CONCORD_STEP)
#undef CONCORD_STEP
    if constexpr (Odd) last += xs * row[2 * NV];
  }
#define CONCORD_STORE(k) \
  if constexpr (NV > k) store2(y + i0 + 2 * k, a##k);
  CONCORD_LINALG_EACH12(CONCORD_STORE)
#undef CONCORD_STORE
  if constexpr (Odd) y[i0 + 2 * NV] = last;
}

// Columns [i0, i0 + 2 NV + Odd) of: M += c u u^T (entry (j, i) += (c u_j) u_i, as
// sym_rank1), then y = M b on the updated M (each y_i accumulating b_j m'_ji in row
// order). NV <= 12.
template <std::size_t NV, bool Odd>
inline void sym_rank1_matvec_cols(double* __restrict m, const double* __restrict u, double c,
                                  const double* __restrict b, double* __restrict y, std::size_t d, std::size_t i0) {
  static_assert(NV <= 12);
#define CONCORD_DECL(k) v2d a##k = {0.0, 0.0};
  CONCORD_LINALG_EACH12(CONCORD_DECL)
#undef CONCORD_DECL
  double last = 0;
  const double* ub = u + i0;
  double* row = m + i0;
  for (std::size_t j = 0; j < d; ++j, row += d) {
    const double cuj = c * u[j];
    const double bs = b[j];
    const v2d cu = {cuj, cuj};
    const v2d bj = {bs, bs};
#define CONCORD_STEP(k)                                             \
  if constexpr (NV > k) {                                           \
    const v2d v = load2(row + 2 * k) + cu * load2(ub + 2 * k);      \
    store2(row + 2 * k, v);                                         \
    a##k += bj * v;                                                 \
  }
    CONCORD_LINALG_EACH12(CONCORD_STEP)
#undef CONCORD_STEP
    if constexpr (Odd) {
      const double v = row[2 * NV] + cuj * ub[2 * NV];
      row[2 * NV] = v;
      last += bs * v;
    }
  }
#define CONCORD_STORE(k) \
  if constexpr (NV > k) store2(y + i0 + 2 * k, a##k);
  CONCORD_LINALG_EACH12(CONCORD_STORE)
#undef CONCORD_STORE
  if constexpr (Odd) y[i0 + 2 * NV] = last;
}
#undef CONCORD_LINALG_EACH12

// Splits [0, d) into column blocks of at most 2 MaxPairs + 1 columns (of 2 MaxPairs
// columns while more than 2 MaxPairs + 1 remain, then the rest) and calls
// f.template operator()<NV, Odd>(i0) for each block [i0, i0 + 2 NV + Odd).
template <std::size_t MaxPairs, class F>
inline void for_column_blocks(std::size_t d, F&& f) {
  std::size_t i = 0;
  while (d - i > 2 * MaxPairs + 1) {
    f.template operator()<MaxPairs, false>(i);
    i += 2 * MaxPairs;
  }
  const std::size_t n = d - i;
  const bool odd = n % 2 != 0;
  [&]<std::size_t... P>(std::index_sequence<P...>) {
    ((n / 2 == P ? (odd ? f.template operator()<P, true>(i) : f.template operator()<P, false>(i)) : void()), ...);
  }(std::make_index_sequence<MaxPairs + 1>{});
}

// Block widths measured fastest at d = 20 (x86-64 SSE2): the product alone in one
// block of up to 25 columns (12 vector accumulators), the fused update in blocks of
// 10 (it also loads, updates and stores M).
inline constexpr std::size_t kMatvecPairs = 12, kRank1MatvecPairs = 5;
#endif

}  // namespace detail

/// y = M x for a SYMMETRIC d x d M, as a sum of rows scaled by x_j (axpy form:
/// every y_i accumulates x_j m_ji in row order j = 0..d-1 independently of the
/// others, so the loop vectorises without reassociating any sum; the result does
/// not depend on how the columns are blocked). y must not alias m or x.
inline void sym_matvec(const double* m, const double* x, double* y, std::size_t d) {
#if defined(__GNUC__)
  detail::for_column_blocks<detail::kMatvecPairs>(
      d, [&]<std::size_t NV, bool Odd>(std::size_t i0) { detail::sym_matvec_cols<NV, Odd>(m, x, y, d, i0); });
#else
  for (std::size_t i = 0; i < d; ++i) y[i] = 0;
  for (std::size_t j = 0; j < d; ++j) {
    const double xj = x[j];
    const double* row = m + j * d;
    for (std::size_t i = 0; i < d; ++i) y[i] += xj * row[i];
  }
#endif
}

/// M += c u u^T (entry (j, i) += (c u_j) u_i, as sym_rank1), then y = M b on the
/// updated M (as sym_matvec): one pass over M instead of two, bit-identical to
/// sym_rank1(m, u, c, d) followed by sym_matvec(m, b, y, d). y must not alias m, u or b.
inline void sym_rank1_sym_matvec(double* m, const double* u, double c, const double* b, double* y, std::size_t d) {
#if defined(__GNUC__)
  detail::for_column_blocks<detail::kRank1MatvecPairs>(d, [&]<std::size_t NV, bool Odd>(std::size_t i0) {
    detail::sym_rank1_matvec_cols<NV, Odd>(m, u, c, b, y, d, i0);
  });
#else
  for (std::size_t i = 0; i < d; ++i) y[i] = 0;
  for (std::size_t j = 0; j < d; ++j) {
    const double cu = c * u[j], bj = b[j];
    double* row = m + j * d;
    for (std::size_t i = 0; i < d; ++i) {
      row[i] += cu * u[i];
      y[i] += bj * row[i];
    }
  }
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
