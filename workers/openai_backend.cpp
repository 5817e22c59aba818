#include "openai_backend.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

namespace concord::workers {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
constexpr int kPollMs = 20;                 // cancel granularity of the transfer loop
constexpr std::size_t kDetailBody = 200;    // bytes of an error body quoted in `detail`

std::once_flag curl_once;
bool curl_ready = false;

bool init_curl() {
  std::call_once(curl_once, [] { curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return curl_ready;
}

/// What the callbacks collect. Owned by one run() call.
struct Transfer {
  std::string body;
  std::size_t limit = 0;
  bool overflow = false;    // the body passed `limit`: the transfer was aborted
  std::string retry_after;  // the last Retry-After header's value
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->body.size() + n > t->limit) {
    t->overflow = true;
    return 0;  // CURLE_WRITE_ERROR
  }
  t->body.append(data, n);
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  constexpr std::string_view name = "retry-after:";
  if (line.size() >= name.size()) {
    bool match = true;
    for (std::size_t i = 0; i < name.size() && match; ++i)
      match = (line[i] >= 'A' && line[i] <= 'Z' ? char(line[i] - 'A' + 'a') : line[i]) == name[i];
    if (match) t->retry_after = std::string(trim(line.substr(name.size())).substr(0, 64));
  }
  return n;
}

std::string one_line(std::string_view text, std::size_t limit) {
  std::string out(text.substr(0, limit));
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

std::string make_endpoint(std::string base) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0) base.resize(base.size() - 3);
  return base + "/v1/chat/completions";
}

SampleOutcome failed(ErrorClass error, std::string detail) {
  SampleOutcome out;
  out.error = error;
  out.detail = std::move(detail);
  return out;
}

bool non_negative_integer(const json& object, const char* key, std::int64_t& value) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return false;
  value = it->get<std::int64_t>();
  return value >= 0;
}

/// A 2xx body -> the outcome (success, truncated or malformed). Never throws on a bad body.
SampleOutcome parse_completion(const std::string& body, std::int64_t token_cap) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return failed(ErrorClass::malformed, "body is not JSON: " + one_line(body, kDetailBody));
  if (!doc.is_object()) return failed(ErrorClass::malformed, "body is not a JSON object");
  const auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object())
    return failed(ErrorClass::malformed, "no choices[0]");
  const json& choice = (*choices)[0];
  const auto message = choice.find("message");
  if (message == choice.end() || !message->is_object()) return failed(ErrorClass::malformed, "no choices[0].message");
  const auto content = message->find("content");
  if (content == message->end() || !content->is_string()) return failed(ErrorClass::malformed, "choices[0].message.content is not a string");
  const auto usage = doc.find("usage");
  if (usage == doc.end() || !usage->is_object()) return failed(ErrorClass::malformed, "no usage");
  SampleOutcome out;
  if (!non_negative_integer(*usage, "prompt_tokens", out.input_tokens) || !non_negative_integer(*usage, "completion_tokens", out.output_tokens))
    return failed(ErrorClass::malformed, "usage.prompt_tokens/completion_tokens are not integers >= 0");
  out.output = content->get<std::string>();
  const auto finish = choice.find("finish_reason");
  if (finish != choice.end() && finish->is_string() && finish->get<std::string>() == "length") {
    out.error = ErrorClass::truncated;
    out.detail = fmt::format("finish_reason length after {} tokens", out.output_tokens);
  } else if (token_cap > 0 && out.output_tokens > token_cap) {
    out.error = ErrorClass::truncated;
    out.detail = fmt::format("{} completion tokens, above the cap of {}", out.output_tokens, token_cap);
  } else {
    out.success = true;
  }
  return out;
}

