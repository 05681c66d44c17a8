// What every tool's run() shares: error reporting, version text, the quick exit.
#include "tool/run.hpp"

#include "mqkit/session.hpp"
#include "mqkit/tool.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>

namespace mqkit {

void exit_now(int status) {
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(status);
}

namespace detail {

int report(std::string_view tool, const error& e, bool quiet) {
    std::fflush(stdout);
    if (!quiet) {
        std::string text = fmt::format("{}: error: {}\n", tool, e.what());
        if (!e.hint().empty()) text += fmt::format("{}: hint: {}\n", tool, e.hint());
        std::fputs(text.c_str(), stderr);
    }
    return e.status();
}

void warn(std::string_view tool, std::string_view message, bool quiet) {
    if (!quiet) std::fputs(fmt::format("{}: warning: {}\n", tool, message).c_str(), stderr);
}

trace_sink debug_trace(const connection_config& c, stdout_writer& out) {
    if (!c.debug || c.quiet) return {};
    return [&out](std::string_view lines) { out.write(lines); };
}

std::string version_text(std::string_view tool) {
    std::string text =
        fmt::format("{} {} (libmqkit {}, {})\n", tool, MQKIT_VERSION, MQKIT_VERSION, mqtt_library_versions());
    const std::vector<std::string> workarounds = paho_workarounds();
    if (workarounds.empty()) return text + "Paho workarounds: none\n";
    text += "Paho workarounds:\n";
    for (const auto& line : workarounds) text += "  " + line + "\n";
    return text;
}

}  // namespace detail
}  // namespace mqkit
