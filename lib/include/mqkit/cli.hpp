// Command-line parsing: argv to a typed config, or a help/version request. Pure: never prints.
#pragma once

#include "mqkit/flags.hpp"
#include "mqkit/options.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mqkit {

/// What the command line asks for.
enum class cli_action { run, help, version };

/// Environment lookups the parser may use (MQKIT_USERNAME, MQKIT_PASSWORD, HOME...), injectable
/// for tests. Returns nullptr when unset.
using env_lookup = const char* (*)(const char*);

/// Identity used to generate a default client id.
struct process_identity {
    long pid = 0;
    std::string hostname;
};

template <class Config>
struct parse_result {
    cli_action action = cli_action::run;
    Config config{};
    std::vector<std::string> warnings;  ///< non-fatal notes for stderr
};

/// Parses mqpub's arguments (args excludes argv[0]). Throws usage_error on any bad input.
parse_result<pub_config> parse_pub(const std::vector<std::string>& args, env_lookup env = nullptr,
                                   const process_identity& who = {});
/// Parses mqsub's arguments (args excludes argv[0]). Throws usage_error on any bad input.
parse_result<sub_config> parse_sub(const std::vector<std::string>& args, env_lookup env = nullptr,
                                   const process_identity& who = {});
/// Parses mqrr's arguments (args excludes argv[0]). Throws usage_error on any bad input.
parse_result<rr_config> parse_rr(const std::vector<std::string>& args, env_lookup env = nullptr,
                                 const process_identity& who = {});

/// Parses a number for `flag_name`; throws usage_error naming the flag and range. long long: the
/// ranges go up to 4294967295 (MQTT's 32-bit properties), more than a 32-bit long holds.
long long parse_integer(const std::string& text, long long min, long long max, const std::string& flag_name);

/// Where `tool`'s config file lives: $XDG_CONFIG_HOME/<tool>, else $HOME/.config/<tool> (as
/// mosquitto's clients look for $XDG_CONFIG_HOME/mosquitto_pub); empty if neither variable is set.
std::string config_file_path(std::string_view tool, env_lookup env);

/// The mosquitto client `tool` stands in for ("mqsub" -> "mosquitto_sub"), or empty. When the
/// tool's own config file does not exist, config_file_path(mosquitto_client_name(tool)) is read.
std::string mosquitto_client_name(std::string_view tool);

/// Turns a config file's text into arguments that go before the command line's: one option per
/// line ("-h broker.local", "--cafile /etc/ca.pem"), the rest of the line after the option being
/// its one value (-D takes its words); blank lines and lines starting with '#' are skipped. Each
/// line is checked against `spec`; a bad line throws usage_error "<path>:<line>: <what>".
std::vector<std::string> config_file_args(const tool_spec& spec, const std::string& path, const std::string& text);

/// True if `args` hold a password: -P/--pw, or a password inside a -L or --proxy URL.
bool args_hold_password(const std::vector<std::string>& args);

/// Closest long flag name to `unknown` within edit distance 2, or empty.
std::string suggest_flag(const tool_spec& spec, const std::string& unknown);

}  // namespace mqkit
