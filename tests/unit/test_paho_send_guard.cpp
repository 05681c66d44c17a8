// Unit tests for the send guard around Paho C's socket calls (lib/src/mqtt/workarounds/send_guard.cpp,
// linked into mqkit's programs, these tests among them; not built when the workarounds are off): on
// Paho's threads a write to its non-blocking socket completes, and on its send thread a reset reads as
// EAGAIN; elsewhere every write keeps the socket's own answer.
#ifdef MQKIT_HAS_SEND_GUARD

#include "loopback.hpp"

#include "catch_compat.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <utility>

namespace {

using mqkit_test::connect_to;
using mqkit_test::loopback_listener;

/// Runs `body()` on a new thread named `name` and waits for it.
template <class Body>
void on_thread(const char* name, Body body) {
    std::thread([&] {
        ::prctl(PR_SET_NAME, name);
        body();
    }).join();
}

/// errno of `attempt()` (0 when it succeeded), run on a new thread named `name`.
template <class Attempt>
int error_on_thread(const char* name, Attempt attempt) {
    int error = -1;
    on_thread(name, [&] { error = attempt() < 0 ? errno : 0; });
    return error;
}

/// A connected loopback TCP pair {client, peer}.
std::pair<int, int> connected_pair() {
    sockaddr_in a;
    const int listener = loopback_listener(a);
    const int client = connect_to(a);
    int peer = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(peer >= 0);
    ::close(listener);
    return {client, peer};
}

/// A non-blocking connect to `a` started on a thread named like Paho's send thread: the socket, and
/// whether the kernel connected it at once (then nothing is watched).
std::pair<int, bool> connect_as_paho(const sockaddr_in& a) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int connected = -2;
    int error = 0;
    on_thread("MQTTAsync_send", [&] {
        connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
        error = errno;
    });
    REQUIRE((connected == 0 || error == EINPROGRESS));
    return {fd, connected == 0};
}

/// A connected loopback TCP socket whose peer has reset the connection (and the reset has arrived).
int reset_socket() {
    auto [client, peer] = connected_pair();
    const linger reset{1, 0};  // close() sends RST instead of FIN
    REQUIRE(::setsockopt(peer, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) == 0);
    ::close(peer);
    pollfd p{client, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);  // the reset arrived
    REQUIRE((p.revents & (POLLERR | POLLHUP)) != 0);
    return client;
}

