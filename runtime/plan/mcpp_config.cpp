#include "plan/mcpp_config.hpp"

#include <stdexcept>

namespace concord {

McppConfig mcpp_preset(const std::string& name) {
  if (name == "faithful") return mcpp_faithful();
  if (name == "best") {
    // Racing spends rollouts on the pairs that can still win (up to 256 each instead of 64
    // for all): measured no worse than faithful and about 2x faster (docs/mcpp.md).
    McppConfig c;
    c.racing = true;
    return c;
  }
  throw std::invalid_argument("unknown MCPP preset \"" + name + "\" (expected faithful or best)");
}

std::vector<std::string> mcpp_preset_names() { return {"faithful", "best"}; }

}  // namespace concord
