// The committed man pages and completions against each tool's real --help: every flag --help lists is
// offered by bash, zsh and fish and documented in the man page; no unsupported flag is.
#include "support/process.hpp"

#include "mqkit/flags.hpp"

#include "catch_compat.hpp"

#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace mqkit::test;
using flag_set = std::set<std::string>;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    INFO(path);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

/// Every "-x" (one letter) and "--long-name" in `text` that stands as a word of its own.
flag_set flags_in(const std::string& text) {
    flag_set out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '-' || (i > 0 && is_word_char(text[i - 1]))) continue;
        std::size_t end = i + 1;
        if (end < text.size() && text[end] == '-') {
            ++end;
            if (end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]))) continue;
            while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-'))
                ++end;
        } else {
            if (end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]))) continue;
            ++end;
            if (end < text.size() && is_word_char(text[end])) continue;
        }
        out.insert(text.substr(i, end - i));
        i = end - 1;
    }
    return out;
}

/// The flags on --help's option lines ("  -t, --topic <topic>  ..." and "      --quiet  ...").
flag_set help_flags(const std::string& help) {
    flag_set out;
    for (const auto& line : lines_of(help)) {
        auto start = line.find_first_not_of(' ');
        if (start == std::string::npos || start == 0 || line[start] != '-') continue;
        auto gap = line.find("  ", start);
        for (const auto& f : flags_in(line.substr(start, gap - start))) out.insert(f);
    }
    return out;
}

/// Both forms of every flag the table marks unsupported.
flag_set unsupported_flags(const mqkit::tool_spec& spec) {
    flag_set out;
    for (const auto& g : spec.groups)
        for (const auto& f : g.flags) {
            if (!f.unsupported) continue;
            out.insert("--" + std::string(f.name));
            if (f.short_name != 0) out.insert(std::string("-") + f.short_name);
        }
    return out;
}

bool shell_installed(const std::string& shell) {
    return run_tool("sh", {"-c", "command -v " + shell}).exit_code == 0;
}

/// The first word of each line (a completion candidate, before its description).
flag_set first_words(const std::string& text) {
    flag_set out;
    for (const auto& line : lines_of(text)) {
        auto end = line.find_first_of(" \t");
        if (!line.empty()) out.insert(line.substr(0, end));
    }
    return out;
}

/// What bash offers for `words` (the last one being completed), calling the function the
/// script registered with `complete -F`.
std::string bash_complete(const std::string& script, const std::string& words) {
    auto r = run_tool("bash", {"-c",
                               "source \"$0\"; COMP_WORDS=(" + words +
                                   "); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); "
                                   "fn=$(complete -p \"${COMP_WORDS[0]}\" | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p'); "
                                   "\"$fn\"; printf '%s\\n' \"${COMPREPLY[@]}\"",
                               script});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return r.out;
}

/// What fish offers for the command line `line`.
std::string fish_complete(const std::string& script, const std::string& line) {
    auto r = run_tool("fish", {"--no-config", "-c", "source $argv[1]; complete -C $argv[2]", script, line});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    // fish 4 lists fuzzy matches (substrings, subsequences) after the candidates that start with the
    // word being completed; fish 3 lists only those. Keep those, the same under both.
    const std::string word = line.substr(line.rfind(' ') + 1);
    std::string out;
    for (const auto& candidate : lines_of(r.out)) {
        if (candidate.rfind(word, 0) == 0) out += candidate + "\n";
    }
    return out;
}

/// The flags of the zsh _arguments specs: the part of each spec line before its '[description]'.
flag_set zsh_flags(const std::string& script) {
    flag_set out;
    bool in_arguments = false;
    for (const auto& line : lines_of(script)) {
        if (line.rfind("_arguments", 0) == 0) in_arguments = true;
        if (!in_arguments) continue;
        std::string names = line.substr(0, line.find("'["));
        // Not the '(-t --topic)' exclusion list: only the option names themselves.
        if (auto open = names.find("'("); open != std::string::npos) names.erase(open, names.find(")'") + 2 - open);
        for (char& c : names)
            if (c == '+' || c == '=' || c == '{' || c == '}' || c == ',' || c == '(' || c == ')' || c == '\'') c = ' ';
        for (const auto& f : flags_in(names)) out.insert(f);
    }
    return out;
}

