#include "edge/worker_codec.hpp"

#include "concord.capnp.h"
#include "edge/capnp_bytes.hpp"

namespace concord::edge {

namespace w = concord::wire;
using namespace concord::service;
using namespace detail;

namespace {

using WireError = w::SampleResult::ErrorClass;
static_assert(static_cast<unsigned>(WireError::EXIT_STATUS) + 1 == kSampleErrorCount, "SampleError mirrors ErrorClass");

}  // namespace

std::string encode(const WorkerMessage& message) {
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<w::WorkerMessage>();
  r.setVersion(kWireVersion);
  std::visit(overloaded{
                 [&](const WorkerRegister& s) {
                   auto x = r.initRegister();
                   x.setName(text(s.name));
                   auto models = x.initModels(static_cast<unsigned>(s.models.size()));
                   for (unsigned i = 0; i < s.models.size(); ++i) {
                     models[i].setModel(text(s.models[i].model));
                     models[i].setUsdPerMtokIn(s.models[i].usd_per_mtok_in);
                     models[i].setUsdPerMtokOut(s.models[i].usd_per_mtok_out);
                   }
                   x.setCapacity(s.capacity);
                   x.setKind(text(s.kind));
                 },
                 [&](const WorkerHeartbeat& s) {
                   auto x = r.initHeartbeat();
                   x.setQueue(s.queue);
                   x.setFreeSlots(s.free_slots);
                 },
                 [&](const WorkerSampleResult& s) {
                   auto x = r.initResult();
                   x.setSampleId(s.sample_id);
                   x.setSuccess(s.success);
                   x.setOutput(text(s.output));
                   x.setInputTokens(s.input_tokens);
                   x.setOutputTokens(s.output_tokens);
                   x.setLatencySeconds(s.latency_s);
                   x.setError(static_cast<WireError>(s.error));
                   x.setDetail(text(s.detail));
                   x.setUsageKnown(s.usage_known);
                 },
             },
             message);
  return to_bytes(mb);
}

std::string encode(const NodeMessage& message) {
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<w::NodeMessage>();
  r.setVersion(kWireVersion);
  std::visit(overloaded{
                 [&](const WorkerRegistered& s) {
                   auto x = r.initRegistered();
                   x.setNode(text(s.node));
                   x.setHeartbeatIntervalSeconds(s.heartbeat_interval_s);
                   x.setHeartbeatTimeoutSeconds(s.heartbeat_timeout_s);
                 },
                 [&](const WorkerRegisterRefused& s) { r.setRegisterRefused(text(s.reason)); },
                 [&](const WorkerSampleRequest& s) {
                   auto x = r.initSample();
                   x.setSampleId(s.sample_id);
                   x.setModel(text(s.model));
                   x.setSubtask(text(s.subtask));
                   x.setSeed(s.seed);
                   auto msgs = x.initMessages(static_cast<unsigned>(s.messages.size()));
                   for (unsigned i = 0; i < s.messages.size(); ++i) {
                     msgs[i].setRole(text(s.messages[i].role));
                     msgs[i].setContent(text(s.messages[i].content));
                   }
                   x.setTokenCap(s.token_cap);
                   x.setTimeLimitSeconds(s.time_limit_s);
                   x.setTimeScale(s.time_scale);
                 },
                 [&](const WorkerCancel& s) { r.setCancel(s.sample_id); },
                 [&](const WorkerUnknown&) { r.setUnknownWorker(); },
             },
             message);
  return to_bytes(mb);
}

std::variant<WorkerMessage, std::string> decode_worker_message(std::string_view bytes, const DecodeLimits& limits) {
  try {
    Reader in(bytes, limits);
    const auto r = in.reader->getRoot<w::WorkerMessage>();
    if (r.getVersion() != kWireVersion)
      return fmt::format("version: {} is not spoken here; this node speaks version {}", r.getVersion(), kWireVersion);
    switch (r.which()) {
      case w::WorkerMessage::REGISTER: {
        const auto x = r.getRegister();
        WorkerRegister s;
        s.name = str(x.getName());
        for (auto m : x.getModels()) s.models.push_back(ModelOffer{str(m.getModel()), m.getUsdPerMtokIn(), m.getUsdPerMtokOut()});
        s.capacity = x.getCapacity();
        s.kind = str(x.getKind());
        return WorkerMessage{std::move(s)};
      }
      case w::WorkerMessage::HEARTBEAT: {
        const auto x = r.getHeartbeat();
        return WorkerMessage{WorkerHeartbeat{x.getQueue(), x.getFreeSlots()}};
      }
      case w::WorkerMessage::RESULT: {
        const auto x = r.getResult();
        const auto error = static_cast<unsigned>(x.getError());
        if (error >= kSampleErrorCount) return fmt::format("SampleResult.error: unknown error class {}", error);
        WorkerSampleResult s;
        s.sample_id = x.getSampleId();
        s.success = x.getSuccess();
        s.output = str(x.getOutput());
        s.input_tokens = x.getInputTokens();
        s.output_tokens = x.getOutputTokens();
        s.latency_s = x.getLatencySeconds();
        s.error = static_cast<SampleError>(error);
        s.detail = str(x.getDetail());
        s.usage_known = x.getUsageKnown();
        return WorkerMessage{std::move(s)};
      }
    }
    return fmt::format("WorkerMessage: union member {} is unknown (register, heartbeat, result)", static_cast<unsigned>(r.which()));
  } catch (const BadBytes& e) {
    return "not a WorkerMessage: " + e.why;
  } catch (const kj::Exception& e) {
    return "not a WorkerMessage: " + std::string(e.getDescription().cStr());
  }
}

std::variant<NodeMessage, std::string> decode_node_message(std::string_view bytes, const DecodeLimits& limits) {
  try {
    Reader in(bytes, limits);
    const auto r = in.reader->getRoot<w::NodeMessage>();
    if (r.getVersion() != kWireVersion)
      return fmt::format("the node speaks version {}, this worker version {}", r.getVersion(), kWireVersion);
    switch (r.which()) {
      case w::NodeMessage::REGISTERED: {
        const auto x = r.getRegistered();
        return NodeMessage{WorkerRegistered{str(x.getNode()), x.getHeartbeatIntervalSeconds(), x.getHeartbeatTimeoutSeconds()}};
      }
      case w::NodeMessage::REGISTER_REFUSED: return NodeMessage{WorkerRegisterRefused{str(r.getRegisterRefused())}};
      case w::NodeMessage::SAMPLE: {
        const auto x = r.getSample();
        WorkerSampleRequest s;
        s.sample_id = x.getSampleId();
        s.model = str(x.getModel());
        s.subtask = str(x.getSubtask());
        s.seed = x.getSeed();
        for (auto m : x.getMessages()) s.messages.push_back(WireChatMessage{str(m.getRole()), str(m.getContent())});
        s.token_cap = x.getTokenCap();
        s.time_limit_s = x.getTimeLimitSeconds();
        s.time_scale = x.getTimeScale();
        return NodeMessage{std::move(s)};
      }
      case w::NodeMessage::CANCEL: return NodeMessage{WorkerCancel{r.getCancel()}};
      case w::NodeMessage::UNKNOWN_WORKER: return NodeMessage{WorkerUnknown{}};
    }
    return fmt::format("NodeMessage: union member {} is unknown", static_cast<unsigned>(r.which()));
  } catch (const BadBytes& e) {
    return "not a NodeMessage: " + e.why;
  } catch (const kj::Exception& e) {
    return "not a NodeMessage: " + std::string(e.getDescription().cStr());
  }
}

}  // namespace concord::edge
