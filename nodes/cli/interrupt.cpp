#include "cli/interrupt.hpp"

#include <csignal>

#include "cli/exit_codes.hpp"

namespace concord::cli {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the signal handler needs lock-free atomics");
struct sigaction g_old_int, g_old_term;

extern "C" void on_stop_signal(int sig) {
  if (g_signal.exchange(sig) != 0) {  // a second signal: stop now, the default way
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_stop.store(true);  // after the signal number: whoever sees the flag sees the signal
}

}  // namespace

InterruptScope::InterruptScope() {
  g_stop.store(false);
  g_signal.store(0);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptScope::~InterruptScope() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

const std::atomic<bool>* InterruptScope::flag() const { return &g_stop; }
int InterruptScope::signal() const { return g_signal.load(); }

int exit_code_for_signal(int sig) {
  if (sig == SIGINT) return kExitInterrupted;
  if (sig == SIGTERM) return kExitTerminated;
  return 128 + sig;
}

}  // namespace concord::cli
