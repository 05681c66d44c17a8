// tspub's argument parser: argv (name=value words, -1..-8, --field N VALUE, flags) and env -> tspub_config.
#include "thingspeak/thingspeak.hpp"

#include "cli/flag_groups.hpp"
#include "cli/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace mqkit {
namespace {

using namespace thingspeak;

error usage(const std::string& message, std::string hint = {}) {
    return tspub_error(tspub_exit::usage, message, std::move(hint));
}

/// argv split into what the shared tokenizer understands and what it does not: name=value words,
/// -N VALUE (kept in order with the words; a VALUE may start with '-', e.g. a negative reading)
/// and --field N VALUE (two words).
struct split_args {
    std::vector<std::string> flags;
    update values;
    std::vector<std::pair<std::string, std::string>> singles;  // --field N VALUE
    std::optional<std::string> stray;                          // the first word without '='
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

split_args split(const tool_spec& spec, const std::vector<std::string>& args) {
    split_args out;
    bool words_only = false;
    auto next = [&](std::size_t& i, const std::string& flag_shown, std::string_view what) -> std::string {
        if (i + 1 >= args.size()) throw usage(fmt::format("{}: missing argument <{}>", flag_shown, what));
        return args[++i];
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (words_only || a.empty() || a[0] != '-' || a == "-") {
            auto eq = a.find('=');
            if (eq == std::string::npos) {
                if (!out.stray) out.stray = a;  // reported after the flags: an unknown flag explains it better
                continue;
            }
            out.values.push_back({a.substr(0, eq), a.substr(eq + 1)});
            continue;
        }
        if (a == "--") {
            words_only = true;
            continue;
        }
        if (a == "--field" || a.rfind("--field=", 0) == 0) {
            std::string n = a == "--field" ? next(i, "--field", "N") : a.substr(8);
            std::string value = next(i, "--field", "value");
            out.singles.emplace_back(std::move(n), std::move(value));
            continue;
        }
        // -1 VALUE, --field1 VALUE, --field1=VALUE
        bool short_field = a.size() >= 2 && a[1] != '-' && is_digit(a[1]);
        bool long_field =
            a.size() >= 8 && a.rfind("--field", 0) == 0 && is_digit(a[7]) && (a.size() == 8 || a[8] == '=');
        if (short_field || long_field) {
            char digit = short_field ? a[1] : a[7];
            std::string shown = short_field ? std::string(a, 0, 2) : std::string(a, 0, 8);
            if (short_field && a.size() > 2)
                throw usage(fmt::format("'{}': put a space between -{} and its value", a, digit),
                            fmt::format("e.g. -{} {}", digit, a.substr(2)));
            int n = parse_field_number(std::string(1, digit), shown);
            std::string value = long_field && a.size() > 8 ? a.substr(9) : next(i, shown, "value");
            out.values.push_back({fmt::format("field{}", n), std::move(value)});
            continue;
        }
        out.flags.push_back(a);
        if (a.rfind("--", 0) == 0) {
            if (a.find('=') != std::string::npos) continue;
            const flag* f = spec.find(std::string_view(a).substr(2));
            if (f && f->kind != value_kind::none && i + 1 < args.size()) out.flags.push_back(args[++i]);
        } else {
            for (std::size_t k = 1; k < a.size(); ++k) {
                const flag* f = spec.find_short(a[k]);
                if (!f || f->kind == value_kind::none) continue;
                if (k + 1 == a.size() && i + 1 < args.size()) out.flags.push_back(args[++i]);
                break;  // the rest of the group is this flag's value
            }
        }
    }
    return out;
}

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

parse_result<tspub_config> parse(const std::vector<std::string>& args, env_lookup env, const process_identity& who) {
    const tool_spec& spec = tspub_spec();
    split_args parts = split(spec, args);
    detail::raw_args raw = detail::tokenize(spec, parts.flags);
    parse_result<tspub_config> result;
    result.action = detail::early_action(raw);
    if (result.action != cli_action::run) return result;
    if (parts.stray)
        throw usage(fmt::format("unexpected argument '{}'", *parts.stray), "values are name=value, e.g. field1=23.5");
    tspub_config& c = result.config;

    // Connection: the shared builder handles -h -p -i -k -d --quiet. Credentials are tspub's own
    // (flags > env > files, each on its own), so -u/-P stay out of its "-P needs -u" check.
    detail::raw_args conn_raw = raw;
    conn_raw.values.erase("username");
    conn_raw.values.erase("pw");
    // ThingSpeak's defaults: TLS trusting the OS store, on 8883 (443 with --websocket). The shared
    // TLS options then apply as in every tool; --no-tls turns TLS off and refuses them.
    const bool tls = !raw.has("no-tls");
    const bool ws = raw.has("websocket");
    if (!tls) {
        for (const auto& f : detail::tls_group().flags)
            if (raw.has(f.name)) throw usage(fmt::format("{} needs TLS: drop --no-tls", display_name(f)));
    } else if (!raw.has("cafile") && !raw.has("capath") && !raw.has("tls-use-os-certs")) {
        conn_raw.values["tls-use-os-certs"].push_back("true");
    }
    if (!raw.has("port")) conn_raw.values["port"] = {std::to_string(ws ? (tls ? 443 : 80) : (tls ? 8883 : 1883))};
    std::optional<broker_url> no_url;
    c.conn = detail::build_connection(spec, conn_raw, nullptr, who, no_url);  // credentials are tspub's own
    if (!raw.has("host")) c.conn.host = std::string(default_host);
    c.conn.transport_kind = ws ? transport::websocket : transport::tcp;
    c.conn.ws_path = "/mqtt";
    c.conn.tls.enabled = tls;
    result.warnings = detail::connection_warnings(c.conn);

    if (const auto* q = raw.last("qos"); q && *q != "0") {
        if (*q == "1" || *q == "2")
            throw usage(
                fmt::format("-q/--qos {}: ThingSpeak supports only QoS 0 (it never acknowledges QoS 1 or 2)", *q),
                "leave out -q; tspub publishes at QoS 0");
        throw usage(fmt::format("-q/--qos: invalid QoS '{}' (ThingSpeak supports only 0)", *q));
    }

    if (const auto* ch = raw.last("channel"))
        c.channel = parse_channel_id(*ch, "--channel");
    else if (auto e = env_value(env, "THINGSPEAK_CHANNEL_ID"))
        c.channel = parse_channel_id(*e, "THINGSPEAK_CHANNEL_ID");
    else
        throw usage("no channel: give --channel ID or set THINGSPEAK_CHANNEL_ID");

    // Values: the ordered ones from split(), plus any -N the tokenizer saw inside a group like -d1.
    c.values = std::move(parts.values);
    for (int n = 1; n <= 8; ++n) {
        std::string name = fmt::format("field{}", n);
        auto it = raw.values.find(name);
        if (it != raw.values.end())
            for (const auto& v : it->second) c.values.push_back({name, v});
    }
    c.from_stdin = raw.has("stdin");
    if (parts.singles.size() > 1) throw usage("--field given more than once; it publishes one value alone");
    if (!parts.singles.empty()) {
        if (!c.values.empty() || c.from_stdin)
            throw usage("--field publishes one value alone; it cannot be combined with name=value, -1..-8 or --stdin");
        c.single_field = parse_field_number(parts.singles[0].first, "--field");
        c.single_value = parts.singles[0].second;
        check_value(fmt::format("field{}", c.single_field), c.single_value);
    } else if (c.from_stdin) {
        if (!c.values.empty())
            throw usage("--stdin reads the values from standard input; give no name=value or -1..-8 values as well");
    } else {
        if (c.values.empty())
            throw usage(
                "no values: give name=value arguments (e.g. field1=23.5), -1..-8 VALUE, --field N VALUE or "
                "--stdin");
        check_update(c.values);
    }

    if (const auto* m = raw.last("min-interval"))
        c.min_interval = detail::parse_number(*m, 0.0, 86400.0, "--min-interval");
    c.wait = raw.has("wait");
    c.dry_run = raw.has("dry-run");

    std::optional<std::string> key = non_empty_flag(spec, raw, "legacy-api-key", "key");
    if (!key) key = env_value(env, "THINGSPEAK_API_KEY");
    if (key) {
        bool plain = std::all_of(key->begin(), key->end(), [](unsigned char ch) { return std::isalnum(ch); });
        if (!plain) throw usage("--legacy-api-key: a write API key has only letters and digits");
        c.legacy_key = key;
    }

    c.client_id_given = raw.has("id");
    if (c.client_id_given) c.from_flags.client_id = c.conn.client_id;
    c.from_flags.username = non_empty_flag(spec, raw, "username", "username");
    c.from_flags.password = non_empty_flag(spec, raw, "pw", "password");
    c.from_env.client_id = env_value(env, "THINGSPEAK_CLIENT_ID");
    c.from_env.username = env_value(env, "THINGSPEAK_USERNAME");
    c.from_env.password = env_value(env, "THINGSPEAK_PASSWORD");
    if (auto f = non_empty_flag(spec, raw, "credentials", "file name")) c.credentials_file = *f;
    c.default_credentials_file = default_credentials_path(env);
    c.state_dir = state_directory(env);
    return result;
}

}  // namespace

parse_result<tspub_config> parse_tspub(const std::vector<std::string>& args, env_lookup env,
                                       const process_identity& who) {
    try {
        return parse(args, env, who);
    } catch (const error& e) {
        // The shared building blocks report bad arguments with mosquitto's status 1; tspub's is 2.
        if (e.status() == static_cast<int>(exit_code::failure)) throw usage(e.what(), e.hint());
        throw;
    }
}

}  // namespace mqkit
