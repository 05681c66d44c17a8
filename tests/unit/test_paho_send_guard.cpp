// Unit tests for libmqkit's guard against Paho C's use-after-free on a reset connection
// (lib/src/paho_send_guard.cpp): on Paho's send thread a reset reads as EAGAIN, elsewhere as itself.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <thread>

namespace {

/// errno of `attempt()` (0 when it succeeded), run on a new thread named `name`.
template <class Attempt>
int error_on_thread(const char* name, Attempt attempt) {
    int error = -1;
    std::thread([&] {
        ::prctl(PR_SET_NAME, name);
        error = attempt() < 0 ? errno : 0;
    }).join();
    return error;
}

/// A connected loopback TCP socket whose peer has reset the connection (and the reset has arrived).
int reset_socket() {
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    int peer = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(peer >= 0);
    ::close(listener);
    const linger reset{1, 0};  // close() sends RST instead of FIN
    REQUIRE(::setsockopt(peer, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) == 0);
    ::close(peer);
    pollfd p{client, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);  // the reset arrived
    REQUIRE((p.revents & (POLLERR | POLLHUP)) != 0);
    return client;
}

}  // namespace

TEST_CASE("paho send guard: a reset socket reads as EAGAIN on Paho's send thread only", "[paho][guard]") {
    std::signal(SIGPIPE, SIG_IGN);
    const char data[] = "PUBLISH";
    iovec v{const_cast<char*>(data), sizeof data};
    SECTION("writev, as Paho writes a plain TCP or WebSocket connection") {
        int fd = reset_socket();
        CHECK(error_on_thread("MQTTAsync_send", [&] { return ::writev(fd, &v, 1); }) == EAGAIN);
        CHECK(error_on_thread("MQTTAsync_send", [&] { return ::writev(fd, &v, 1); }) == EAGAIN);
        const int elsewhere = error_on_thread("MQTTAsync_rcv", [&] { return ::writev(fd, &v, 1); });
        CHECK((elsewhere == EPIPE || elsewhere == ECONNRESET));
        ::close(fd);
    }
    SECTION("write, as OpenSSL writes a TLS connection for Paho") {
        int fd = reset_socket();
        const int elsewhere = error_on_thread("main", [&] { return ::write(fd, data, sizeof data); });
        CHECK((elsewhere == EPIPE || elsewhere == ECONNRESET));
        CHECK(error_on_thread("MQTTAsync_send", [&] { return ::write(fd, data, sizeof data); }) == EAGAIN);
        ::close(fd);
    }
    SECTION("a pipe keeps its EPIPE, also on Paho's send thread") {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        ::close(fds[0]);
        CHECK(error_on_thread("MQTTAsync_send", [&] { return ::write(fds[1], data, sizeof data); }) == EPIPE);
        ::close(fds[1]);
    }
    SECTION("writes that succeed are untouched") {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        CHECK(error_on_thread("MQTTAsync_send", [&] { return ::writev(fds[1], &v, 1); }) == 0);
        char back[sizeof data] = {};
        CHECK(::read(fds[0], back, sizeof back) == static_cast<ssize_t>(sizeof data));
        CHECK(std::string(back) == "PUBLISH");
        ::close(fds[0]);
        ::close(fds[1]);
    }
}