struct CurlEasyDelete {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct CurlMultiDelete {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
struct CurlListDelete {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

SampleOutcome run_request(const OpenAiOptions& options, const std::string& endpoint, const SampleJob& job,
                          const std::atomic<bool>& cancel, Clock::time_point start) {
  if (!init_curl()) return failed(ErrorClass::transport, "curl_global_init failed");
  json request = {{"model", options.model}, {"messages", json::array()}};
  for (const auto& m : job.messages) request["messages"].push_back({{"role", m.role}, {"content", m.content}});
  if (job.token_cap > 0) request["max_tokens"] = job.token_cap;
  // Invalid UTF-8 in a prompt is replaced (U+FFFD) rather than thrown on.
  const std::string payload = request.dump(-1, ' ', false, json::error_handler_t::replace);

  std::unique_ptr<CURLM, CurlMultiDelete> multi(curl_multi_init());
  std::unique_ptr<CURL, CurlEasyDelete> easy(curl_easy_init());
  if (!multi || !easy) return failed(ErrorClass::transport, "curl handle allocation failed");
  curl_slist* raw = nullptr;
  for (const std::string& h : {std::string("Content-Type: application/json"), std::string("Expect:"),
                               options.api_key.empty() ? std::string() : "Authorization: Bearer " + options.api_key}) {
    if (h.empty()) continue;
    curl_slist* next = curl_slist_append(raw, h.c_str());
    if (next == nullptr) {
      curl_slist_free_all(raw);
      return failed(ErrorClass::transport, "curl_slist_append failed");
    }
    raw = next;
  }
  std::unique_ptr<curl_slist, CurlListDelete> headers(raw);

  Transfer t;
  t.limit = options.max_response_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, endpoint.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  if (options.connect_timeout_s > 0) curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_s * 1000));
  if (job.time_limit_s > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(job.time_limit_s * 1000) > 0 ? static_cast<long>(job.time_limit_s * 1000) : 1L);

  if (curl_multi_add_handle(multi.get(), h) != CURLM_OK) return failed(ErrorClass::transport, "curl_multi_add_handle failed");
  // Removed before either handle is cleaned up, on every path.
  struct Detach {
    CURLM* m;
    CURL* e;
    ~Detach() { curl_multi_remove_handle(m, e); }
  } detach{multi.get(), h};

  CURLcode result = CURLE_OK;
  bool done = false;
  while (!done) {
    int running = 0;
    if (const CURLMcode mc = curl_multi_perform(multi.get(), &running); mc != CURLM_OK)
      return failed(ErrorClass::transport, std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) {
        result = msg->data.result;
        done = true;
      }
    }
    if (done) break;
    if (cancel.load(std::memory_order_relaxed)) return failed(ErrorClass::cancelled, "cancelled");  // Detach closes the connection
    curl_multi_poll(multi.get(), nullptr, 0, kPollMs, nullptr);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const std::string why = error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(result));
  if (result == CURLE_WRITE_ERROR && t.overflow)
    return failed(ErrorClass::malformed, fmt::format("response body above {} bytes", options.max_response_bytes));
  if (result == CURLE_OPERATION_TIMEDOUT) {
    curl_off_t connect_us = 0;
    curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);
    const bool limit_passed = job.time_limit_s > 0 && elapsed + 0.05 >= job.time_limit_s;
    if (connect_us == 0 && !limit_passed) return failed(ErrorClass::transport, "connect: " + why);
    return failed(ErrorClass::timeout, why);
  }
  if (result != CURLE_OK) {
    const bool never_connected = result == CURLE_COULDNT_CONNECT || result == CURLE_COULDNT_RESOLVE_HOST || result == CURLE_COULDNT_RESOLVE_PROXY;
    return failed(ErrorClass::transport, (never_connected ? "connect: " : "") + why);
  }

  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status == 429) {
    std::string detail = "HTTP 429";
    if (!t.retry_after.empty()) detail += "; Retry-After: " + t.retry_after;
    return failed(ErrorClass::rate_limited, detail);
  }
  if (status < 200 || status > 299)
    return failed(ErrorClass::http_status, fmt::format("HTTP {}: {}", status, one_line(t.body, kDetailBody)));
  return parse_completion(t.body, job.token_cap);
}

}  // namespace

OpenAiBackend::OpenAiBackend(OpenAiOptions options) : options_(std::move(options)), endpoint_(make_endpoint(options_.base_url)) {}

SampleOutcome OpenAiBackend::run(const SampleJob& job, const std::atomic<bool>& cancel) {
  const auto start = Clock::now();
  SampleOutcome out;
  try {
    out = run_request(options_, endpoint_, job, cancel, start);
  } catch (const std::exception& e) {  // std::bad_alloc, a json type error: never past this boundary
    out = failed(ErrorClass::malformed, std::string("internal error: ") + e.what());
  } catch (...) {
    out = failed(ErrorClass::malformed, "internal error");
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  out.latency_s = elapsed > 0 ? elapsed : 0;
  // What the provider may bill is known from a parsed `usage`, or when it never generated (it
  // refused with a status, or no connection was made). A request cut short (cancel, timeout, a
  // connection lost mid-way) or a body we could not read: unknown, and the node charges the
  // sample's whole reservation (sample_job.hpp).
  switch (out.error) {
    case ErrorClass::cancelled:
    case ErrorClass::timeout:
    case ErrorClass::malformed: out.usage_known = false; break;
    case ErrorClass::transport: out.usage_known = out.detail.rfind("connect: ", 0) == 0; break;
    default: break;
  }
  return out;
}

}  // namespace concord::workers
