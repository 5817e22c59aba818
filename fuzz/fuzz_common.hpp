#pragma once
// Shared helpers of the fuzz targets: a failed invariant prints what broke and aborts,
// which libFuzzer reports as a crash and saves the input (docs/fuzzing.md).
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, ...)                                                        \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "FUZZ INVARIANT VIOLATED (%s:%d): %s\n  ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                             \
      std::fprintf(stderr, "\n");                                                    \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)