/// The man page source with groff escapes undone: \- is '-', fonts dropped.
std::string man_text(const std::string& source) {
    std::string out;
    for (std::size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\\' && i + 1 < source.size()) {
            char next = source[i + 1];
            if (next == '-') {
                out += '-';
                ++i;
                continue;
            }
            if (next == 'f' && i + 2 < source.size()) {
                i += 2;
                continue;
            }
            if (next == '&') {
                ++i;
                continue;
            }
        }
        out += source[i];
    }
    return out;
}

/// The flags on the man page's OPTIONS tag lines (the line after each .TP up to EXIT STATUS).
flag_set man_option_flags(const std::string& text) {
    flag_set out;
    auto lines = lines_of(text);
    bool in_options = false;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        if (lines[i].rfind(".SH", 0) == 0) in_options = lines[i] == ".SH OPTIONS";
        if (in_options && lines[i] == ".TP")
            for (const auto& f : flags_in(lines[i + 1])) out.insert(f);
    }
    return out;
}

void check_offered(const std::string& where, const flag_set& offered, const flag_set& listed,
                   const flag_set& unsupported) {
    INFO(where);
    for (const auto& f : listed) {
        INFO("--help lists " << f);
        CHECK(offered.count(f) == 1);
    }
    for (const auto& f : unsupported) {
        INFO("unsupported " << f);
        CHECK(offered.count(f) == 0);
    }
}

}  // namespace

TEST_CASE("completions and man pages offer every flag --help lists and no unsupported one", "[e2e][docs]") {
    const std::string src = MQKIT_SOURCE_DIR;
    const bool have_zsh = shell_installed("zsh");
    const bool have_fish = shell_installed("fish");
    if (!have_zsh) WARN("zsh is not installed: its completions are checked as text only");
    if (!have_fish) WARN("fish is not installed: its completions are not run");

    for (const mqkit::tool_spec* spec : mqkit::all_tool_specs()) {
        const std::string name(spec->name);
        INFO("tool " << name);
        auto help = run_tool(tool(name), {"--help"});
        REQUIRE(help.exit_code == 0);
        const flag_set listed = help_flags(help.out);
        REQUIRE(listed.count("--help") == 1);
        const flag_set unsupported = unsupported_flags(*spec);
        for (const auto& f : unsupported) CHECK(listed.count(f) == 0);

        // bash: the real completion function, for "-" (short forms) and "--" (long forms).
        const std::string bash_script = src + "/completions/bash/" + name;
        flag_set bash = first_words(bash_complete(bash_script, name + " -"));
        for (const auto& f : first_words(bash_complete(bash_script, name + " --"))) bash.insert(f);
        check_offered("bash", bash, listed, unsupported);
        for (const auto& f : bash) CHECK(listed.count(f) == 1);  // and nothing --help does not list

        // zsh: the _arguments specs (running zsh's completion needs a terminal).
        const std::string zsh_script = read_file(src + "/completions/zsh/_" + name);
        CHECK(zsh_script.rfind("#compdef " + name + "\n", 0) == 0);
        check_offered("zsh", zsh_flags(zsh_script), listed, unsupported);
        if (have_zsh) CHECK(run_tool("zsh", {"-n", src + "/completions/zsh/_" + name}).exit_code == 0);

        // fish: the real completions, for "-" and "--".
        if (have_fish) {
            const std::string fish_script = src + "/completions/fish/" + name + ".fish";
            flag_set fish = first_words(fish_complete(fish_script, name + " -"));
            for (const auto& f : first_words(fish_complete(fish_script, name + " --"))) fish.insert(f);
            check_offered("fish", fish, listed, unsupported);
        }

        // man: every listed flag has its OPTIONS entry; an unsupported flag is nowhere on the page.
        const std::string man = man_text(read_file(src + "/man/" + name + ".1"));
        check_offered("man OPTIONS", man_option_flags(man), listed, unsupported);
        check_offered("man page", flags_in(man), {}, unsupported);
    }
}

