// A plain TCP connect to a broker's address, to say why an MQTT connect failed (DNS, refused, timeout).
#include "core/tcp_probe.hpp"

#include <fmt/format.h>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace mqkit::detail {

tcp_probe probe_tcp(const std::string& host, int port) {
    tcp_probe out;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
        out.what = tcp_probe::outcome::no_such_host;
        out.reason = ::gai_strerror(rc);
        out.message = fmt::format("cannot resolve host '{}': {}", host, out.reason);
        return out;
    }
    out.reason = "connection failed";
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        int err = rc == 0 ? 0 : errno;
        if (rc != 0 && err == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, 3000) == 1) {
                socklen_t len = sizeof err;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            } else {
                err = ETIMEDOUT;
            }
        }
        ::close(fd);
        if (err == 0) {
            ::freeaddrinfo(res);
            return tcp_probe{};
        }
        out.reason = std::strerror(err);
    }
    ::freeaddrinfo(res);
    out.what = tcp_probe::outcome::failed;
    out.message = fmt::format("cannot connect to {}:{}: {}", host, port, out.reason);
    return out;
}

}  // namespace mqkit::detail
