#pragma once
// gtest prints an ErrorClass by its stable name (found by ADL) instead of its byte.
#include <ostream>

#include "sample_job.hpp"

namespace concord::workers {
inline void PrintTo(ErrorClass e, std::ostream* os) { *os << to_string(e); }
}  // namespace concord::workers
