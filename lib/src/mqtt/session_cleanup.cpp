// Deletes an MQTT 3.x session kept on the broker, over a short plain-TCP connection of its own.
#include "mqtt/session_cleanup.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace mqkit::detail {
namespace {

void put_string(std::string& out, const std::string& s) {
    out.push_back(static_cast<char>((s.size() >> 8) & 0xff));
    out.push_back(static_cast<char>(s.size() & 0xff));
    out += s;
}

class socket_fd {
public:
    explicit socket_fd(int fd) : fd_(fd) {}
    ~socket_fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    socket_fd(const socket_fd&) = delete;
    socket_fd& operator=(const socket_fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, events, 0};
        int rc = ::poll(&p, 1, static_cast<int>(left.count()));
        if (rc < 0 && errno == EINTR) continue;
        return rc == 1 && (p.revents & events) != 0;
    }
}

bool send_all(int fd, const std::string& data, std::chrono::steady_clock::time_point deadline) {
    std::size_t done = 0;
    while (done < data.size()) {
        if (!wait_for(fd, POLLOUT, deadline)) return false;
        ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

int connect_tcp(const connection_config& c, std::chrono::steady_clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(c.host.c_str(), std::to_string(c.port).c_str(), &hints, &res) != 0) return -1;
    int found = -1;
    for (addrinfo* ai = res; ai && found < 0; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        int err = rc == 0 ? 0 : errno;
        if (err == EINPROGRESS && wait_for(fd, POLLOUT, deadline)) {
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        }
        if (err == 0)
            found = fd;
        else
            ::close(fd);
    }
    freeaddrinfo(res);
    return found;
}

}  // namespace

bool clear_session_over_tcp(const connection_config& c, std::chrono::milliseconds timeout) {
    if (c.tls.enabled || c.transport_kind != transport::tcp || c.version == mqtt_version::v5) return false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    socket_fd fd(connect_tcp(c, deadline));
    if (fd.get() < 0) return false;

    // CONNECT (MQTT 3.1.1 section 3.1; 3.1 differs only in the protocol name and level), clean
    // session set, no will: the broker discards the stored session (3.1.2.4).
    const bool v31 = c.version == mqtt_version::v31;
    std::string body;
    put_string(body, v31 ? "MQIsdp" : "MQTT");
    body.push_back(static_cast<char>(v31 ? 3 : 4));
    unsigned char flags = 0x02;
    if (c.username) flags |= 0x80;
    if (c.password) flags |= 0x40;
    body.push_back(static_cast<char>(flags));
    body.push_back(0);
    body.push_back(10);  // keep-alive: 10 s, this connection lives for one round trip
    put_string(body, c.client_id);
    if (c.username) put_string(body, *c.username);
    if (c.password) put_string(body, *c.password);
    std::string packet(1, '\x10');
    for (std::size_t len = body.size();;) {  // remaining length, 7 bits per byte
        unsigned char b = len & 0x7f;
        len >>= 7;
        packet.push_back(static_cast<char>(len ? (b | 0x80) : b));
        if (!len) break;
    }
    packet += body;
    if (!send_all(fd.get(), packet, deadline)) return false;

    unsigned char connack[4];
    std::size_t got = 0;
    while (got < sizeof connack) {
        if (!wait_for(fd.get(), POLLIN, deadline)) return false;
        ssize_t n = ::recv(fd.get(), connack + got, sizeof connack - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
    }
    if (connack[0] != 0x20 || connack[1] != 0x02 || connack[3] != 0) return false;
    return send_all(fd.get(), std::string("\xe0\x00", 2), deadline);
}

}  // namespace mqkit::detail
