#include "model/money.hpp"

#include <fmt/format.h>

namespace concord {

std::string format_dollars(Money m) {
  const double d = dollars(m);
  if (std::fabs(d) >= 100.0) return fmt::format("${:.2f}", d);
  return fmt::format("${:.6f}", d);
}

}  // namespace concord
