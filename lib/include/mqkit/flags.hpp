// Flag tables: the one source of truth for each tool's options, --help, man pages and completions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mqkit {

/// What a flag's argument is, for parsing, help and shell completion.
enum class value_kind {
    none,      ///< a switch: no argument
    text,      ///< free text
    integer,   ///< a whole number (range checked by the parser)
    number,    ///< a decimal number
    choice,    ///< one of flag::choices
    file,      ///< a path to a file
    dir,       ///< a path to a directory
    host,      ///< a host name or address
    topic,     ///< an MQTT topic or filter
    format,    ///< an mqsub -F format string
    url,       ///< an mqtt:// URL
    property,  ///< -D: command identifier value (3 or 4 words)
};

/// One command-line flag. `name` is the long name and the key the parser stores values under.
struct flag {
    char short_name = 0;    ///< e.g. 't'; 0 if the flag has only a long form
    std::string_view name;  ///< long name without dashes, e.g. "topic"
    std::string_view arg;   ///< argument name shown in help, e.g. "topic"; empty for switches
    value_kind kind = value_kind::none;
    std::string_view help;                    ///< one line for --help and completions
    std::string_view details;                 ///< extra man-page paragraph; may be empty
    std::vector<std::string_view> choices{};  ///< allowed values for value_kind::choice
    bool repeatable = false;                  ///< may be given more than once (e.g. mqsub -t)
    bool unsupported = false;                 ///< mosquitto has it, Paho cannot do it: accepted, then refused
};

/// A named group of flags, printed together in --help and the man page.
struct flag_group {
    std::string_view title;
    std::vector<flag> flags;
};

/// One documented fact about a tool: an exit status (or range), an environment variable or a file,
/// with its meaning on one line. Used by the man page and, for exit statuses, the --help footer.
struct doc_entry {
    std::string_view name;     ///< "0", "1-5", "MQKIT_PASSWORD", "~/.config/tspub"
    std::string_view meaning;  ///< one line, lower case start, no final period
};

/// One example command for the man page's EXAMPLES section.
struct tool_example {
    std::string_view explanation;  ///< what it shows, one sentence ending in ':'
    std::string_view command;      ///< the command line(s), as typed; '\n' separates lines
};

/// Everything the help/man/completion generators need to know about a tool.
struct tool_spec {
    std::string_view name;         ///< "mqpub"
    std::string_view summary;      ///< one line: what the tool does
    std::string_view usage;        ///< synopsis lines after the tool name; '\n' separates lines
    std::string_view description;  ///< man page DESCRIPTION; a blank line ("\n\n") separates paragraphs
    std::vector<flag_group> groups;
    std::vector<doc_entry> exit_status;      ///< every exit status, in the order documented
    std::vector<doc_entry> environment;      ///< environment variables the tool reads
    std::vector<doc_entry> files;            ///< files the tool reads or writes; may be empty
    std::vector<tool_example> examples;      ///< man EXAMPLES, in order
    std::vector<std::string_view> see_also;  ///< other pages, e.g. "mosquitto_pub(1)"; mqkit's own tools are added

    /// Finds a flag by long name; nullptr if none.
    const flag* find(std::string_view long_name) const;
    /// Finds a flag by short name; nullptr if none.
    const flag* find_short(char short_name) const;
};

const tool_spec& mqpub_spec();
const tool_spec& mqsub_spec();
/// mqrr: one request, one response (mosquitto_rr).
const tool_spec& mqrr_spec();
/// tspub: publish readings to a ThingSpeak channel.
const tool_spec& tspub_spec();
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
