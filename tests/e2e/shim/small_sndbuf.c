/* Test-only fault injection, loaded with LD_PRELOAD into a tool under test: every TCP socket the
 * process connects gets a send buffer of MQKIT_TEST_SNDBUF bytes, as on a slow link, so the tool's
 * writes come back short long before loopback's multi-megabyte buffers would fill. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>

int connect(int fd, const struct sockaddr* address, socklen_t length) {
    static int (*next)(int, const struct sockaddr*, socklen_t);
    if (!next) *(void**)&next = dlsym(RTLD_NEXT, "connect");
    const char* size = getenv("MQKIT_TEST_SNDBUF");
    if (size && address && (address->sa_family == AF_INET || address->sa_family == AF_INET6)) {
        int bytes = atoi(size);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
    }
    return next(fd, address, length);
}
