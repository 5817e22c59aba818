#pragma once
// Deterministic, portable random numbers. std::*_distribution differ between
// standard libraries, so the simulator uses its own: xoshiro256** seeded with
// SplitMix64, uniform doubles in [0,1) from the top 53 bits, Lemire's bounded
// integers, and Marsaglia's polar normal. Same seed -> same stream, everywhere.
#include <cmath>
#include <cstdint>

namespace concord {

inline constexpr std::uint64_t kSplitMixGamma = 0x9E3779B97F4A7C15ull;

/// SplitMix64's output function: its k-th number from state s0 is splitmix_mix(s0 + k * gamma).
inline std::uint64_t splitmix_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline std::uint64_t splitmix64(std::uint64_t& state) { return splitmix_mix(state += kSplitMixGamma); }

/// Derives the seed of an independent stream (episode i, thread t, ...) from a
/// root seed, so results never depend on how work is split across threads: the second
/// SplitMix64 number from root ^ (C x (stream + 1)), computed with one mix.
inline std::uint64_t derive_seed(std::uint64_t root, std::uint64_t stream) {
  const std::uint64_t s = root ^ (0xD1B54A32D192ED03ull * (stream + 1));
  return splitmix_mix(s + 2 * kSplitMixGamma);
}

/// Marsaglia's polar method: two independent standard normals from a generator
/// with uniform() in [0, 1). Returns one; `second` receives the other.
template <class Generator>
double polar_normal(Generator& g, double& second) {
  double u, v, s;
  do {
    u = 2.0 * g.uniform() - 1.0;
    v = 2.0 * g.uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * std::log(s) / s);
  second = v * f;
  return u * f;
}

/// The draws every generator offers on top of its next() (CRTP): uniform doubles in [0, 1),
/// Lemire's bounded integers, Bernoulli, Marsaglia's polar normal (the second variate cached).
template <class Derived>
class RandomDraws {
 public:
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(self().next() >> 11) * 0x1.0p-53; }

  /// Uniform integer in [0, n). REQUIRES: n > 0.
  std::uint64_t below(std::uint64_t n) {
    __uint128_t m = static_cast<__uint128_t>(self().next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<__uint128_t>(self().next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  bool bernoulli(double p) { return uniform() < p; }

  /// Standard normal (Marsaglia polar method; caches the second variate).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    has_spare_ = true;
    return polar_normal(*this, spare_);
  }

 protected:
  void forget_spare() { has_spare_ = false; }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
  double spare_ = 0;
  bool has_spare_ = false;
};

/// xoshiro256**'s state and step, shared by Rng and LazyRng.
struct Xoshiro256 {
  std::uint64_t s[4]{};
  void seed(std::uint64_t seed) {
    std::uint64_t sm = seed;
    for (auto& w : s) w = splitmix64(sm);
  }
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  /// The number the next step gives: a function of s[1] alone.
  static std::uint64_t output(std::uint64_t s1) { return rotl(s1 * 5, 7) * 9; }
  std::uint64_t next() {
    const std::uint64_t result = output(s[1]);
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};

/// xoshiro256**: the long streams (an episode's policy, a planner's rollouts).
class Rng : public RandomDraws<Rng> {
 public:
  explicit Rng(std::uint64_t seed = 1) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    x_.seed(seed);
    forget_spare();
  }
  std::uint64_t next() { return x_.next(); }

 private:
  Xoshiro256 x_;
};

/// Rng(seed)'s stream, set up only as far as it is read: the first number costs one mix
/// (xoshiro256**'s first output depends on its second state word only) instead of seeding the
/// whole state, which happens at the second number. For the short streams seeded very often
/// (one per sample, exec::sample_seed: a recorded-sample draw reads one number). The numbers
/// are Rng(seed)'s, exactly (tested).
class LazyRng : public RandomDraws<LazyRng> {
 public:
  explicit LazyRng(std::uint64_t seed) : seed_(seed) {}
  std::uint64_t next() {
    if (drawn_ == 0) {
      drawn_ = 1;
      return Xoshiro256::output(splitmix_mix(seed_ + 2 * kSplitMixGamma));  // from Rng's s[1]
    }
    if (drawn_ == 1) {
      drawn_ = 2;
      x_.seed(seed_);
      x_.next();  // the number already given
    }
    return x_.next();
  }

 private:
  std::uint64_t seed_;
  int drawn_ = 0;
  Xoshiro256 x_;  // seeded at the second number
};

}  // namespace concord
