#include "messages.hpp"

#include <caf/actor_system_config.hpp>

namespace concord::proto {

void register_messages(caf::actor_system_config& cfg) { cfg.add_message_types<caf::id_block::concord>(); }

}  // namespace concord::proto
