// A plain TCP connect to a broker's address, to say why an MQTT connect failed (DNS, refused, timeout).
#pragma once

#include <string>

namespace mqkit::detail {

/// What a plain TCP connect to a broker finds; used to explain why an MQTT connect failed.
struct tcp_probe {
    enum class outcome { connected, no_such_host, failed };
    outcome what = outcome::connected;
    std::string reason;   ///< resolver or socket error ("Connection refused"); empty when connected
    std::string message;  ///< "cannot resolve host 'h': ..." or "cannot connect to h:p: ..."; empty when connected
};
/// Resolves `host` and tries a TCP connect to each address (3 s each) until one succeeds.
tcp_probe probe_tcp(const std::string& host, int port);

}  // namespace mqkit::detail
