// --proxy URLs: http://[user[:password]@]host[:port] (Paho's HTTP CONNECT) and
// socks5h://[user[:password]@]host[:port] (SOCKS5, as mosquitto's clients take it).
#pragma once

#include <optional>
#include <string>

namespace mqkit::detail {

/// The parts of a --proxy URL.
struct proxy_url {
    std::string scheme;                   ///< "http" or "socks5h"
    std::optional<std::string> username;  ///< percent-decoded
    std::optional<std::string> password;  ///< percent-decoded; never printed
    std::string host;                     ///< without the brackets of an IPv6 address
    int port = 0;                         ///< explicit, or 1080 (socks5h) / 8080 (http)

    bool socks() const { return scheme == "socks5h"; }
};

/// Parses `url`; throws usage_error ("--proxy: ...") naming what is wrong, never echoing the URL
/// (it may hold a password).
proxy_url parse_proxy_url(const std::string& url);

}  // namespace mqkit::detail
