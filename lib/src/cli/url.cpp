// Parses mosquitto's -L URL: scheme://[username[:password]@]host[:port]/topic (mqtt, mqtts, ws, wss).
#include "cli/url.hpp"

#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"

#include <fmt/format.h>

namespace mqkit {

broker_url parse_broker_url(const std::string& url) {
    broker_url out;
    auto sep = url.find("://");
    if (sep == std::string::npos)
        throw usage_error("-L: the value is not a URL of the form mqtt://[user[:password]@]host[:port]/topic");
    out.scheme = url.substr(0, sep);
    if (out.scheme != "mqtt" && out.scheme != "mqtts" && out.scheme != "ws" && out.scheme != "wss")
        throw usage_error(
            fmt::format("-L: unsupported scheme '{}://' (use mqtt://, mqtts://, ws:// or wss://)", out.scheme));
    std::string rest = url.substr(sep + 3);
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    if (slash != std::string::npos) out.topic = rest.substr(slash + 1);

    auto at = authority.rfind('@');
    if (at != std::string::npos) {
        std::string userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        auto colon = userinfo.find(':');
        out.username = userinfo.substr(0, colon);
        if (colon != std::string::npos) out.password = userinfo.substr(colon + 1);
        if (out.username->empty()) throw usage_error("-L: empty user name before '@'");
    }

    std::string port_text;
    if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
        auto close = authority.find(']');
        if (close == std::string::npos) throw usage_error(fmt::format("-L: missing ']' in '{}'", authority));
        out.host = authority.substr(1, close - 1);
        std::string after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') throw usage_error(fmt::format("-L: unexpected '{}' after the host", after));
            port_text = after.substr(1);
            if (port_text.empty()) throw usage_error("-L: ':' with no port number after it");
        }
    } else {
        auto colon = authority.find(':');
        out.host = authority.substr(0, colon);
        if (colon != std::string::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) throw usage_error("-L: ':' with no port number after it");
        }
    }
    if (out.host.empty()) throw usage_error("-L: no host in the URL");
    int default_port = out.websocket() ? (out.tls() ? 443 : 80) : (out.tls() ? 8883 : 1883);
    out.port = port_text.empty() ? default_port : static_cast<int>(parse_integer(port_text, 1, 65535, "-L port"));
    return out;
}

}  // namespace mqkit
