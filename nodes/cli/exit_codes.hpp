#pragma once
// Exit codes of every `concord` subcommand (documented in README.md).
namespace concord::cli {

inline constexpr int kExitOk = 0;             // success (for `run`: the workflow completed within budget and deadline)
inline constexpr int kExitConstraintsFailed = 1;  // the workflow ran but did not complete within its budget/deadline
inline constexpr int kExitBadInput = 2;       // bad command line, unreadable or invalid input file
inline constexpr int kExitInternal = 3;       // a bug in Concord: please report it
inline constexpr int kExitInterrupted = 130;  // `run` stopped by SIGINT (128 + 2): partial report on stdout
inline constexpr int kExitTerminated = 143;   // `run` stopped by SIGTERM (128 + 15): partial report on stdout

}  // namespace concord::cli
