// Building blocks of every tool's argument parser: tokenizing against a flag table, numbers with
// range checks, and the shared connection options. Used by cli.cpp and each tool's own parser.
#pragma once

#include "cli/url.hpp"
#include "mqkit/cli.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqkit::detail {

/// The raw result of tokenizing: each flag's values in order, positionals, and -D groups.
struct raw_args {
    std::map<std::string, std::vector<std::string>, std::less<>> values;  // long name -> values
    std::vector<std::string> positionals;
    std::vector<std::vector<std::string>> properties;  // each -D's words

    bool has(std::string_view name) const { return values.find(name) != values.end(); }
    const std::string* last(std::string_view name) const {
        auto it = values.find(name);
        return it == values.end() || it->second.empty() ? nullptr : &it->second.back();
    }
};

/// argv (without argv[0]) -> raw values per long flag name, checked against `spec`: unknown flags
/// (with a "did you mean"), missing arguments, unsupported flags and stray words are usage_errors.
raw_args tokenize(const tool_spec& spec, const std::vector<std::string>& args);

/// help/version if asked for (they win over every other flag), else run.
cli_action early_action(const raw_args& raw);

/// Levenshtein distance between two words (for "did you mean" suggestions).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// "-t/--topic" for the flag named `name` in `spec`.
std::string flag_label(const tool_spec& spec, std::string_view name);

/// A decimal number in [min, max]; usage_error naming `flag_name` otherwise.
double parse_number(const std::string& text, double min, double max, const std::string& flag_name);

/// "0", "1" or "2"; usage_error naming `flag_name` otherwise.
int parse_qos(const std::string& text, const std::string& flag_name);

/// "invalid <what> '<topic>': <why>" for an error message, the topic cut and escaped as needed.
std::string invalid_topic(std::string_view what, std::string_view topic, const std::string& why);

/// "<tool>|<pid>-<hostname>", cut to MQTT 3.1's 23 bytes.
std::string default_client_id(std::string_view tool, const process_identity& who);

/// What a tool's connection is unless its flags say otherwise.
struct connection_defaults {
    mqtt_version version = mqtt_version::v311;  ///< without -V, -x or -D (mqrr: MQTT v5)
    /// Without -i or -I: an empty client id, which the broker replaces with one of its own (as
    /// mosquitto's clients do); false: "<tool>|<pid>-<hostname>".
    bool empty_client_id = true;
    /// The tool connects through mqkit::session, so mqkit's own relay can carry its connections
    /// (--proxy socks5h://, --psk, --tls-keylog); false: those are refused.
    bool relay = true;
};

/// The shared connection/auth/will/v5 options (the groups of flag_groups.hpp) as a typed config,
/// with every cross-flag check. `url` receives a parsed -L URL, if one was given.
connection_config build_connection(const tool_spec& spec, const raw_args& raw, env_lookup env,
                                   const process_identity& who, std::optional<broker_url>& url,
                                   const connection_defaults& defaults);
/// The same with MQTT 3.1.1, a "<tool>|<pid>-<hostname>" client id by default and no relay (tspub,
/// mqbench).
connection_config build_connection(const tool_spec& spec, const raw_args& raw, env_lookup env,
                                   const process_identity& who, std::optional<broker_url>& url);

/// Warnings every tool prints about a connection_config (e.g. --insecure); put them in
/// parse_result::warnings.
std::vector<std::string> connection_warnings(const connection_config& c);

}  // namespace mqkit::detail
