// tssub's argument parser: argv and env -> tssub_config (channel, field, output, -C, -W, --stats).
#include "thingspeak/device.hpp"
#include "thingspeak/thingspeak.hpp"

#include "cli/parser.hpp"

#include <fmt/format.h>

#include <limits>

namespace mqkit {
namespace {

using namespace thingspeak;

error usage(const std::string& message, std::string hint = {}) {
    return tspub_error(tspub_exit::usage, message, std::move(hint));
}

void parse_output(const detail::raw_args& raw, tssub_config& c) {
    if (const auto* f = raw.last("field")) c.field = parse_field_number(*f, "--field");
    const bool csv = raw.has("csv"), js = raw.has("json");
    if (csv && js) throw usage("--csv and --json: choose one");
    c.output = csv ? tssub_output::csv : js ? tssub_output::json : tssub_output::plain;
    if (c.field != 0 && c.output != tssub_output::plain)
        throw usage(
            fmt::format("--field prints one field's raw values; {} needs the whole feed", csv ? "--csv" : "--json"),
            "leave out --field");
    if (const auto* v = raw.last("count"))
        c.count = static_cast<long>(parse_integer(*v, 1, std::numeric_limits<long>::max(), "-C/--count"));
    if (const auto* v = raw.last("timeout"))
        c.timeout = static_cast<long>(parse_integer(*v, 1, 31536000L, "-W/--timeout"));
}

void parse_stats(const tool_spec& spec, const detail::raw_args& raw, tssub_config& c) {
    stats_options& st = c.stats;
    st.enabled = raw.has("stats");
    for (const char* name : {"window", "interval"})
        if (!st.enabled && raw.has(name)) throw usage(fmt::format("--{} needs --stats", name));
    if (!st.enabled) return;
    for (const char* name : {"csv", "json", "debug"})
        if (raw.has(name))
            throw usage(fmt::format("{} cannot be used with --stats: the statistics replace the update output",
                                    detail::flag_label(spec, name)));
    if (const auto* w = raw.last("window")) {
        st.window = detail::parse_number(*w, 0.0, 86400.0, "--window");
        if (st.window <= 0) throw usage(fmt::format("--window: {} is out of range (more than 0, at most 86400)", *w));
    }
    if (const auto* i = raw.last("interval")) st.interval = detail::parse_number(*i, 0.1, 3600.0, "--interval");
}

parse_result<tssub_config> parse(const std::vector<std::string>& args, env_lookup env, const process_identity& who) {
    const tool_spec& spec = tssub_spec();
    detail::raw_args raw = detail::tokenize(spec, args);
    parse_result<tssub_config> result;
    result.action = detail::early_action(raw);
    if (result.action != cli_action::run) return result;
    tssub_config& c = result.config;
    result.warnings = parse_device(spec, raw, env, who, c);
    auto channel = parse_channel(raw, env);
    if (!channel) throw usage("no channel: give --channel ID or set THINGSPEAK_CHANNEL_ID");
    c.channel = *channel;
    parse_output(raw, c);
    parse_stats(spec, raw, c);
    return result;
}

}  // namespace

parse_result<tssub_config> parse_tssub(const std::vector<std::string>& args, env_lookup env,
                                       const process_identity& who) {
    return thingspeak::with_usage_status([&] { return parse(args, env, who); });
}

}  // namespace mqkit
