// Flag tables: the one source of truth for each tool's options, --help, man pages and completions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mqkit {

/// What a flag's argument is, for parsing, help and shell completion.
enum class value_kind {
    none,     ///< a switch: no argument
    text,     ///< free text
    integer,  ///< a whole number (range checked by the parser)
    number,   ///< a decimal number
    choice,   ///< one of flag::choices
    file,     ///< a path to a file
    dir,      ///< a path to a directory
    host,     ///< a host name or address
    topic,    ///< an MQTT topic or filter
    format,   ///< an mqsub -F format string
    url,      ///< an mqtt:// URL
    property, ///< -D: command identifier value (3 or 4 words)
};

/// One command-line flag. `name` is the long name and the key the parser stores values under.
struct flag {
    char short_name = 0;             ///< e.g. 't'; 0 if the flag has only a long form
    std::string_view name;           ///< long name without dashes, e.g. "topic"
    std::string_view arg;            ///< argument name shown in help, e.g. "topic"; empty for switches
    value_kind kind = value_kind::none;
    std::string_view help;           ///< one line for --help and completions
    std::string_view details;        ///< extra man-page paragraph; may be empty
    std::vector<std::string_view> choices{};  ///< allowed values for value_kind::choice
    bool repeatable = false;         ///< may be given more than once (e.g. mqsub -t)
    bool unsupported = false;        ///< mosquitto has it, Paho cannot do it: accepted, then refused
};

/// A named group of flags, printed together in --help and the man page.
struct flag_group {
    std::string_view title;
    std::vector<flag> flags;
};

/// Everything the help/man/completion generators need to know about a tool.
struct tool_spec {
    std::string_view name;         ///< "mqpub"
    std::string_view summary;      ///< one line: what the tool does
    std::string_view usage;        ///< synopsis lines after the tool name
    std::string_view description;  ///< man page DESCRIPTION paragraph(s)
    std::vector<flag_group> groups;

    /// Finds a flag by long name; nullptr if none.
    const flag* find(std::string_view long_name) const;
    /// Finds a flag by short name; nullptr if none.
    const flag* find_short(char short_name) const;
};

const tool_spec& mqpub_spec();
const tool_spec& mqsub_spec();
/// mqbench: one table for every scenario; the scenario is the first word (see its usage).
const tool_spec& mqbench_spec();

/// Every tool's table, in the order the tools are documented (for the man/completion generators
/// and the tests that check them).
const std::vector<const tool_spec*>& all_tool_specs();

/// The flag as a user would write it: "-t/--topic" or "--will-topic".
std::string display_name(const flag& f);

/// Renders `--help` for a tool from its table.
std::string render_help(const tool_spec& spec);

}  // namespace mqkit
