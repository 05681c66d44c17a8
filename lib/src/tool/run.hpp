// How every tool runs: argv and config file, parse, signals, body, one error report.
#pragma once

#include "cli/tool_args.hpp"
#include "core/output.hpp"
#include "core/signals.hpp"
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/flags.hpp"
#include "mqkit/session.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace mqkit::detail {

/// Prints "<tool>: error: <message>" (and "<tool>: hint: <hint>") to stderr; returns e.status().
int report(std::string_view tool, const error& e, bool quiet);
/// Prints "<tool>: warning: <message>" to stderr.
void warn(std::string_view tool, std::string_view message, bool quiet);

/// "mqpub 0.1.0 (libmqkit 0.1.0, Eclipse Paho MQTT C++ 1.2.0, Paho MQTT C 1.3.11)": the Paho versions
/// are those of the libraries loaded at run time.
std::string version_text(std::string_view tool);

/// -d: a trace sink that writes the session's lines to `out`, in order with the tool's own output;
/// none without -d (or with --quiet).
trace_sink debug_trace(const connection_config& c, stdout_writer& out);

/// getenv as an env_lookup.
inline const char* process_env(const char* name) {
    return std::getenv(name);
}

/// The one way every tool runs: secrets are scrubbed from argv first (the parser reads a copy),
/// signals are set up before any thread starts, `parse(args, env, identity)` builds the config
/// (help and version are answered from `spec`), then `body(config)` returns the exit status. Every mqkit::error is
/// printed once, here. The -o options file or the config file (config_args) goes before argv.
template <class Parse, class Body>
int run_tool(const tool_spec& spec, int argc, char** argv, Parse&& parse, Body&& body) {
    // The parser reads a copy; the real argv (what `ps` shows) loses its secrets at once.
    std::vector<std::string> args = args_of(argc, argv);
    scrub_secrets(argc, argv);
    bool quiet = has_quiet(args);
    try {
        stop_signal::install();
        // Paho C tunnels every connection through $http_proxy / $https_proxy (ignoring
        // no_proxy); mosquitto's clients do not, and a tool talking to a broker on localhost must
        // not either: --proxy is the way. (A program that links libmqkit keeps Paho's default.)
        ::unsetenv("http_proxy");
        ::unsetenv("https_proxy");
        session::leave_clients_to_exit();  // every tool ends with exit_now()
        std::vector<std::string> warnings;
        std::vector<std::string> from_file = config_args(spec, args, process_env, warnings);
        args.insert(args.begin(), from_file.begin(), from_file.end());
        quiet = has_quiet(args);
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