TEST_CASE("completions offer values and do not offer a flag twice unless it repeats", "[e2e][docs]") {
    const std::string src = MQKIT_SOURCE_DIR;
    const std::string pub = src + "/completions/bash/mqpub";
    const std::string sub = src + "/completions/bash/mqsub";

    CHECK(first_words(bash_complete(pub, "mqpub -q ''")) == flag_set{"0", "1", "2"});
    CHECK(first_words(bash_complete(pub, "mqpub --qos =")) == flag_set{"0", "1", "2"});  // --qos=
    CHECK(first_words(bash_complete(pub, "mqpub -V mqtt")) == flag_set{"mqttv5", "mqttv311", "mqttv31"});
    CHECK(first_words(bash_complete(pub, "mqpub -D ''")) ==
          flag_set{"connect", "publish", "subscribe", "unsubscribe", "disconnect", "will"});
    CHECK(first_words(bash_complete(pub, "mqpub -D subscribe ''")) ==
          flag_set{"subscription-identifier", "user-property"});
    CHECK(first_words(bash_complete(sub, "mqsub -F %j")) == flag_set{"%j"});
    CHECK(first_words(bash_complete(pub, "mqpub -f " + src + "/README.m")) == flag_set{src + "/README.md"});
    CHECK(first_words(bash_complete(pub, "mqpub -t ''")).empty());  // a topic: nothing to guess

    flag_set after_topic = first_words(bash_complete(pub, "mqpub -t a/b -"));
    CHECK(after_topic.count("-t") == 0);
    CHECK(after_topic.count("-m") == 1);
    // --topic is given, so only --topic-per-line is left to offer.
    CHECK(first_words(bash_complete(pub, "mqpub --topic = a/b --to")) == flag_set{"--topic-per-line"});
    CHECK(first_words(bash_complete(sub, "mqsub -t a -t b --to")) == flag_set{"--topic"});  // repeatable

    if (run_tool("sh", {"-c", "command -v fish"}).exit_code == 0) {
        const std::string fish_pub = src + "/completions/fish/mqpub.fish";
        CHECK(first_words(fish_complete(fish_pub, "mqpub -q ")) == flag_set{"0", "1", "2"});
        CHECK(first_words(fish_complete(fish_pub, "mqpub -t a/b --to")) == flag_set{"--topic-per-line"});
        CHECK(first_words(fish_complete(src + "/completions/fish/mqsub.fish", "mqsub -t a --to")) ==
              flag_set{"--topic"});
        CHECK(first_words(fish_complete(fish_pub, "mqpub -D subscribe ")) ==
              flag_set{"subscription-identifier", "user-property"});
    }
}

TEST_CASE("the version text names mqkit's version, the Paho libraries it runs on and the Paho workarounds",
          "[e2e][docs]") {
    // What this build works around (lib/src/mqtt/workarounds/CMakeLists.txt); each is on unless
    // MQKIT_PAHO_WORKAROUNDS=off, and then says so.
    std::string workarounds;
#ifdef MQKIT_HAS_PAHO_C_COPY
    workarounds += R"(  Paho C linked in without its debug trackers \(verified on Paho C [0-9., ]+\)\n)";
#endif
    for (const char* guard : {"send guard", "protocol guard"}) {
#ifndef MQKIT_HAS_SEND_GUARD
        if (std::string(guard) == "send guard") continue;
#endif
#ifndef MQKIT_HAS_PROTOCOL_GUARD
        if (std::string(guard) == "protocol guard") continue;
#endif
        workarounds += std::string("  ") + guard +
                       R"(: (on \(verified on Paho C [0-9., ]+\)|off \(MQKIT_PAHO_WORKAROUNDS=off\))\n)";
    }
    for (const mqkit::tool_spec* spec : mqkit::all_tool_specs()) {
        const std::string name(spec->name);
        for (const char* setting : {"on", "off"}) {
            auto r = run_tool(tool(name), {"--version"}, {}, std::chrono::seconds(20),
                              {{"MQKIT_PAHO_WORKAROUNDS", setting}});
            INFO(describe(r));
            CHECK(r.exit_code == 0);
            const std::regex shape(
                name +
                R"( \d+\.\d+\.\d+ \(libmqkit \d+\.\d+\.\d+, Eclipse Paho MQTT C\+\+ 1\.\d+\.\d+, )"
                R"(Paho MQTT C 1\.\d+\.\d+\)\n)" +
                (workarounds.empty() ? std::string("Paho workarounds: none\n") : "Paho workarounds:\n" + workarounds));
            CHECK(std::regex_match(r.out, shape));
            CHECK((r.out.find(": off (MQKIT_PAHO_WORKAROUNDS=off)") != std::string::npos) ==
                  (std::string(setting) == "off" && !workarounds.empty()));
        }
    }
}
