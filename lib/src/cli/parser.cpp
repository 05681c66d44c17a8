// Command-line parsing for mqpub and mqsub: argv -> raw values (by the flag table) -> typed, checked config.
#include "mqkit/cli.hpp"

#include "cli/parser.hpp"
#include "cli/url.hpp"
#include "core/property_table.hpp"
#include "core/proxy_url.hpp"
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

long long parse_integer(const std::string& text, long long min, long long max, const std::string& flag_name) {
    long long value = 0;
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

namespace {

/// One pass over the words, driven by the flag table alone: "--name value", "--name=value",
/// "-n value", "-nvalue", switches grouped as "-rd" (a flag that takes a value ends a group and
/// takes the rest of it), -D/--property with its 3-4 words, and "--" before plain words.
class tokenizer {
public:
    tokenizer(const tool_spec& spec, const std::vector<std::string>& args) : spec_(spec), args_(args) {}

    raw_args run() {
        for (i_ = 0; i_ < args_.size(); ++i_) {
            const std::string& a = args_[i_];
            if (a == "--") {
                raw_.positionals.insert(raw_.positionals.end(), args_.begin() + static_cast<std::ptrdiff_t>(i_) + 1,
                                        args_.end());
                break;
            }
            if (a.size() < 2 || a[0] != '-')
                raw_.positionals.push_back(a);
            else if (a[1] == '-')
                long_option(a);
            else
                short_group(a);
        }
        return std::move(raw_);
    }

private:
    void store(const flag& f, std::string value) { raw_.values[std::string(f.name)].push_back(std::move(value)); }

    /// -D/--property: command identifier value, or command user-property name value.
    void take_property(const std::string& as_typed) {
        std::vector<std::string> words;
        for (int n = 0; n < 3 && i_ + 1 < args_.size(); ++n) words.push_back(args_[++i_]);
        if (words.size() == 3 && words[1] == "user-property" && i_ + 1 < args_.size()) words.push_back(args_[++i_]);
        if (words.size() < 3 || (words[1] == "user-property" && words.size() < 4))
            throw usage_error(
                fmt::format("{}: needs 'command identifier value' (user-property: 'command "
                            "user-property name value')",
                            as_typed));
        raw_.properties.push_back(std::move(words));
    }

    // "--name", "--name=value", "--name value".
    void long_option(const std::string& a) {
        const std::string_view body = std::string_view(a).substr(2);
        const auto eq = body.find('=');
        const std::string_view name = body.substr(0, eq);
        const flag* f = spec_.find(name);
        if (!f) throw_unknown(spec_, std::string(name));
        if (f->kind == value_kind::property) {
            if (eq != std::string_view::npos)
                throw usage_error(fmt::format("{}: give its words as separate arguments", display_name(*f)));
            take_property(a);
        } else if (f->kind == value_kind::none) {
            if (eq != std::string_view::npos)
                throw usage_error(fmt::format("{} takes no value (given '{}')", display_name(*f), a));
            store(*f, "true");
        } else if (eq != std::string_view::npos) {
            store(*f, std::string(body.substr(eq + 1)));
        } else if (i_ + 1 < args_.size()) {
            store(*f, args_[++i_]);
        } else {
            throw_missing(*f);
        }
    }

    // "-n", "-n value", "-nvalue", "-rd".
    void short_group(const std::string& a) {
        for (std::size_t k = 1; k < a.size(); ++k) {
            const flag* f = spec_.find_short(a[k]);
            if (!f && a.size() == 2) throw_unknown(spec_, std::string(1, a[k]));
            if (!f)
                throw usage_error(fmt::format("unknown option '-{}' in '{}'", a[k], a),
                                  fmt::format("see '{} --help'", spec_.name));
            if (f->kind == value_kind::property) {
                if (a.size() != 2)
                    throw usage_error(fmt::format("{}: give its words as separate arguments", display_name(*f)));
                take_property(a);
                return;
            }
            if (f->kind == value_kind::none) {
                store(*f, "true");
                continue;
            }
            if (k + 1 < a.size())
                store(*f, a.substr(k + 1));
            else if (i_ + 1 < args_.size())
                store(*f, args_[++i_]);
            else
                throw_missing(*f);
            return;  // the rest of the group was this flag's value
        }
    }

    const tool_spec& spec_;
    const std::vector<std::string>& args_;
    std::size_t i_ = 0;
    raw_args raw_;
};

}  // namespace

raw_args tokenize(const tool_spec& spec, const std::vector<std::string>& args) {
    raw_args raw = tokenizer(spec, args).run();
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

}  // namespace

std::string invalid_topic(std::string_view what, std::string_view topic, const std::string& why) {
    return fmt::format("invalid {} '{}': {}", what, shown(topic, why.find("UTF-8") != std::string::npos), why);
}

namespace {

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
        parse_integer(value, 1, 4294967295LL, where);
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
            parse_integer(value, 0, 4294967295LL, where);
            break;
        case property_type::varint:
            parse_integer(value, 1, 268435455LL, where);
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

// --proxy: http:// (Paho's HTTP CONNECT) or socks5h:// (mqkit's SOCKS5). The URL may hold a
// password, so errors never echo it.
std::string check_proxy(const std::string& url) {
    (void)parse_proxy_url(url);
    return url;
}

// The TLS flags' values, each checked on its own.
void tls_values(const tool_spec& spec, const raw_args& raw, tls_config& t) {
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
    text("tls-keylog", t.keylog_file);
    text("psk-identity", t.psk_identity);
    if (const auto* v = raw.last("psk")) {
        if (v->empty() || v->find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
            throw usage_error("--psk: the key must be given in hexadecimal digits, e.g. --psk 1a2b3c4d");
        t.psk = *v;
    }
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
}

// What the TLS flags need of each other, once the URL and the port are known. `url_tls`: an
// mqtts:// or wss:// URL.
void tls_rules(const tool_spec& spec, const raw_args& raw, env_lookup env, bool url_tls, connection_config& c) {
    tls_config& t = c.tls;
    // The pairs first: they say what is missing whether or not TLS is on.
    if (t.certfile.empty() != t.keyfile.empty())
        throw usage_error(t.certfile.empty() ? "--key needs --cert (the certificate of that key)"
                                             : "--cert needs --key (the private key of that certificate)");
    if (!t.psk.empty() && t.psk_identity.empty()) throw usage_error("--psk needs --psk-identity");
    if (t.psk.empty() && !t.psk_identity.empty()) throw usage_error("--psk-identity needs --psk");
    const bool ca_given = !t.cafile.empty() || !t.capath.empty();
    if (!t.psk.empty() && ca_given)
        throw usage_error("only one of --psk or --cafile/--capath may be used: TLS-PSK needs no certificates");
    // mosquitto: port 8883 (or an mqtts:// URL) without CA options means "trust the system store".
    if ((url_tls || c.port == 8883) && !ca_given && t.psk.empty()) t.use_os_certs = true;
    t.enabled = ca_given || t.use_os_certs || !t.psk.empty();
    if (raw.has("no-tls")) t = tls_config{};  // as mosquitto 2.1: the TLS options stay unused
    if (!t.cafile.empty() && !t.capath.empty() && raw.has("tls-use-os-certs"))
        throw usage_error(
            "--cafile, --capath and --tls-use-os-certs cannot all be used together (Eclipse Paho "
            "MQTT takes one CA file and one CA directory)");
    if (!t.enabled && !raw.has("no-tls")) {
        for (std::string_view name :
             {"cert", "key", "key-pw-file", "keyform", "ciphers", "tls-version", "tls-alpn", "insecure", "tls-keylog"})
            if (raw.has(name))
                throw usage_error(
                    fmt::format("{} needs TLS: give --cafile, --capath or --tls-use-os-certs", flag_label(spec, name)),
                    "or use an mqtts:// or wss:// URL, or port 8883");
    }
    if (!t.key_password_file.empty() && t.keyfile.empty()) throw usage_error("--key-pw-file needs --key");
    if (env && t.key_password_file.empty() && !t.keyfile.empty()) {
        if (const char* p = env("MQKIT_KEY_PASSWORD"); p && *p) t.key_password = p;
    }
}

// Where the broker is: -L, -h, -p, --ws, --ws-path, --proxy, and TLS (which decides the default port).
void build_endpoint(const tool_spec& spec, const raw_args& raw, env_lookup env, connection_config& c,
                    std::optional<broker_url>& url) {
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
    tls_values(spec, raw, c.tls);
    tls_rules(spec, raw, env, url && url->tls() && !raw.has("no-tls"), c);
    if (c.tls.enabled && !port_given) c.port = ws ? 443 : 8883;
    if (const auto* v = raw.last("ws-path")) {
        if (!ws) throw usage_error("--ws-path needs WebSockets: give --ws or a ws:// or wss:// URL");
        if (v->empty() || (*v)[0] != '/') throw usage_error(fmt::format("--ws-path: '{}' does not start with '/'", *v));
        if (v->find_first_of(" \t\r\n") != std::string::npos)
            throw usage_error("--ws-path: the path may not contain spaces or line breaks");
        c.ws_path = *v;
    }
    if (const auto* v = raw.last("proxy")) c.proxy = check_proxy(*v);
}

// -V, with -x and -D switching to MQTT v5 as in mosquitto 2.1 (-D did in 2.0 too).
mqtt_version build_version(const tool_spec& spec, const raw_args& raw, mqtt_version fallback) {
    mqtt_version version = fallback;
    const std::string* given = raw.last("protocol-version");
    if (given) {
        if (*given == "5" || *given == "mqttv5")
            version = mqtt_version::v5;
        else if (*given == "311" || *given == "mqttv311")
            version = mqtt_version::v311;
        else if (*given == "31" || *given == "mqttv31")
            version = mqtt_version::v31;
        else
            throw usage_error(fmt::format("{}: unknown protocol version '{}' (use 5, 311 or 31)",
                                          flag_label(spec, "protocol-version"), *given));
    }
    const char* v5_flag = raw.has("session-expiry-interval") ? "-x/--session-expiry-interval"
                          : !raw.properties.empty()          ? "-D/--property"
                                                             : nullptr;
    if (v5_flag && version != mqtt_version::v5) {
        if (given)
            throw usage_error(fmt::format("{} is MQTT v5 only; it cannot be used with -V {}", v5_flag, *given),
                              fmt::format("leave out -V (without it, {} switches to MQTT v5)", v5_flag));
        version = mqtt_version::v5;
    }
    return version;
}

// -x: seconds, or -1 / inf / ∞ for never.
std::uint32_t parse_session_expiry(const std::string& v) {
    if (v == "-1" || v == "inf" || v == "\xE2\x88\x9E") return std::numeric_limits<std::uint32_t>::max();
    return static_cast<std::uint32_t>(parse_integer(v, 0, 4294967295LL, "-x/--session-expiry-interval"));
}

// Protocol and session: -k -V -c -x -i -I -d --quiet.
void build_session(const tool_spec& spec, const raw_args& raw, const process_identity& who,
                   const connection_defaults& defaults, connection_config& c) {
    if (const auto* v = raw.last("keepalive"))
        c.keepalive = static_cast<int>(parse_integer(*v, 0, 65535, flag_label(spec, "keepalive")));
    c.version = build_version(spec, raw, defaults.version);
    const bool v5 = c.version == mqtt_version::v5;
    c.clean_session = !raw.has("disable-clean-session");
    c.debug = raw.has("debug");
    c.quiet = raw.has("quiet");
    if (const auto* v = raw.last("session-expiry-interval"))
        c.session_expiry = parse_session_expiry(*v);
    else if (v5)
        c.session_expiry = c.clean_session ? 0 : std::numeric_limits<std::uint32_t>::max();

    if (raw.has("id") && raw.has("id-prefix")) throw usage_error("-i/--id and -I/--id-prefix cannot be used together");
    if (const auto* v = raw.last("id")) {
        if (v->empty()) throw usage_error("-i/--id: empty client id", "leave out -i and the broker assigns one");
        if (v->size() > 65535) throw usage_error("-i/--id: client id longer than 65535 bytes");
        c.client_id = *v;
        return;
    }
    if (const auto* p = raw.last("id-prefix")) {
        c.client_id = fmt::format("{}{}", *p, who.pid);
        return;
    }
    if (!c.clean_session && !v5)
        throw usage_error("-c/--disable-clean-session needs a client id: give -i",
                          "a persistent session is found again by its client id");
    if (v5 && c.session_expiry == std::numeric_limits<std::uint32_t>::max())
        throw usage_error(fmt::format("{} keeps the session for ever: it needs a client id, give -i",
                                      raw.has("session-expiry-interval") ? "-x/--session-expiry-interval"
                                                                         : "-c/--disable-clean-session"),
                          "a persistent session is found again by its client id");
    // MQTT 3.1 forbids an empty client id; mosquitto's clients then make one up too.
    if (!defaults.empty_client_id || c.version == mqtt_version::v31) c.client_id = default_client_id(spec.name, who);
}

// -u -P --pw-file and MQKIT_USERNAME / MQKIT_PASSWORD.
void build_auth(const raw_args& raw, env_lookup env, connection_config& c) {
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
    if ((c.password || !c.password_file.empty()) && (!c.username || c.username->empty()) &&
        c.version != mqtt_version::v5)
        throw usage_error(fmt::format("{} needs a user name (-u); MQTT 3.1.1 has no password without one",
                                      c.password_file.empty() ? "-P/--pw" : "--pw-file"));
}

// --will-topic --will-payload --will-qos --will-retain.
void build_will(const raw_args& raw, connection_config& c) {
    will_config w;
    if (const auto* q = raw.last("will-qos")) w.qos = parse_qos(*q, "--will-qos");
    if (const auto* t = raw.last("will-topic")) {
        if (auto why = topic_name_problem(*t); !why.empty())
            throw usage_error("--will-topic: " + invalid_topic("topic", *t, why));
        w.topic = *t;
        if (const auto* p = raw.last("will-payload")) w.payload = *p;
        w.retain = raw.has("will-retain");
        c.will = w;
        return;
    }
    for (const char* name : {"will-payload", "will-qos", "will-retain"})
        if (raw.has(name)) throw usage_error(fmt::format("--{} needs --will-topic", name));
}

}  // namespace

connection_config build_connection(const tool_spec& spec, const raw_args& raw, env_lookup env,
                                   const process_identity& who, std::optional<broker_url>& url,
                                   const connection_defaults& defaults) {
    connection_config c;
    build_endpoint(spec, raw, env, c, url);
    if (!defaults.relay && c.proxy.rfind("socks5h://", 0) == 0)
        throw error(exit_code::failure, fmt::format("--proxy: SOCKS5 proxies are not supported by {}", spec.name),
                    "give an HTTP proxy: --proxy http://host:port");
    build_session(spec, raw, who, defaults, c);
    build_auth(raw, env, c);
    build_will(raw, c);
    c.properties = build_properties(raw);
    return c;
}

connection_config build_connection(const tool_spec& spec, const raw_args& raw, env_lookup env,
                                   const process_identity& who, std::optional<broker_url>& url) {
    return build_connection(spec, raw, env, who, url, connection_defaults{mqtt_version::v311, false, false});
}

std::vector<std::string> connection_warnings(const connection_config& c) {
    std::vector<std::string> out;
    if (c.tls.enabled && c.tls.insecure)
        out.emplace_back(
            "--insecure: the broker's certificate is not verified at all, so anyone who can redirect the "
            "connection can pose as the broker");
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

}  // namespace mqkit
