// Works around a use-after-free in Paho C 1.3 (1.3.12 up to at least 1.3.15) when the broker resets
// the connection just before Paho's send thread writes a QoS 1/2 PUBLISH.
//
// For a QoS 1/2 message, MQTTAsync_processCommand stores it in the session (MQTTProtocol_startPublish),
// the stored copy sharing topic and payload with the queued command. If the first write of the PUBLISH
// then fails with a socket error, it reports the publish as failed and frees the command, topic and
// payload included, but leaves the stored message in the session. With a kept session (clean session
// off: mqpub -l/--repeat at QoS 1/2) Paho sends that message again after the reconnect, from freed
// memory: AddressSanitizer aborts with heap-use-after-free in MQTTPacket_send_publish
// (MQTTProtocol_retries); without it the broker gets a PUBLISH with a corrupt topic and payload, and
// mqpub reports a message as lost that Paho did send. Seen under load when a broker restarts mid-stream.
//
// That first write is always made on Paho's send thread, named "MQTTAsync_send". There, and only for a
// socket whose peer reset the connection (ECONNRESET, EPIPE), writev() and write() report EAGAIN
// instead, which Paho handles as a packet not yet written: the publish stays whole, in the session and
// awaiting its PUBACK, and the reset is seen by the receive thread, which reads from that socket and
// finishes its writes, as for any lost connection. write() covers TLS, where OpenSSL writes the socket.
#include <dlfcn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace {

bool on_paho_send_thread() {
    char name[16] = {};
    return ::prctl(PR_GET_NAME, name) == 0 && std::strcmp(name, "MQTTAsync_send") == 0;
}

bool is_socket(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/// `result` of a write to `fd`, with a connection reset on Paho's send thread turned into EAGAIN.
ssize_t reset_as_would_block(ssize_t result, int fd) {
    if (result >= 0) return result;
    const int error = errno;
    errno = (error == ECONNRESET || error == EPIPE) && is_socket(fd) && on_paho_send_thread() ? EAGAIN : error;
    return result;
}

template <class Function>
Function next_definition(const char* name) {
    return reinterpret_cast<Function>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" ssize_t writev(int fd, const struct iovec* iov, int count) {
    static const auto next = next_definition<ssize_t (*)(int, const struct iovec*, int)>("writev");
    return reset_as_would_block(next(fd, iov, count), fd);
}

extern "C" ssize_t write(int fd, const void* data, size_t size) {
    static const auto next = next_definition<ssize_t (*)(int, const void*, size_t)>("write");
    return reset_as_would_block(next(fd, data, size), fd);
}
