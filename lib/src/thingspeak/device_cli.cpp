// The flags tspub and tssub share: connection with ThingSpeak's defaults, credentials, channel.
#include "cli/flag_groups.hpp"
#include "thingspeak/device.hpp"

#include <fmt/format.h>

namespace mqkit::thingspeak {
namespace {

error usage(const std::string& message, std::string hint = {}) {
    return tspub_error(tspub_exit::usage, message, std::move(hint));
}

/// ThingSpeak's defaults: TLS trusting the OS store, on 8883 (443 with --websocket). The shared
/// TLS options then apply as in every tool; --no-tls turns TLS off and refuses them.
detail::raw_args with_thingspeak_defaults(const detail::raw_args& raw) {
    // Credentials are tspub's own (flags > env > files, each on its own), so -u/-P stay out of the
    // shared builder's "-P needs -u" check.
    detail::raw_args conn_raw = raw;
    conn_raw.values.erase("username");
    conn_raw.values.erase("pw");
    const bool tls = !raw.has("no-tls");
    const bool ws = raw.has("websocket");
    if (!tls) {
        for (const auto& f : detail::tls_group().flags)
            if (raw.has(f.name)) throw usage(fmt::format("{} needs TLS: drop --no-tls", display_name(f)));
    } else if (!raw.has("cafile") && !raw.has("capath") && !raw.has("tls-use-os-certs")) {
        conn_raw.values["tls-use-os-certs"].push_back("true");
    }
    if (!raw.has("port")) conn_raw.values["port"] = {std::to_string(ws ? (tls ? 443 : 80) : (tls ? 8883 : 1883))};
    return conn_raw;
}

}  // namespace

std::optional<std::string> env_value(env_lookup env, const char* name) {
    if (!env) return std::nullopt;
    const char* v = env(name);
    if (!v || !*v) return std::nullopt;
    return std::string(v);
}

std::optional<std::string> non_empty_flag(const tool_spec& spec, const detail::raw_args& raw, std::string_view name,
                                          std::string_view what) {
    const std::string* v = raw.last(name);
    if (!v) return std::nullopt;
    if (v->empty()) throw usage(fmt::format("{}: empty {}", detail::flag_label(spec, name), what));
    return *v;
}

std::vector<std::string> parse_device(const tool_spec& spec, const detail::raw_args& raw, env_lookup env,
                                      const process_identity& who, device_config& c) {
    std::optional<broker_url> no_url;
    c.conn = detail::build_connection(spec, with_thingspeak_defaults(raw), nullptr, who, no_url);
    if (!raw.has("host")) c.conn.host = std::string(default_host);
    c.conn.transport_kind = raw.has("websocket") ? transport::websocket : transport::tcp;
    c.conn.ws_path = "/mqtt";
    c.conn.tls.enabled = !raw.has("no-tls");

    c.client_id_given = raw.has("id");
    if (c.client_id_given) c.from_flags.client_id = c.conn.client_id;
    c.from_flags.username = non_empty_flag(spec, raw, "username", "username");
    c.from_flags.password = non_empty_flag(spec, raw, "pw", "password");
    c.from_env.client_id = env_value(env, "THINGSPEAK_CLIENT_ID");
    c.from_env.username = env_value(env, "THINGSPEAK_USERNAME");
    c.from_env.password = env_value(env, "THINGSPEAK_PASSWORD");
    if (auto f = non_empty_flag(spec, raw, "credentials", "file name")) c.credentials_file = *f;
    c.default_credentials_file = default_credentials_path(env);
    return detail::connection_warnings(c.conn);
}

std::optional<std::string> parse_channel(const detail::raw_args& raw, env_lookup env) {
    if (const auto* ch = raw.last("channel")) return parse_channel_id(*ch, "--channel");
    if (auto e = env_value(env, "THINGSPEAK_CHANNEL_ID")) return parse_channel_id(*e, "THINGSPEAK_CHANNEL_ID");
    return std::nullopt;
}

}  // namespace mqkit::thingspeak
