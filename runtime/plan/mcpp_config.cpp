#include "plan/mcpp_config.hpp"

#include <stdexcept>

namespace concord {

McppConfig mcpp_preset(const std::string& name) {
  if (name == "faithful") return mcpp_faithful();
  if (name == "best") {
    McppConfig c;
    c.common_random_numbers = true;
    return c;
  }
  throw std::invalid_argument("unknown MCPP preset \"" + name + "\" (expected faithful or best)");
}

std::vector<std::string> mcpp_preset_names() { return {"faithful", "best"}; }

}  // namespace concord
