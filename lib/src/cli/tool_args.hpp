// What every tool does with its argv before parsing (see tool/tool_common.hpp for the whole run).
#pragma once

#include "mqkit/cli.hpp"
#include "mqkit/flags.hpp"

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

/// The tool's config file (config_file_path; if it does not exist, that of the mosquitto client
/// the tool stands in for) as arguments; empty if there is none. A file that holds a password and
/// is readable by group or others adds a warning. Throws mqkit::error if the file exists but
/// cannot be read, or a line is bad ("<path>:<line>: ...").
std::vector<std::string> read_config_file(const tool_spec& spec, env_lookup env, std::vector<std::string>& warnings);

/// The arguments that go before argv: the -o options file's if argv names one (it must be
/// readable; two -o are an error), else the config file's (read_config_file), unless argv holds
/// --no-config.
std::vector<std::string> config_args(const tool_spec& spec, const std::vector<std::string>& args, env_lookup env,
                                     std::vector<std::string>& warnings);

}  // namespace mqkit::detail
