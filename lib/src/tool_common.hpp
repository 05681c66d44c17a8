// What every tool's run() shares: argv handling, error reporting, signals, version text.
#pragma once

#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/flags.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mqkit::detail {

/// argv[1..] as strings.
std::vector<std::string> args_of(int argc, char** argv);
/// The pid and host name used for default client ids.
process_identity current_identity();
/// Overwrites secrets given on the command line (-P/--pw and --legacy-api-key values, passwords in
/// -L and --proxy URLs) in the process's own argv, so `ps` shows "****" once they have been read.
void scrub_secrets(int argc, char** argv);
/// True if argv holds --quiet (used when parsing itself failed).
bool has_quiet(const std::vector<std::string>& args);
/// True if `args` (before any "--") hold `flag` exactly, e.g. "--no-config".
bool has_flag(const std::vector<std::string>& args, std::string_view flag);

/// The tool's config file (config_file_path) as arguments; empty if there is none. A file that
/// holds a password and is readable by group or others adds a warning. Throws mqkit::error if the
/// file exists but cannot be read, or a line is bad ("<path>:<line>: ...").
std::vector<std::string> read_config_file(const tool_spec& spec, env_lookup env, std::vector<std::string>& warnings);

/// Prints "<tool>: error: <message>" (and "<tool>: hint: <hint>") to stderr; returns e.status().
int report(std::string_view tool, const error& e, bool quiet);
/// Prints "<tool>: warning: <message>" to stderr.
void warn(std::string_view tool, std::string_view message, bool quiet);

/// "mqpub 0.1.0 (libmqkit 0.1.0, Eclipse Paho MQTT C++ 1.2.0, Paho MQTT C 1.3.11)": the Paho versions
/// are those of the libraries loaded at run time.
std::string version_text(std::string_view tool);

/// SIGINT/SIGTERM delivered to a sigwait() thread instead of interrupting Paho's threads.
/// install() must run before any other thread starts so every thread inherits the blocked mask.
class stop_signal {
public:
    static void install();
    /// The signal received (SIGINT, SIGTERM) or 0.
    static int received();
    /// The exit status for it: exit_code::terminated (143) for SIGTERM, else interrupted (130).
    static exit_code status();
    /// How the tools say it: "terminated" for SIGTERM, else "interrupted".
    static const char* word();
    /// An fd that becomes readable when a signal arrives (for poll() on stdin).
    static int wake_fd();
    /// Called (on the signal thread) when a signal arrives.
    static void on_signal(std::function<void()> callback);
};

/// A one-shot "we are done" flag with a status, settable from any thread.
class completion {
public:
    void finish(int status);
    /// Waits until finished or `seconds` pass (negative: forever). Returns true if finished.
    bool wait(double seconds);
    bool done() const;
    int status() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    int status_ = 0;
};

/// getenv as an env_lookup.
inline const char* process_env(const char* name) {
    return std::getenv(name);
}

/// The one way every tool runs: secrets are scrubbed from argv first (the parser reads a copy),
/// signals are set up before any thread starts, `parse(args, env, identity)` builds the config
/// (help and version are answered from `spec`), then `body(config)` returns the exit status. Every mqkit::error is
/// printed once, here. The config file (read_config_file) goes before argv unless argv holds --no-config.
template <class Parse, class Body>
int run_tool(const tool_spec& spec, int argc, char** argv, Parse&& parse, Body&& body) {
    // The parser reads a copy; the real argv (what `ps` shows) loses its secrets at once.
    std::vector<std::string> args = args_of(argc, argv);
    scrub_secrets(argc, argv);
    bool quiet = has_quiet(args);
    try {
        stop_signal::install();
        std::vector<std::string> warnings;
        if (!has_flag(args, "--no-config")) {
            std::vector<std::string> from_file = read_config_file(spec, process_env, warnings);
            args.insert(args.begin(), from_file.begin(), from_file.end());
            quiet = has_quiet(args);
        }
        auto parsed = parse(args, process_env, current_identity());
        if (parsed.action == cli_action::help) {
            std::fputs(render_help(spec).c_str(), stdout);
            return 0;
        }
        if (parsed.action == cli_action::version) {
            std::fputs(version_text(spec.name).c_str(), stdout);
            return 0;
        }
        for (const auto& w : warnings) warn(spec.name, w, quiet);
        for (const auto& w : parsed.warnings) warn(spec.name, w, quiet);
        return body(parsed.config);
    } catch (const error& e) {
        return report(spec.name, e, quiet);
    } catch (const std::exception& e) {
        return report(spec.name, error(exit_code::failure, fmt::format("internal error: {}", e.what())), quiet);
    }
}

}  // namespace mqkit::detail
