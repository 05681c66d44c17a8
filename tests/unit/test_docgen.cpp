// Unit tests for the man page and completion generators: groff escaping, value completion per
// value_kind, unsupported flags left out, and the tables the generators read.
#include "cli/docgen.hpp"
#include "mqkit/error.hpp"
#include "mqkit/format.hpp"

#include "catch_compat.hpp"

#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace mqkit;

namespace {

using vk = value_kind;

/// ASCII text as the man page writes it: \ as \e, - as \-, a leading '.' kept from being a request.
std::string roff_text(std::string_view text) {
    std::string out = !text.empty() && text[0] == '.' ? "\\&" : "";
    for (char c : text) out += c == '\\' ? std::string("\\e") : c == '-' ? std::string("\\-") : std::string(1, c);
    return out;
}

/// A tool whose table holds one flag of every kind the generators treat differently, and text
/// that groff would misread unless escaped.
const tool_spec& odd_spec() {
    static const tool_spec spec = [] {
        tool_spec s{"oddtool", "a tool with odd text", "-a value\n-b", ".starts with a dot\n\n'and a quote", {}};
        s.groups.push_back({"Odd",
                            {
                                {'a', "alpha", "value", vk::text, ".leading dot, back\\slash and caf\xc3\xa9"},
                                {'c', "config", "file", vk::file, "read a file", "'quoted first line\nsecond"},
                                {0, "cache-dir", "dir", vk::dir, "a directory"},
                                {'H', "server", "host", vk::host, "a host"},
                                {0, "level", "level", vk::choice, "one of low high", {}, {"low", "high"}},
                                {'r', "repeat-me", "x", vk::text, "may come again", {}, {}, true},
                                {'z', "zombie", "", vk::none, "never offered", {}, {}, false, true},
                                {'F', "format", "format", vk::format, "an output format"},
                                {0, "help", "", vk::none, "show help"},
                            }});
        s.exit_status = {{"0", "fine"}, {"3-4", "odd failures"}};
        s.environment = {{"ODD_HOME", "where odd things live"}};
        s.files = {{"~/.oddrc", "settings"}};
        s.examples = {{"Run it twice:", "oddtool -a x\noddtool -a y"}};
        s.see_also = {"mosquitto(8)"};
        return s;
    }();
    return spec;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("the man page escapes what groff would misread", "[docgen]") {
    const std::string man = render_man_page(odd_spec());
    const std::set<std::string> requests{".TH", ".SH", ".SS", ".TP", ".IP", ".PP", ".RS", ".RE", ".nf", ".fi", ".br"};
    for (const auto& line : lines_of(man)) {
        INFO(line);
        CHECK(line.rfind("'", 0) != 0);             // a leading ' is a control line too
        if (line.rfind(".\\\"", 0) == 0) continue;  // the comment line
        if (!line.empty() && line[0] == '.') CHECK(requests.count(line.substr(0, line.find(' '))) == 1);
        for (std::size_t i = 0; i < line.size(); ++i)
            if (line[i] == '-') CHECK((i > 0 && line[i - 1] == '\\'));  // every hyphen is \-
    }
    CHECK(contains(man, "\\&.leading dot, back\\eslash and caf\\[u00E9]."));
    CHECK(contains(man, "\\&.starts with a dot\n.PP\n\\&'and a quote\n"));
    CHECK(contains(man, "\\&'quoted first line\nsecond\n"));
    CHECK(contains(man, ".TH ODDTOOL 1 "));
    CHECK(contains(man, "oddtool \\- a tool with odd text\n"));
    CHECK(contains(man, "\\fBoddtool\\fR \\-a value\n.br\n\\fBoddtool\\fR \\-b\n"));
}

TEST_CASE("the man page has every section, from the table", "[docgen]") {
    const std::string man = render_man_page(odd_spec());
    std::vector<std::string> sections;
    for (const auto& line : lines_of(man))
        if (line.rfind(".SH ", 0) == 0) sections.push_back(line.substr(4));
    CHECK(sections == std::vector<std::string>{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "OUTPUT FORMAT",
                                               "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"});
    CHECK(contains(man, ".SS Odd\n"));
    CHECK(contains(man, ".TP\n\\fB\\-c\\fR, \\fB\\-\\-config\\fR \\fIfile\\fR\nRead a file.\n.IP\n"));
    CHECK(contains(man, ".TP\n\\fB\\-\\-help\\fR\nShow help.\n"));
    CHECK(contains(
        man, "\\fB\\-r\\fR, \\fB\\-\\-repeat\\-me\\fR \\fIx\\fR\nMay come again.\nMay be given more than once.\n"));
    CHECK(contains(man, ".TP\n\\fB3\\-4\\fR\nOdd failures.\n"));
    CHECK(contains(man, ".TP\n\\fBODD_HOME\\fR\nWhere odd things live.\n"));
    CHECK(contains(man, ".TP\n\\fI~/.oddrc\\fR\nSettings.\n"));
    CHECK(contains(man, "Run it twice:\n.PP\n.RS 4\n.nf\noddtool \\-a x\noddtool \\-a y\n.fi\n.RE\n"));
    CHECK(contains(man, "\\fBmosquitto\\fR(8)"));
    CHECK_FALSE(contains(man, "zombie"));
    // The real tools name each other.
    CHECK(contains(render_man_page(mqpub_spec()), "\\fBmqsub\\fR(1)"));
}

TEST_CASE("an empty FILES list leaves the section out", "[docgen]") {
    CHECK(mqpub_spec().files.empty());
    CHECK_FALSE(contains(render_man_page(mqpub_spec()), ".SH FILES"));
}

TEST_CASE("completions complete each kind of value and leave unsupported flags out", "[docgen]") {
    const std::string bash = render_bash_completion(odd_spec());
    const std::string zsh = render_zsh_completion(odd_spec());
    const std::string fish = render_fish_completion(odd_spec());
    for (const auto* text : {&bash, &zsh, &fish}) {
        CHECK_FALSE(contains(*text, "zombie"));
        CHECK_FALSE(contains(*text, "never offered"));
    }

    CHECK(contains(bash,
                   "        -c|--config)\n            compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < "
                   "<(compgen -f -- \"$cur\")"));
    CHECK(contains(bash,
                   "--cache-dir)\n            compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d"));
    CHECK(contains(bash, "-H|--server)\n            mapfile -t COMPREPLY < <(compgen -A hostname"));
    CHECK(contains(bash, "--level)\n            mapfile -t COMPREPLY < <(compgen -W 'low high'"));
    CHECK(contains(bash, "_mqkit_offer_value '%t' 'topic'"));
    CHECK(contains(bash, "    _mqkit_offer_flag -r --repeat-me 'may come again'\n"));  // offered again
    CHECK(contains(bash, "[[ -v used[alpha] ]] || _mqkit_offer_flag -a --alpha '.leading dot, back\\slash"));
    CHECK(contains(bash, "complete -F _mqkit_oddtool oddtool\n"));

    CHECK(zsh.rfind("#compdef oddtool\n", 0) == 0);
    CHECK(contains(zsh, "'(-c --config)'{-c+,--config=}'[read a file]:file:_files'"));
    CHECK(contains(zsh, "'(--cache-dir)'--cache-dir='[a directory]:dir:_files -/'"));
    CHECK(contains(zsh, "{-H+,--server=}'[a host]:host:_hosts'"));
    CHECK(contains(zsh, "--level='[one of low high]:level:(low high)'"));
    CHECK(contains(zsh, "'*'{-r+,--repeat-me=}'[may come again]:x:'"));
    CHECK(contains(zsh, ":format:_mqkit_oddtool_formats'"));
    CHECK(contains(zsh, "'%t:topic'"));
    CHECK(contains(zsh, "'(--help)'--help'[show help]'"));

    CHECK(contains(fish, "complete -c oddtool -n '__mqkit_unused c config' -s c -l config -r -F -d 'read a file'"));
    CHECK(contains(fish, "-l cache-dir -x -a '(__fish_complete_directories (commandline -ct))'"));
    CHECK(contains(fish, "-s H -l server -x -a '(__fish_print_hostnames)'"));
    CHECK(contains(fish, "-l level -x -a 'low high'"));
    CHECK(contains(fish, "complete -c oddtool -s r -l repeat-me -x -d 'may come again'"));  // no "unused" test
    CHECK(contains(fish, "-d '.leading dot, back\\\\slash and caf\xc3\xa9'"));
    CHECK(contains(fish, "printf '%s\\t%s\\n' '%t' 'topic'"));
}

TEST_CASE("the generated files are a man page and three completions per tool", "[docgen]") {
    std::set<std::string> paths;
    for (const auto& f : generated_files()) {
        CHECK_FALSE(f.text.empty());
        paths.insert(f.path);
    }
    CHECK(paths.size() == 4 * all_tool_specs().size());
    for (const tool_spec* spec : all_tool_specs()) {
        const std::string name(spec->name);
        for (const auto& p : {"man/" + name + ".1", "completions/bash/" + name, "completions/zsh/_" + name,
                              "completions/fish/" + name + ".fish"})
            CHECK(paths.count(p) == 1);
    }
}

TEST_CASE("every -F specifier offered is one validate_format accepts, and no other exists", "[docgen]") {
    std::set<std::string> offered;
    for (const auto& s : format_specifiers()) {
        INFO(s.text);
        CHECK_NOTHROW(validate_format(s.text));
        CHECK_FALSE(s.meaning.empty());
        offered.insert(std::string(s.text));
    }
    for (char c = '!'; c <= '~'; ++c) {
        const std::string spec{'%', c};
        if (c >= '0' && c <= '9') continue;  // a field width, not a specifier
        if (c == '-' || c == '.') continue;  // flags of a width
        bool valid = true;
        try {
            validate_format(spec);
        } catch (const usage_error&) {
            valid = false;
        }
        INFO(spec);
        CHECK(valid == (offered.count(spec) == 1));
    }
}

TEST_CASE("OUTPUT FORMAT lists every -F sequence, for the tools with -F only", "[docgen]") {
    const std::string man = render_man_page(mqsub_spec());
    const auto section = man.find(".SH OUTPUT FORMAT\n");
    REQUIRE(section != std::string::npos);
    const std::string text = man.substr(section, man.find(".SH ", section + 1) - section);
    for (const auto& table : {format_specifiers(), format_syntax()})
        for (const auto& s : table) {
            INFO(s.text);
            CHECK(contains(text, ".TP\n\\fB" + roff_text(s.text) + "\\fR\n"));
        }
    CHECK(contains(text, "\\fB%f\\fR\nPayload as a 4\\-byte IEEE 754 float.\n"));
    CHECK_FALSE(contains(render_man_page(mqpub_spec()), "OUTPUT FORMAT"));
}

TEST_CASE("help text ends with the exit statuses and environment of the table", "[docgen]") {
    for (const tool_spec* spec : all_tool_specs()) {
        const std::string help = render_help(*spec);
        REQUIRE_FALSE(spec->exit_status.empty());
        const auto footer = help.find("\nExit status:\n");
        REQUIRE(footer != std::string::npos);
        for (const auto& e : spec->exit_status) {
            INFO(e.name);
            CHECK(help.find("  " + std::string(e.name) + " ", footer) != std::string::npos);
            CHECK(contains(help, std::string(e.meaning)));
        }
        for (const auto& e : spec->environment) CHECK(contains(help, std::string(e.name)));
        CHECK(contains(help, "man " + std::string(spec->name)));
    }
    CHECK(contains(render_help(mqpub_spec()), "  7         the broker closed the connection before its CONNACK"));
    CHECK(contains(render_help(mqsub_spec()), "  27        -W: no message arrived"));
}