/// Runs `write(fd)` once on a thread named `name`, `fd` a non-blocking socket with a small send buffer
/// whose peer reads everything; returns what `write` returned and what the peer got.
template <class Write>
std::pair<ssize_t, std::string> to_small_socket(const char* name, Write write) {
    auto [client, peer] = connected_pair();
    const int small = 4096;
    // Only the sender's: a receive buffer far below loopback's 64 KiB segments can leave the sender
    // waiting on zero-window probes, backing off up to two minutes.
    REQUIRE(::setsockopt(client, SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
    REQUIRE(::fcntl(client, F_SETFL, ::fcntl(client, F_GETFL) | O_NONBLOCK) == 0);
    std::string got;
    std::thread reader([&, peer = peer] {
        char chunk[65536];
        for (ssize_t n; (n = ::read(peer, chunk, sizeof chunk)) > 0;) got.append(chunk, static_cast<std::size_t>(n));
    });
    ssize_t written = -1;
    on_thread(name, [&, client = client] { written = write(client); });
    ::shutdown(client, SHUT_WR);
    reader.join();
    ::close(client);
    ::close(peer);
    return {written, got};
}

/// to_small_socket() with one writev() of `data` as three vectors, as Paho writes a packet.
std::pair<ssize_t, std::string> writev_to_small_socket(const char* name, const std::string& data) {
    const std::size_t third = data.size() / 3;
    iovec v[3] = {{const_cast<char*>(data.data()), third},
                  {const_cast<char*>(data.data()) + third, third},
                  {const_cast<char*>(data.data()) + 2 * third, data.size() - 2 * third}};
    return to_small_socket(name, [&](int fd) { return ::writev(fd, v, 3); });
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

TEST_CASE("paho send guard: Paho never sees a short write on its non-blocking sockets", "[paho][guard]") {
    // Paho C drops queued acknowledgements after a short write (lib/src/paho_send_guard.cpp): on its
    // threads a write the socket cannot take at once waits for room and completes.
    std::string data(4 << 20, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
    for (const char* thread : {"MQTTAsync_rcv", "MQTTAsync_send"}) {
        INFO(thread);
        auto [written, got] = writev_to_small_socket(thread, data);
        CHECK(written == static_cast<ssize_t>(data.size()));
        CHECK(got.size() == data.size());
        CHECK(got == data);
    }
    // Elsewhere the socket's own answer: a short write (the buffers hold far less than 4 MiB).
    auto [written, got] = writev_to_small_socket("main", data);
    CHECK(written > 0);
    CHECK(written < static_cast<ssize_t>(data.size()));
    CHECK(got == data.substr(0, static_cast<std::size_t>(written)));
}

TEST_CASE("paho send guard: write() completes too, as OpenSSL writes a TLS socket for Paho", "[paho][guard]") {
    const std::string data(1 << 20, 'x');
    auto [written, got] =
        to_small_socket("MQTTAsync_rcv", [&](int fd) { return ::write(fd, data.data(), data.size()); });
    CHECK(written == static_cast<ssize_t>(data.size()));
    CHECK(got.size() == data.size());
}

TEST_CASE("paho connect wake: the receive thread's poll ends when a socket Paho connects is connected",
          "[paho][guard]") {
    // Paho C sends CONNECT only after a poll for readable sockets returns, with nothing to read
    // before CONNECT: that poll now returns (as a timeout) once the connect is done.
    sockaddr_in a;
    const int listener = loopback_listener(a);
    const auto [fd, at_once] = connect_as_paho(a);
    if (at_once) SUCCEED("the kernel connected at once; nothing to wake");
    int first = -2;
    short first_revents = -1;
    std::chrono::steady_clock::duration took{};
    int second = -2;
    ssize_t wrote = -2;
    on_thread("MQTTAsync_rcv", [&, fd = fd] {
        pollfd p{fd, POLLIN, 0};
        const auto start = std::chrono::steady_clock::now();
        first = ::poll(&p, 1, 30000);  // Paho's is 10 ms; long here, so only the wake can end it
        took = std::chrono::steady_clock::now() - start;
        first_revents = p.revents;
        wrote = ::write(fd, "x", 1);  // the first write (CONNECT) ends the watch
        p.revents = 0;
        second = ::poll(&p, 1, 20);  // an ordinary timeout again: nothing to read
    });
    if (!at_once) {
        CHECK(first == 0);
        CHECK(first_revents == 0);
        CHECK(took < std::chrono::seconds(20));
    }
    CHECK(wrote == 1);
    CHECK(second == 0);
    ::close(fd);
    ::close(listener);
}

TEST_CASE("paho idle sleep: the receive thread's sleep ends when a Paho thread starts a connect", "[paho][guard]") {
    sockaddr_in a;
    const int listener = loopback_listener(a);
    std::chrono::steady_clock::duration took{};
    std::thread receiver([&] {
        ::prctl(PR_SET_NAME, "MQTTAsync_rcv");
        const auto start = std::chrono::steady_clock::now();
        ::usleep(30'000'000);  // Paho's is 100 ms; long here, so only the connect can end it
        took = std::chrono::steady_clock::now() - start;
    });
    // Whether the connect comes before the sleep starts (then it is skipped) or during it (then it
    // ends), the receive thread must not sleep on.
    const auto [fd, at_once] = connect_as_paho(a);
    receiver.join();
    if (at_once)
        SUCCEED("the kernel connected at once; nothing to wake");
    else
        CHECK(took < std::chrono::seconds(20));
    ::write(fd, "x", 1);  // the first write ends the watch
    ::close(fd);
    ::close(listener);
}

TEST_CASE("paho idle sleep: skipped at most 8 times for an unwritten socket, and only on the receive thread",
          "[paho][guard]") {
    sockaddr_in a;
    const int listener = loopback_listener(a);
    const auto [fd, at_once] = connect_as_paho(a);
    if (at_once) {
        SUCCEED("the kernel connected at once; nothing is watched");
        ::close(fd);
        ::close(listener);
        return;
    }
    std::chrono::steady_clock::duration elsewhere{};
    std::chrono::steady_clock::duration skipped{};
    std::chrono::steady_clock::duration ninth{};
    std::thread([&] {
        const auto start = std::chrono::steady_clock::now();
        ::usleep(50'000);  // not a Paho thread: libc's sleep, watched socket or not
        elsewhere = std::chrono::steady_clock::now() - start;
    }).join();
    on_thread("MQTTAsync_rcv", [&] {
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < 8; ++i) ::usleep(5'000'000);
        skipped = std::chrono::steady_clock::now() - start;
        start = std::chrono::steady_clock::now();
        ::usleep(50'000);  // the socket is no longer watched: a real sleep
        ninth = std::chrono::steady_clock::now() - start;
    });
    CHECK(elsewhere >= std::chrono::milliseconds(50));
    CHECK(skipped < std::chrono::seconds(5));
    CHECK(ninth >= std::chrono::milliseconds(50));
    ::close(fd);
    ::close(listener);
}

namespace {

/// Bytes waiting in `fd`'s kernel receive queue.
int queued(int fd) {
    int n = -1;
    REQUIRE(::ioctl(fd, FIONREAD, &n) == 0);
    return n;
}

/// A connected pair whose client end has `data` waiting to be read.
std::pair<int, int> pair_with(const std::string& data) {
    auto pair = connected_pair();
    REQUIRE(::write(pair.second, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    pollfd p{pair.first, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);
    REQUIRE(queued(pair.first) == static_cast<int>(data.size()));  // one segment on loopback
    return pair;
}

std::string pattern(std::size_t size) {
    std::string s;
    for (std::size_t i = 0; i < size; ++i) s += static_cast<char>('a' + i % 26);
    return s;
}

}  // namespace

TEST_CASE("paho read-ahead: the receive thread's small reads come from one read, in order", "[paho][guard]") {
    const std::string data = pattern(1000);
    auto [client, peer] = pair_with(data);
    std::string got(1000, '\0');
    ssize_t first = -2, second = -2, rest = -2;
    int left_after_first = -1, polled_kept = -2, polled_drained = -2;
    short kept_revents = 0;
    std::chrono::steady_clock::duration took{};
    on_thread("MQTTAsync_rcv", [&] {
        first = ::recv(client, &got[0], 1, 0);  // Paho: the packet's first byte
        left_after_first = queued(client);
        pollfd p{client, POLLIN, 0};
        const auto start = std::chrono::steady_clock::now();
        polled_kept = ::poll(&p, 1, 30000);  // readable at once: bytes are kept
        took = std::chrono::steady_clock::now() - start;
        kept_revents = p.revents;
        second = ::recv(client, &got[1], 1, 0);  // a length byte
        rest = ::recv(client, &got[2], 998, 0);  // the rest of the packet
        p.revents = 0;
        polled_drained = ::poll(&p, 1, 0);  // nothing kept, nothing queued
    });
    CHECK(first == 1);
    CHECK(left_after_first == 0);  // the kernel's queue was read in one go
    CHECK(polled_kept == 1);
    CHECK((kept_revents & POLLIN) != 0);
    CHECK(took < std::chrono::seconds(20));
    CHECK(second == 1);
    CHECK(rest == 998);
    CHECK((got == data));
    CHECK(polled_drained == 0);
    ::close(client);
    ::close(peer);
}

TEST_CASE("paho read-ahead: other threads read the socket itself", "[paho][guard]") {
    auto [client, peer] = pair_with(pattern(100));
    char c = 0;
    ssize_t n = -2;
    int left = -1;
    on_thread("mqsub", [&] {
        n = ::recv(client, &c, 1, 0);
        left = queued(client);
    });
    CHECK(n == 1);
    CHECK(c == 'a');
    CHECK(left == 99);
    ::close(client);
    ::close(peer);
}

TEST_CASE("paho read-ahead: a longer read takes the kept bytes and what has arrived since", "[paho][guard]") {
    auto [client, peer] = pair_with("0123456789");
    std::string got(20, '\0');
    ssize_t first = -2, second = -2;
    on_thread("MQTTAsync_rcv", [&] { first = ::recv(client, &got[0], 2, 0); });  // 8 bytes kept
    REQUIRE(::write(peer, "abcde", 5) == 5);
    pollfd p{client, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);  // on this thread: the kernel's own answer
    on_thread("MQTTAsync_rcv", [&] { second = ::recv(client, &got[2], 18, 0); });
    CHECK(first == 2);
    CHECK(second == 13);
    CHECK(got.substr(0, 15) == "0123456789abcde");
    ::close(client);
    ::close(peer);
}

TEST_CASE("paho read-ahead: kept bytes go with the descriptor when it is closed", "[paho][guard]") {
    auto [client, peer] = pair_with("stale bytes");
    char c = 0;
    on_thread("MQTTAsync_rcv", [&] { REQUIRE(::recv(client, &c, 1, 0) == 1); });  // "tale bytes" kept
    ::close(client);
    ::close(peer);
    // A new connection under the same descriptor number, as Paho's next socket may well get.
    auto [fresh, peer2] = pair_with("new");
    if (fresh != client) {
        REQUIRE(::dup2(fresh, client) == client);
        ::close(fresh);
    }
    std::string got(16, '\0');
    ssize_t n = -2;
    on_thread("MQTTAsync_rcv", [&] { n = ::recv(client, &got[0], got.size(), 0); });
    CHECK(n == 3);
    CHECK(got.substr(0, 3) == "new");
    ::close(client);
    ::close(peer2);
}

#endif  // MQKIT_HAS_SEND_GUARD
