// Loopback TCP sockets for the unit tests that need real ones (the socket guard, mqbench's
// set_nodelay): a listener on a free 127.0.0.1 port, and a blocking client connected to it.
#pragma once

#include "catch_compat.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace mqkit_test {

/// A listening loopback TCP socket on a free port; its address goes to `a`.
inline int loopback_listener(sockaddr_in& a) {
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    a = sockaddr_in{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    return listener;
}

/// A blocking TCP client connected to `a`.
inline int connect_to(const sockaddr_in& a) {
    int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(::connect(client, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
    return client;
}

}  // namespace mqkit_test
