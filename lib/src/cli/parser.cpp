// Command-line parsing for mqpub and mqsub: argv -> raw values (by the flag table) -> typed, checked config.
#include "mqkit/cli.hpp"

#include "cli/parser.hpp"
#include "cli/url.hpp"
#include "core/property_table.hpp"
#include "core/stats.hpp"
#include "core/template.hpp"
#include "mqkit/error.hpp"
#include "mqkit/topic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

namespace mqkit {

std::vector<v5_property> connection_config::properties_for(const std::string& command) const {
    std::vector<v5_property> out;
    for (const auto& p : properties)
        if (p.command == command) out.push_back(p);
    return out;
}

long parse_integer(const std::string& text, long min, long max, const std::string& flag_name) {
    long value = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (!text.empty() && text[0] == '+') ++first;
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (text.empty() || ec == std::errc::invalid_argument || ptr != last)
        throw usage_error(fmt::format("{}: '{}' is not a whole number ({}-{})", flag_name, text, min, max));
    if (ec == std::errc::result_out_of_range || value < min || value > max)
        throw usage_error(fmt::format("{}: {} is out of range ({}-{})", flag_name, text, min, max));
    return value;
}

namespace detail {

double parse_number(const std::string& text, double min, double max, const std::string& flag_name) {
    // std::from_chars for double is not in GCC 12's libstdc++ for all targets; strtod with an end check.
    char* end = nullptr;
    errno = 0;
    double v = text.empty() ? 0.0 : std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || std::isnan(v) || errno == ERANGE)
        throw usage_error(fmt::format("{}: '{}' is not a number", flag_name, text));
    if (v < min || v > max) throw usage_error(fmt::format("{}: {} is out of range ({}-{})", flag_name, text, min, max));
    return v;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string flag_label(const tool_spec& spec, std::string_view name) {
    const flag* f = spec.find(name);
    return f ? display_name(*f) : fmt::format("--{}", name);
}

namespace {

std::string unknown_option_message(const tool_spec& spec, const std::string& name, std::string& hint) {
    std::string shown = name.size() == 1 ? "-" + name : "--" + name;
    std::string guess = suggest_flag(spec, name);
    if (!guess.empty())
        hint = fmt::format("did you mean --{}?", guess);
    else
        hint = fmt::format("see '{} --help'", spec.name);
    return fmt::format("unknown option '{}'", shown);
}

[[noreturn]] void throw_unknown(const tool_spec& spec, const std::string& name) {
    std::string hint;
    std::string msg = unknown_option_message(spec, name, hint);
    throw usage_error(msg, hint);
}

[[noreturn]] void throw_missing(const flag& f) {
    throw usage_error(fmt::format("{}: missing argument <{}>", display_name(f), f.arg));
}

}  // namespace

// One pass over the words, driven by the flag table alone: "--name value", "--name=value",
// "-n value", "-nvalue", switches grouped as "-rd" (a flag that takes a value ends a group and
// takes the rest of it), -D/--property with its 3-4 words, and "--" before plain words.
raw_args tokenize(const tool_spec& spec, const std::vector<std::string>& args) {
    raw_args raw;
    auto store = [&](const flag& f, std::string value) { raw.values[std::string(f.name)].push_back(std::move(value)); };
    // -D/--property: command identifier value, or command user-property name value.
    auto take_property = [&](std::size_t& i, const std::string& as_typed) {
        std::vector<std::string> words;
        for (int n = 0; n < 3 && i + 1 < args.size(); ++n) words.push_back(args[++i]);
        if (words.size() == 3 && words[1] == "user-property" && i + 1 < args.size()) words.push_back(args[++i]);
        if (words.size() < 3 || (words[1] == "user-property" && words.size() < 4))
            throw usage_error(
                fmt::format("{}: needs 'command identifier value' (user-property: 'command "
                            "user-property name value')",
                            as_typed));
        raw.properties.push_back(std::move(words));
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            raw.positionals.insert(raw.positionals.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                   args.end());
            break;
        }
        if (a.size() < 2 || a[0] != '-') {
            raw.positionals.push_back(a);
            continue;
        }
        if (a[1] == '-') {
            const std::string_view body = std::string_view(a).substr(2);
            const auto eq = body.find('=');
            const std::string_view name = body.substr(0, eq);
            const flag* f = spec.find(name);
            if (!f) throw_unknown(spec, std::string(name));
            if (f->kind == value_kind::property) {
                if (eq != std::string_view::npos)
                    throw usage_error(fmt::format("{}: give its words as separate arguments", display_name(*f)));
                take_property(i, a);
            } else if (f->kind == value_kind::none) {
                if (eq != std::string_view::npos)
                    throw usage_error(fmt::format("{} takes no value (given '{}')", display_name(*f), a));
                store(*f, "true");
            } else if (eq != std::string_view::npos) {
                store(*f, std::string(body.substr(eq + 1)));
            } else if (i + 1 < args.size()) {
                store(*f, args[++i]);
            } else {
                throw_missing(*f);
            }
            continue;
        }
        for (std::size_t k = 1; k < a.size(); ++k) {
            const flag* f = spec.find_short(a[k]);
            if (!f && a.size() == 2) throw_unknown(spec, std::string(1, a[k]));
            if (!f)
                throw usage_error(fmt::format("unknown option '-{}' in '{}'", a[k], a),
                                  fmt::format("see '{} --help'", spec.name));
            if (f->kind == value_kind::property) {
                if (a.size() != 2)
                    throw usage_error(fmt::format("{}: give its words as separate arguments", display_name(*f)));
                take_property(i, a);
                break;
            }
            if (f->kind == value_kind::none) {
                store(*f, "true");
                continue;
            }
            if (k + 1 < a.size())
                store(*f, a.substr(k + 1));
            else if (i + 1 < args.size())
                store(*f, args[++i]);
            else
                throw_missing(*f);
            break;  // the rest of the group was this flag's value
        }
    }
    for (const auto& g : spec.groups)
        for (const auto& f : g.flags)
            if (f.unsupported && raw.has(f.name))
                throw error(
                    exit_code::failure,
                    fmt::format("{}: not supported by this build (Eclipse Paho MQTT cannot do it)", display_name(f)));
    if (!raw.positionals.empty()) {
        const std::string& p = raw.positionals.front();
        if (!p.empty() && p[0] == '-' && p.size() > 1) throw_unknown(spec, p.substr(p[1] == '-' ? 2 : 1));
        throw usage_error(fmt::format("unexpected argument '{}'", p),
                          "quote a value that holds spaces, e.g. -m 'hello world'");
    }
    return raw;
}

int parse_qos(const std::string& text, const std::string& flag_name) {
    if (text.size() == 1 && text[0] >= '0' && text[0] <= '2') return text[0] - '0';
    throw usage_error(fmt::format("{}: invalid QoS '{}' (use 0, 1 or 2)", flag_name, text));
}

namespace {

/// A user's value as an error message shows it: control bytes (and, when `raw_bytes`, every byte
/// above 0x7e) as \xNN, cut after 60 bytes, so a 70,000-byte or binary topic is not echoed back.
std::string shown(std::string_view v, bool raw_bytes) {
    std::size_t keep = v.size();
    if (keep > 60) {
        keep = 60;
        while (keep > 0 && (static_cast<unsigned char>(v[keep]) & 0xC0) == 0x80) --keep;  // whole characters
    }
    std::string out;
    for (std::size_t i = 0; i < keep; ++i) {
        auto c = static_cast<unsigned char>(v[i]);
        if (c < 0x20 || c == 0x7f || (raw_bytes && c > 0x7f))
            out += fmt::format("\\x{:02x}", c);
        else
            out.push_back(static_cast<char>(c));
    }
    if (keep < v.size()) out += fmt::format("... ({} bytes)", v.size());
    return out;
}

/// "invalid topic 'x': why" for an error message.
std::string invalid_topic(std::string_view what, std::string_view topic, const std::string& why) {
    return fmt::format("invalid {} '{}': {}", what, shown(topic, why.find("UTF-8") != std::string::npos), why);
}

void check_property_value(const detail::property_info& info, const std::string& value, const std::string& where) {
    using detail::property_type;
    // MQTT v5 makes these values a protocol error (the broker would drop the connection).
    const std::string_view name = info.name;
    if (name == "payload-format-indicator" || name == "request-problem-information" ||
        name == "request-response-information") {
        parse_integer(value, 0, 1, where);
        return;
    }
    if (name == "receive-maximum" || name == "topic-alias") {
        parse_integer(value, 1, 65535, where);
        return;
    }
    if (name == "maximum-packet-size") {
        parse_integer(value, 1, 4294967295L, where);
        return;
    }
    switch (info.type) {
        case property_type::byte:
            parse_integer(value, 0, 255, where);
            break;
        case property_type::u16:
            parse_integer(value, 0, 65535, where);
            break;
        case property_type::u32:
            parse_integer(value, 0, 4294967295L, where);
            break;
        case property_type::varint:
            parse_integer(value, 1, 268435455L, where);
            break;
        default:
            break;
    }
}

std::vector<v5_property> build_properties(const raw_args& raw) {
    const auto& commands = detail::property_commands;
    std::vector<v5_property> out;
    for (const auto& w : raw.properties) {
        v5_property p{w[0], w[1], w[2], w.size() > 3 ? w[3] : std::string{}};
        std::transform(p.command.begin(), p.command.end(), p.command.begin(), ::tolower);
        if (std::find(std::begin(commands), std::end(commands), p.command) == std::end(commands))
            throw usage_error(
                fmt::format("-D: unknown command '{}' (use connect, publish, subscribe, "
                            "unsubscribe, disconnect or will)",
                            w[0]));
        const auto* info = detail::find_property(p.identifier);
        if (!info) throw usage_error(fmt::format("-D: unknown property '{}'", p.identifier));
        std::string allowed(info->commands);
        if ((" " + allowed + " ").find(" " + p.command + " ") == std::string::npos)
            throw usage_error(fmt::format("-D: property '{}' is not allowed in {} (allowed in: {})", p.identifier,
                                          p.command, allowed));
        check_property_value(*info, p.value, fmt::format("-D {} {}", p.command, p.identifier));
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

std::string default_client_id(std::string_view tool, const process_identity& who) {
    std::string id = fmt::format("{}|{}-{}", tool, who.pid, who.hostname);
    if (id.size() > 23) id.resize(23);  // the MQTT 3.1 limit every broker must accept
    return id;
}

namespace {

// --proxy: http://[user[:password]@]host[:port]. The URL may hold a password, so errors never echo it.
std::string check_proxy(const std::string& url) {
    auto sep = url.find("://");
    std::string scheme = sep == std::string::npos ? std::string{} : url.substr(0, sep);
    if (scheme == "socks5" || scheme == "socks5h")
        throw error(exit_code::failure,
                    "--proxy: SOCKS5 proxies are not supported by this build (Eclipse Paho MQTT speaks HTTP "
                    "CONNECT only)",
                    "give an HTTP proxy: --proxy http://host:port");
    if (scheme != "http") throw usage_error("--proxy: not a URL of the form http://[user[:password]@]host[:port]");
    std::string rest = url.substr(sep + 3);
    std::string authority = rest.substr(0, rest.find('/'));
    if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
    if (authority.empty() || authority[0] == ':') throw usage_error("--proxy: no host in the URL");
    if (auto colon = authority.rfind(':'); colon != std::string::npos && authority.find(']') == std::string::npos)
        parse_integer(authority.substr(colon + 1), 1, 65535, "--proxy port");
    return url;
}

// The TLS flags, applied after the URL and the port are known. `url_tls`: an mqtts:// or wss:// URL.
void build_tls(const tool_spec& spec, const raw_args& raw, env_lookup env, bool url_tls, connection_config& c) {
    tls_config& t = c.tls;
    auto text = [&](std::string_view name, std::string& into) {
        if (const auto* v = raw.last(name)) {
            if (v->empty()) throw usage_error(fmt::format("{}: empty value", flag_label(spec, name)));
            into = *v;
        }
    };
    text("cafile", t.cafile);
    text("capath", t.capath);
    text("cert", t.certfile);
    text("key", t.keyfile);
    text("key-pw-file", t.key_password_file);
    text("ciphers", t.ciphers);
    text("tls-alpn", t.alpn);
    t.insecure = raw.has("insecure");
    t.use_os_certs = raw.has("tls-use-os-certs");
    if (const auto* v = raw.last("keyform")) {
        if (*v == "engine")
            throw error(exit_code::failure,
                        "--keyform engine: not supported by this build (Eclipse Paho MQTT "
                        "loads keys from PEM files only)");
        if (*v != "pem") throw usage_error(fmt::format("--keyform: unknown key form '{}' (use pem)", *v));
    }
    if (const auto* v = raw.last("tls-version")) {
        if (*v == "tlsv1.3" || *v == "tlsv1.1")
            throw error(exit_code::failure,
                        fmt::format("--tls-version {}: not supported by this build (Eclipse Paho MQTT with "
                                    "OpenSSL 3 always accepts TLS 1.2 and 1.3)",
                                    *v),
                        "leave --tls-version out: TLS 1.3 is used whenever the broker offers it");
        if (*v != "tlsv1.2") throw usage_error(fmt::format("--tls-version: unknown version '{}' (use tlsv1.2)", *v));
        t.version = *v;
    }
    // mosquitto: port 8883 (or an mqtts:// URL) without CA options means "trust the system store".
    bool ca_given = !t.cafile.empty() || !t.capath.empty();
    if ((url_tls || c.port == 8883) && !ca_given) t.use_os_certs = true;
    t.enabled = ca_given || t.use_os_certs;
    if (!t.cafile.empty() && !t.capath.empty() && raw.has("tls-use-os-certs"))
        throw usage_error(
            "--cafile, --capath and --tls-use-os-certs cannot all be used together (Eclipse Paho "
            "MQTT takes one CA file and one CA directory)");
    if (!t.enabled) {
        for (std::string_view name :
             {"cert", "key", "key-pw-file", "keyform", "ciphers", "tls-version", "tls-alpn", "insecure"})
            if (raw.has(name))
                throw usage_error(
                    fmt::format("{} needs TLS: give --cafile, --capath or --tls-use-os-certs", flag_label(spec, name)),
                    "or use an mqtts:// or wss:// URL, or port 8883");
    }
    if (t.certfile.empty() != t.keyfile.empty())
        throw usage_error(t.certfile.empty() ? "--key needs --cert (the certificate of that key)"
                                             : "--cert needs --key (the private key of that certificate)");
    if (!t.key_password_file.empty() && t.keyfile.empty()) throw usage_error("--key-pw-file needs --key");
    if (env && t.key_password_file.empty() && !t.keyfile.empty()) {
        if (const char* p = env("MQKIT_KEY_PASSWORD"); p && *p) t.key_password = p;
    }
}

}  // namespace

connection_config build_connection(const tool_spec& spec, const raw_args& raw, env_lookup env,
                                   const process_identity& who, std::optional<broker_url>& url) {
    connection_config c;
    if (const auto* v = raw.last("url")) {
        url = parse_broker_url(*v);
        c.host = url->host;
        c.port = url->port;
        c.username = url->username;
        c.password = url->password;
        if (url->websocket()) c.transport_kind = transport::websocket;
    }
    if (const auto* v = raw.last("host")) {
        if (v->empty()) throw usage_error(fmt::format("{}: empty host name", flag_label(spec, "host")));
        c.host = *v;
    }
    if (raw.has("ws")) c.transport_kind = transport::websocket;
    const bool ws = c.transport_kind == transport::websocket;
    const bool port_given = raw.has("port") || url;
    if (const auto* v = raw.last("port"))
        c.port = static_cast<int>(parse_integer(*v, 1, 65535, flag_label(spec, "port")));
    else if (!url && ws)
        c.port = 80;
    build_tls(spec, raw, env, url && url->tls(), c);
    if (c.tls.enabled && !port_given) c.port = ws ? 443 : 8883;
    if (const auto* v = raw.last("ws-path")) {
        if (!ws) throw usage_error("--ws-path needs WebSockets: give --ws or a ws:// or wss:// URL");
        if (v->empty() || (*v)[0] != '/') throw usage_error(fmt::format("--ws-path: '{}' does not start with '/'", *v));
        if (v->find_first_of(" \t\r\n") != std::string::npos)
            throw usage_error("--ws-path: the path may not contain spaces or line breaks");
        c.ws_path = *v;
    }
    if (const auto* v = raw.last("proxy")) c.proxy = check_proxy(*v);
    if (const auto* v = raw.last("keepalive"))
        c.keepalive = static_cast<int>(parse_integer(*v, 0, 65535, flag_label(spec, "keepalive")));
    if (const auto* v = raw.last("protocol-version")) {
        if (*v == "5" || *v == "mqttv5")
            c.version = mqtt_version::v5;
        else if (*v == "311" || *v == "mqttv311")
            c.version = mqtt_version::v311;
        else if (*v == "31" || *v == "mqttv31")
            c.version = mqtt_version::v31;
        else
            throw usage_error(fmt::format("{}: unknown protocol version '{}' (use 5, 311 or 31)",
                                          flag_label(spec, "protocol-version"), *v));
    }
    bool v5 = c.version == mqtt_version::v5;
    c.clean_session = !raw.has("disable-clean-session");
    c.debug = raw.has("debug");
    c.quiet = raw.has("quiet");

    if (raw.has("id") && raw.has("id-prefix")) throw usage_error("-i/--id and -I/--id-prefix cannot be used together");
    if (const auto* v = raw.last("id")) {
        if (v->empty()) throw usage_error("-i/--id: empty client id");
        if (v->size() > 65535) throw usage_error("-i/--id: client id longer than 65535 bytes");
        c.client_id = *v;
    } else if (const auto* p = raw.last("id-prefix")) {
        c.client_id = fmt::format("{}{}", *p, who.pid);
    } else {
        if (!c.clean_session)
            throw usage_error("-c/--disable-clean-session needs a client id: give -i",
                              "a persistent session is found again by its client id");
        c.client_id = default_client_id(spec.name, who);
    }

    if (const auto* v = raw.last("session-expiry-interval")) {
        if (!v5) throw usage_error("-x/--session-expiry-interval needs MQTT v5 (-V 5)");
        if (*v == "-1" || *v == "inf" || *v == "\xE2\x88\x9E")
            c.session_expiry = std::numeric_limits<std::uint32_t>::max();
        else
            c.session_expiry =
                static_cast<std::uint32_t>(parse_integer(*v, 0, 4294967295L, "-x/--session-expiry-interval"));
    } else if (v5) {
        c.session_expiry = c.clean_session ? 0 : std::numeric_limits<std::uint32_t>::max();
    }

    if (const auto* v = raw.last("username")) c.username = *v;
    if (const auto* v = raw.last("pw")) c.password = *v;
    if (const auto* v = raw.last("pw-file")) {
        if (raw.has("pw")) throw usage_error("give only one of -P/--pw and --pw-file");
        if (v->empty()) throw usage_error("--pw-file: empty file name");
        c.password = std::nullopt;  // a password in the -L URL gives way to the file
        c.password_file = *v;
    }
    if (env) {
        if (!c.username) {
            if (const char* u = env("MQKIT_USERNAME"); u && *u) c.username = u;
        }
        if (!c.password && c.password_file.empty()) {
            if (const char* p = env("MQKIT_PASSWORD"); p && *p) c.password = p;
        }
    }
    // Paho sends no user name when it is empty (mosquitto_pub sends an empty one), so an empty -u
    // with a password would be a password without a user name: a protocol error in MQTT 3.x.
    if ((c.password || !c.password_file.empty()) && (!c.username || c.username->empty()) && !v5)
        throw usage_error(fmt::format("{} needs a user name (-u); MQTT 3.1.1 has no password without one",
                                      c.password_file.empty() ? "-P/--pw" : "--pw-file"));

    bool any_will = raw.has("will-payload") || raw.has("will-qos") || raw.has("will-retain");
    if (const auto* t = raw.last("will-topic")) {
        if (auto why = topic_name_problem(*t); !why.empty())
            throw usage_error("--will-topic: " + invalid_topic("topic", *t, why));
        will_config w;
        w.topic = *t;
        if (const auto* p = raw.last("will-payload")) w.payload = *p;
        if (const auto* q = raw.last("will-qos")) w.qos = parse_qos(*q, "--will-qos");
        w.retain = raw.has("will-retain");
        c.will = w;
    } else if (any_will) {
        throw usage_error("--will-payload/--will-qos/--will-retain need --will-topic");
    }

    c.properties = build_properties(raw);
    if (!c.properties.empty() && !v5) throw usage_error("-D/--property needs MQTT v5 (-V 5)");
    return c;
}

std::vector<std::string> connection_warnings(const connection_config& c) {
    std::vector<std::string> out;
    if (c.tls.enabled && c.tls.insecure)
        out.emplace_back(
            "--insecure: the broker's certificate is not checked against its host name, so anyone "
            "who can redirect the connection can pose as the broker");
    return out;
}

cli_action early_action(const raw_args& raw) {
    if (raw.has("help")) return cli_action::help;
    if (raw.has("version")) return cli_action::version;
    return cli_action::run;
}

}  // namespace detail

using namespace detail;  // the building blocks below are shared with the other tools

std::string suggest_flag(const tool_spec& spec, const std::string& unknown) {
    std::string best;
    std::size_t best_d = 3;
    for (const auto& g : spec.groups)
        for (const auto& f : g.flags) {
            std::size_t d = detail::edit_distance(unknown, f.name);
            if (d < best_d && !f.unsupported) {
                best_d = d;
                best = std::string(f.name);
            }
        }
    return unknown.size() > 1 ? best : std::string{};
}

parse_result<pub_config> parse_pub(const std::vector<std::string>& args, env_lookup env, const process_identity& who) {
    const tool_spec& spec = mqpub_spec();
    raw_args raw = tokenize(spec, args);
    parse_result<pub_config> result;
    result.action = early_action(raw);
    if (result.action != cli_action::run) return result;

    std::optional<broker_url> url;
    pub_config& c = result.config;
    c.conn = build_connection(spec, raw, env, who, url);
    result.warnings = connection_warnings(c.conn);
    if (url && !url->topic.empty()) c.topic = url->topic;
    if (const auto* t = raw.last("topic")) {
        if (raw.values.at("topic").size() > 1)
            throw usage_error("-t/--topic given more than once; mqpub publishes to one topic");
        c.topic = *t;
    }

    int sources = 0;
    for (const char* name : {"message", "file", "stdin-line", "stdin-file", "null-message"})
        if (auto it = raw.values.find(name); it != raw.values.end() && it->second.size() > 1)
            throw usage_error(fmt::format("{} given more than once; mqpub sends one kind of message at a time",
                                          flag_label(spec, name)));
    if (const auto* m = raw.last("message")) {
        c.source = pub_source::message;
        c.message = *m;
        ++sources;
    }
    if (const auto* f = raw.last("file")) {
        c.source = pub_source::file;
        c.file = *f;
        ++sources;
    }
    if (raw.has("stdin-line")) {
        c.source = pub_source::stdin_line;
        ++sources;
    }
    if (raw.has("stdin-file")) {
        c.source = pub_source::stdin_file;
        ++sources;
    }
    if (raw.has("null-message")) {
        c.source = pub_source::null_message;
        ++sources;
    }
    if (sources > 1) throw usage_error("give only one of -m, -f, -l, -s, -n: each is a different message source");

    if (c.topic.empty() && !raw.has("topic")) throw usage_error("no topic: give -t <topic> (or -L mqtt://host/topic)");
    if (auto why = topic_name_problem(c.topic); !why.empty())
        throw usage_error("-t/--topic: " + invalid_topic("topic", c.topic, why));
    if (sources == 0) throw usage_error("no message: give one of -m <message>, -f <file>, -l, -s or -n");

    if (const auto* q = raw.last("qos")) c.qos = parse_qos(*q, "-q/--qos");
    c.retain = raw.has("retain");
    if (const auto* m = raw.last("max-inflight"))
        c.max_inflight = static_cast<int>(parse_integer(*m, 1, 65535, "-M/--max-inflight"));
    if (const auto* r = raw.last("repeat")) {
        c.repeat = parse_integer(*r, 0, std::numeric_limits<int>::max(), "--repeat");
        if (c.source == pub_source::stdin_line) throw usage_error("--repeat cannot be used with -l");
    }
    if (const auto* d = raw.last("repeat-delay"))
        c.repeat_delay = parse_number(*d, 0.0, 86400.0 * 365, "--repeat-delay");
    c.use_template = raw.has("template");
    if (const auto* s = raw.last("seed")) {
        if (!c.use_template) throw usage_error("--seed needs --template: only templates draw random values");
        c.seed = static_cast<std::uint64_t>(parse_integer(*s, 0, std::numeric_limits<long>::max(), "--seed"));
    }
    if (c.use_template) {
        if (c.source == pub_source::null_message)
            throw usage_error("--template needs a payload: -m, -f, -s or -l (-n sends an empty message)");
        if (c.source == pub_source::message) payload_template::parse(c.message);  // refuse it now, not at run time
    }
    if (const auto* w = raw.last("max-reconnect-wait"))
        c.max_reconnect_wait = static_cast<int>(parse_integer(*w, 1, 3600, "--max-reconnect-wait"));
    if (const auto* t = raw.last("reconnect-timeout"))
        c.reconnect_timeout = static_cast<int>(parse_integer(*t, 0, 86400, "--reconnect-timeout"));
    return result;
}

parse_result<sub_config> parse_sub(const std::vector<std::string>& args, env_lookup env, const process_identity& who) {
    const tool_spec& spec = mqsub_spec();
    raw_args raw = tokenize(spec, args);
    parse_result<sub_config> result;
    result.action = early_action(raw);
    if (result.action != cli_action::run) return result;

    std::optional<broker_url> url;
    sub_config& c = result.config;
    c.conn = build_connection(spec, raw, env, who, url);
    result.warnings = connection_warnings(c.conn);
    if (url && !url->topic.empty()) c.topics.push_back(url->topic);
    auto filters = [&](std::string_view name, std::vector<std::string>& into) {
        auto it = raw.values.find(name);
        if (it == raw.values.end()) return;
        for (const auto& f : it->second) {
            if (auto why = topic_filter_problem(f); !why.empty())
                throw usage_error(fmt::format("{}: {}", flag_label(spec, name), invalid_topic("topic filter", f, why)));
            into.push_back(f);
        }
    };
    filters("topic", c.topics);
    filters("filter-out", c.filter_out);
    filters("unsubscribe", c.unsubscribe);
    if (c.topics.empty() && c.unsubscribe.empty())
        throw usage_error("no topic: give at least one -t <filter> (or -L mqtt://host/filter)");

    if (const auto* q = raw.last("qos")) c.qos = parse_qos(*q, "-q/--qos");
    if (const auto* v = raw.last("count"))
        c.count = parse_integer(*v, 1, std::numeric_limits<long>::max(), "-C/--count");
    if (const auto* v = raw.last("timeout")) c.timeout = parse_integer(*v, 1, 31536000L, "-W/--timeout");
    c.no_stale = raw.has("no-stale");
    c.exit_after_sub = raw.has("exit-after-sub");
    c.retained_only = raw.has("retained-only");
    c.remove_retained = raw.has("remove-retained");
    c.retain_as_published = raw.has("retain-as-published");
    if (const auto* v = raw.last("random-filter")) c.random_filter = parse_number(*v, 0.1, 100.0, "--random-filter");
    if (c.retained_only && c.no_stale)
        throw usage_error(
            "--retained-only and -R/--no-stale contradict each other: one prints only retained "
            "messages, the other none");
    if (c.retain_as_published && c.conn.version != mqtt_version::v5)
        throw usage_error("--retain-as-published needs MQTT v5 (-V 5)");
    c.output.verbose = raw.has("verbose");
    c.output.eol = !raw.has("no-eol");
    c.output.pretty = raw.has("pretty");
    if (const auto* f = raw.last("format")) {
        validate_format(*f);
        c.output.format = *f;
    }

    stats_options& st = c.stats;
    st.enabled = raw.has("stats");
    for (const char* name : {"field", "window", "interval"})
        if (!st.enabled && raw.has(name)) throw usage_error(fmt::format("--{} needs --stats", name));
    if (st.enabled) {
        for (const char* name : {"verbose", "no-eol", "format", "pretty", "debug"})
            if (raw.has(name))
                throw usage_error(
                    fmt::format("{} cannot be used with --stats: the statistics replace the message output",
                                flag_label(spec, name)));
        if (const auto* f = raw.last("field")) {
            if (auto why = stats_field_problem(*f); !why.empty())
                throw usage_error(fmt::format("--field: invalid path '{}': {}", *f, why));
            st.field = *f;
        }
        if (const auto* w = raw.last("window")) {
            st.window = parse_number(*w, 0.0, 86400.0, "--window");
            if (st.window <= 0)
                throw usage_error(fmt::format("--window: {} is out of range (more than 0, at most 86400)", *w));
        }
        if (const auto* i = raw.last("interval")) st.interval = parse_number(*i, 0.1, 3600.0, "--interval");
    }
    return result;
}

}  // namespace mqkit
