// Config files as mosquitto's clients read them: one option per line, read as argv before the real one.
#include "mqkit/cli.hpp"

#include "cli/parser.hpp"
#include "mqkit/error.hpp"

#include <fmt/format.h>

namespace mqkit {
namespace {

std::string trim(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    auto last = s.find_last_not_of(" \t\r");
    return std::string(s.substr(first, last - first + 1));
}

std::vector<std::string> split_words(const std::string& s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        auto start = s.find_first_not_of(" \t", i);
        if (start == std::string::npos) break;
        auto end = s.find_first_of(" \t", start);
        out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
        i = end == std::string::npos ? s.size() : end;
    }
    return out;
}

bool url_has_password(const std::string& url) {
    auto sep = url.find("://");
    if (sep == std::string::npos) return false;
    std::string authority = url.substr(sep + 3, url.find('/', sep + 3) - (sep + 3));
    auto at = authority.rfind('@');
    return at != std::string::npos && authority.substr(0, at).find(':') != std::string::npos;
}

}  // namespace

std::string config_file_path(std::string_view tool, env_lookup env) {
    if (!env) return {};
    if (const char* xdg = env("XDG_CONFIG_HOME"); xdg && *xdg) return fmt::format("{}/{}", xdg, tool);
    if (const char* home = env("HOME"); home && *home) return fmt::format("{}/.config/{}", home, tool);
    return {};
}

std::string mosquitto_client_name(std::string_view tool) {
    for (std::string_view t : {"mqpub", "mqsub", "mqrr"})
        if (tool == t) return fmt::format("mosquitto_{}", tool.substr(2));
    return {};
}

std::vector<std::string> config_file_args(const tool_spec& spec, const std::string& path, const std::string& text) {
    std::vector<std::string> out;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto nl = text.find('\n', pos);
        std::string line =
            trim(std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
        pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
        ++line_no;
        if (line.empty() || line[0] == '#') continue;
        auto space = line.find_first_of(" \t");
        std::vector<std::string> words{line.substr(0, space)};
        std::string rest = space == std::string::npos ? std::string{} : trim(line.substr(space));
        if (words[0] == "-D" || words[0] == "--property") {
            for (auto& w : split_words(rest)) words.push_back(std::move(w));
        } else if (!rest.empty()) {
            words.push_back(rest);  // mosquitto: the rest of the line is the value, spaces and all
        }
        try {
            if (words[0].size() < 2 || words[0][0] != '-')
                throw usage_error("expected an option, such as '-h host' or '--cafile file'");
            if (detail::tokenize(spec, words).has("options-file"))
                throw usage_error("-o/--options-file cannot be used inside a config or options file");
        } catch (const error& e) {
            throw error(e.status(), fmt::format("{}:{}: {}", path, line_no, e.what()), e.hint());
        }
        out.insert(out.end(), words.begin(), words.end());
    }
    return out;
}

bool args_hold_password(const std::vector<std::string>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-P" || a == "--pw" || a.rfind("--pw=", 0) == 0 || (a.size() > 2 && a.rfind("-P", 0) == 0))
            return true;
        bool url_flag = a == "-L" || a == "--url" || a == "--proxy";
        if (url_flag && i + 1 < args.size() && url_has_password(args[i + 1])) return true;
        for (std::string_view prefix : {"--url=", "--proxy="})
            if (a.rfind(prefix, 0) == 0 && url_has_password(a.substr(prefix.size()))) return true;
    }
    return false;
}

}  // namespace mqkit
