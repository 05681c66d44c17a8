// Entry points of the mqkit tools, called by the thin executables in apps/.
#pragma once

namespace mqkit {

/// Flushes stdio and ends the process at once with `status`. Paho C stops its threads in 100 ms
/// sleep steps at normal exit; every tool has flushed its output and received every
/// acknowledgement before it returns, so nothing is lost by skipping that.
[[noreturn]] void exit_now(int status);

namespace pub {
/// mqpub: parses argv, publishes, returns the exit status (see README "Exit status").
int run(int argc, char** argv);
}  // namespace pub

namespace sub {
/// mqsub: parses argv, subscribes and prints messages, returns the exit status.
int run(int argc, char** argv);
}  // namespace sub

namespace rr {
/// mqrr: parses argv, sends one request, prints the response, returns the exit status.
int run(int argc, char** argv);
}  // namespace rr

namespace bench {
/// mqbench: parses argv, runs the load scenario (or merges reports), returns the exit status
/// (see README "mqbench").
int run(int argc, char** argv);
}  // namespace bench

namespace tspub {
/// tspub: parses argv and env, publishes to a ThingSpeak channel, returns the exit status (README
/// "tspub: ThingSpeak from cron": 0 ok, 2 usage, 3 credentials, 4 refused, 5 DNS, 6 network, 7 TLS,
/// 8 rate limit).
int run(int argc, char** argv);
}  // namespace tspub

namespace gen {
/// mqkit-gen: writes man/ and completions/ for every tool from the flag tables; returns the exit status.
int run(int argc, char** argv);
}  // namespace gen

}  // namespace mqkit
