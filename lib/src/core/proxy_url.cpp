// --proxy URLs: http:// for Paho's HTTP CONNECT tunnel, socks5h:// for mqkit's own SOCKS5 client.
#include "core/proxy_url.hpp"

#include "mqkit/error.hpp"

#include <fmt/format.h>

#include <charconv>

namespace mqkit::detail {
namespace {

/// %XX sequences decoded (mosquitto 2.1.2 decodes only %25, %3A and %40, the last one wrongly).
std::string percent_decoded(const std::string& s, const char* what) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        unsigned value = 0;
        auto [end, ec] = i + 3 <= s.size() ? std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16)
                                           : std::from_chars_result{nullptr, std::errc::invalid_argument};
        if (ec != std::errc() || end != s.data() + i + 3)
            throw usage_error(fmt::format("--proxy: bad %-escape in the {} (use %XX, e.g. %40 for @)", what));
        out.push_back(static_cast<char>(value));
        i += 2;
    }
    return out;
}

}  // namespace

proxy_url parse_proxy_url(const std::string& url) {
    const auto sep = url.find("://");
    proxy_url out;
    out.scheme = sep == std::string::npos ? std::string() : url.substr(0, sep);
    if (out.scheme == "socks5")
        throw usage_error("--proxy: socks5:// resolves names on this machine, which mqkit does not do",
                          "use socks5h://, as mosquitto's clients do: the proxy resolves the broker's name");
    if (out.scheme != "http" && out.scheme != "socks5h")
        throw usage_error("--proxy: not a URL of the form http:// or socks5h://[user[:password]@]host[:port]");
    std::string authority = url.substr(sep + 3);
    authority = authority.substr(0, authority.find('/'));
    if (auto at = authority.rfind('@'); at != std::string::npos) {
        const std::string userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const auto colon = userinfo.find(':');
        out.username = percent_decoded(userinfo.substr(0, colon), "user name");
        if (colon != std::string::npos) out.password = percent_decoded(userinfo.substr(colon + 1), "password");
        if (out.username->empty()) throw usage_error("--proxy: empty user name before '@'");
    }
    std::string port_text;
    bool has_port = false;
    if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
        const auto close = authority.find(']');
        if (close == std::string::npos) throw usage_error("--proxy: missing ']' after the IPv6 address");
        out.host = authority.substr(1, close - 1);
        const std::string after = authority.substr(close + 1);
        if (!after.empty() && after[0] != ':') throw usage_error("--proxy: unexpected text after the host");
        has_port = !after.empty();
        if (has_port) port_text = after.substr(1);
    } else {
        const auto colon = authority.find(':');
        out.host = authority.substr(0, colon);
        has_port = colon != std::string::npos;
        if (has_port) port_text = authority.substr(colon + 1);
    }
    if (out.host.empty()) throw usage_error("--proxy: no host in the URL");
    out.port = out.socks() ? 1080 : 8080;
    if (has_port) {
        int port = 0;
        auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
            port > 65535)
            throw usage_error(fmt::format("--proxy port: '{}' is not a port (1-65535)", port_text));
        out.port = port;
    }
    return out;
}

}  // namespace mqkit::detail
