// The send guard: works around four faults of Paho C 1.3 (verified on 1.3.11, which Debian 12's
// 1.3.12 package reports, and 1.3.14) in how it uses its sockets, and one cost, by standing in front
// of libc's writev(), write(), connect(), poll(), usleep(), recv() and close() on Paho's own threads.
// Linked into mqkit's executables only (CMakeLists.txt), which export these functions so that they
// come first for the whole process; off (straight to libc) until workarounds.cpp turns it on.
//
// 1. Short writes. Paho keeps the rest of a packet its socket did not take and writes it when its
// receive thread next comes round, which is up to a second apart while the broker sends nothing: a
// 100 MB message took 20 s over loopback (mosquitto_pub: 0.4 s), and a large one over a slow link
// crawled at a socket buffer per turn. And while a packet is partly written, the receive thread
// queues the PUBACK, PUBREC, PUBREL or PUBCOMP it owes (MQTTProtocol_queueAck); once the packet is
// out, MQTTProtocol_writeAvailable sends the queue until one write is short again and then empties
// it, dropping every acknowledgement behind that one (a QoS 2 message whose PUBREC is dropped is
// never released; a dropped PUBREL leaves mqpub waiting for a PUBCOMP that cannot come). So Paho must
// never see a short write on its own non-blocking sockets: on its threads ("MQTTAsync_send",
// "MQTTAsync_rcv") a write that the socket cannot take at once waits for room (poll) and goes on until
// it is complete. Paho already reads a socket only while it is writable, so waiting here changes no
// flow control; it only finishes each packet as soon as the socket can take it. Brokers read while
// they write, so the wait ends as soon as the broker reads; only a broker that takes nothing for
// 10 s (or a SIGINT/SIGTERM meanwhile) gets the short write back, and Paho's own handling.
//
// 2. A use-after-free when the broker resets the connection just before Paho's send thread writes a
// QoS 1/2 PUBLISH.
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
// 3. A 10 ms pause before every CONNECT. Paho's send thread starts a non-blocking TCP connect; its
// receive thread sends CONNECT once a poll for writable sockets shows the connect done, but it makes
// that poll before a poll for readable sockets with a fixed 10 ms timeout, and looks at the result only
// after that one returns. Nothing can arrive on a socket before CONNECT is sent, so the second poll
// always runs to its timeout: 10 ms of every one-shot mqpub (about half its run time). Here a socket
// whose connect() (on a Paho thread) is still in progress is watched for "writable" too while Paho's
// receive thread polls it for reading, and that poll returns as a timeout the moment the connect is
// done; Paho then polls again, sees the socket writable and sends CONNECT at once. The socket leaves
// the watch with its first write (or an error), so the receive thread's polls are untouched after that.
// 4. A 100 ms sleep before a client's first connect (and after any poll that found nothing). Paho's
// receive thread sleeps 100 ms (usleep) whenever a turn finds no socket ready, including when it has
// no socket at all, which is how it starts: a one-shot mqpub's CONNECT waited for the end of that
// sleep, ~100 ms of a ~15 ms job, and a turn that ended early for 3. above went to sleep too. On the
// receive thread that sleep now ends as soon as a Paho thread starts a TCP connect, and is skipped
// while a connect it started is unwritten (at most 8 times per socket, so a socket Paho dropped
// unwritten cannot make it spin). Other threads' usleep() is libc's.
// 5. Three reads per packet. Paho's receive thread reads every packet with one recv() for its first
// byte, one per byte of its length and one for the rest, and polls its sockets again between two
// packets: a subscriber draining a queue made ~8 system calls per message. There, a short recv() on
// a socket now reads up to 16 KiB at once and keeps what Paho did not ask for; later recv() calls
// on that socket are served from it, and that thread's poll() reports the socket readable while
// bytes are kept (without a system call when it is the only socket). Kept bytes are dropped when
// the descriptor is closed. TLS sockets are read by OpenSSL with read(), and are not affected.

#include "core/signals.hpp"
#include "mqtt/workarounds/workarounds.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>

std::atomic<bool> mqkit::workarounds::send_guard_on{false};

namespace {

using mqkit::workarounds::send_guard_on;

/// How long a write on Paho's threads waits for a socket that takes nothing (see 1. above).
constexpr std::chrono::seconds stall_limit{10};

/// 's' on Paho's send thread, 'r' on its receive thread, 0 elsewhere. Paho's threads name themselves
/// before they touch a socket, so a Paho thread is recognised once; other threads ask each time.
char paho_thread() {
    thread_local char known = 0;
    if (known != 0) return known;
    char name[16] = {};
    if (::prctl(PR_GET_NAME, name) != 0) return 0;
    if (std::strcmp(name, "MQTTAsync_send") == 0) return known = 's';
    if (std::strcmp(name, "MQTTAsync_rcv") == 0) return known = 'r';
    return 0;
}

bool is_socket(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

bool is_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && (flags & O_NONBLOCK) != 0;
}

bool is_reset(int error) {
    return error == ECONNRESET || error == EPIPE;
}

/// Waits until `fd` can take more bytes; false once the socket took nothing for `stall_limit`, a
/// stop signal came, or the socket failed (the next write reports how).
bool wait_for_room(int fd) {
    const auto deadline = std::chrono::steady_clock::now() + stall_limit;
    while (mqkit::detail::stop_signal::received() == 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, POLLOUT, 0};
        // In slices, so a signal is noticed within 100 ms.
        const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
        if (ready < 0 && errno != EINTR) return false;
        if (ready > 0) return true;  // room, or an error the next write reports
    }
    return false;
}

/// Finishes a write that `first` (the result of the first attempt, errno intact) left incomplete,
/// with `again(done)` writing what follows the first `done` bytes. `total` is the size asked for.
template <class Again>
ssize_t complete(ssize_t first, std::size_t total, int fd, Again again) {
    if (first >= 0 && static_cast<std::size_t>(first) == total) return first;  // the common case
    int error = first < 0 ? errno : EAGAIN;                                    // a short write: the socket is full
    const bool retry = error == EAGAIN || error == EINTR;
    const char thread = retry || is_reset(error) ? paho_thread() : 0;
    if (thread == 0 || !is_socket(fd)) {
        if (first < 0) errno = error;
        return first;
    }
    std::size_t done = first > 0 ? static_cast<std::size_t>(first) : 0;
    if (retry && is_nonblocking(fd)) {
        while (done < total && (error == EAGAIN || error == EINTR)) {
            if (error == EAGAIN && !wait_for_room(fd)) break;
            const ssize_t n = again(done);
            if (n < 0) {
                error = errno;
                continue;
            }
            done += static_cast<std::size_t>(n);
            error = done < total ? EAGAIN : 0;
        }
    }
    if (done > 0) return static_cast<ssize_t>(done);  // all of it, or as far as the socket went
    // Nothing taken: EAGAIN when the wait ended, or the socket's error. A reset reads as EAGAIN on
    // the send thread (see 2. above); the receive thread reports it.
    errno = is_reset(error) && thread == 's' ? EAGAIN : error;
    return -1;
}

/// Sockets a Paho thread started connecting and has not written yet (see 3. above): fd -> inode, so
/// that a reused descriptor is not mistaken for one, and how many early returns each has had.
struct connecting_sockets {
    struct entry {
        ino_t inode;
        int early_returns;
    };
    std::mutex mutex;
    std::unordered_map<int, entry> by_fd;
    std::atomic<int> count{0};      // by_fd.size(), read without the lock on every poll and write
    std::condition_variable added;  // a socket joined: ends the receive thread's idle sleep (4.)

    void add(int fd) {
        struct stat st {};
        if (::fstat(fd, &st) != 0) return;
        {
            std::lock_guard<std::mutex> lock(mutex);
            by_fd[fd] = {st.st_ino, 0};
            count = static_cast<int>(by_fd.size());
        }
        added.notify_all();
    }
    void remove(int fd) {
        if (count.load(std::memory_order_relaxed) == 0) return;
        std::lock_guard<std::mutex> lock(mutex);
        if (by_fd.erase(fd) != 0) count = static_cast<int>(by_fd.size());
    }
    /// Counts an early return for `fd`. A socket that is not written after 8 of them, or whose
    /// descriptor now names another socket, stops being watched.
    void count_early_return(int fd) {
        struct stat st {};
        const bool known = ::fstat(fd, &st) == 0;
        std::lock_guard<std::mutex> lock(mutex);
        auto it = by_fd.find(fd);
        if (it != by_fd.end() && (!known || it->second.inode != st.st_ino || ++it->second.early_returns > 8)) {
            by_fd.erase(it);
            count = static_cast<int>(by_fd.size());
        }
    }
    bool contains(int fd) {
        std::lock_guard<std::mutex> lock(mutex);
        return by_fd.count(fd) != 0;
    }
    /// The receive thread's idle sleep (4. above): returns at once while a watched socket is still
    /// unwritten and has had fewer than 8 early returns (counting one more for each), else when a
    /// socket is added or `length` has passed. Sockets closed or reused meanwhile leave the watch.
    void idle_sleep(std::chrono::microseconds length) {
        std::unique_lock<std::mutex> lock(mutex);
        for (auto it = by_fd.begin(); it != by_fd.end();) {
            struct stat st {};
            if (::fstat(it->first, &st) != 0 || st.st_ino != it->second.inode || it->second.early_returns >= 8)
                it = by_fd.erase(it);
            else
                ++it;
        }
        count = static_cast<int>(by_fd.size());
        if (by_fd.empty() && !added.wait_for(lock, length, [&] { return !by_fd.empty(); })) return;
        for (auto& [fd, e] : by_fd) ++e.early_returns;
    }
};

/// Bytes the receive thread read ahead of Paho (see 5. above), by descriptor.
struct read_ahead {
    /// How much one read on the receive thread asks for; Paho's larger reads go straight through.
    static constexpr std::size_t chunk = 16 * 1024;
    struct kept {
        std::unique_ptr<char[]> bytes;
        std::size_t start = 0;
        std::size_t end = 0;
    };
    std::mutex mutex;
    std::unordered_map<int, kept> by_fd;
    std::atomic<int> count{0};  // by_fd.size(), read without the lock on every recv, poll and close

    /// Moves up to `size` kept bytes of `fd` to `out` (leaving them when `peek`); how many.
    std::size_t take(int fd, char* out, std::size_t size, bool peek) {
        std::lock_guard<std::mutex> lock(mutex);
        auto it = by_fd.find(fd);
        if (it == by_fd.end()) return 0;
        kept& k = it->second;
        const std::size_t n = std::min(size, k.end - k.start);
        std::memcpy(out, k.bytes.get() + k.start, n);
        if (!peek) k.start += n;
        if (k.start == k.end) {
            by_fd.erase(it);
            count = static_cast<int>(by_fd.size());
        }
        return n;
    }
    void keep(int fd, const char* bytes, std::size_t size) {
        kept k;
        k.bytes = std::make_unique<char[]>(size);
        std::memcpy(k.bytes.get(), bytes, size);
        k.end = size;
        std::lock_guard<std::mutex> lock(mutex);
        by_fd[fd] = std::move(k);
        count = static_cast<int>(by_fd.size());
    }
    /// Whether any of the sockets polled for reading has kept bytes.
    bool any_kept(const struct pollfd* fds, nfds_t n) {
        std::lock_guard<std::mutex> lock(mutex);
        for (nfds_t i = 0; i < n; ++i)
            if ((fds[i].events & POLLIN) && by_fd.count(fds[i].fd) != 0) return true;
        return false;
    }
    /// Adds POLLIN to each socket polled for reading that has kept bytes; how many that made ready.
    int mark_kept(struct pollfd* fds, nfds_t n) {
        std::lock_guard<std::mutex> lock(mutex);
        int newly = 0;
        for (nfds_t i = 0; i < n; ++i) {
            if (!(fds[i].events & POLLIN) || by_fd.count(fds[i].fd) == 0) continue;
            newly += fds[i].revents == 0;
            fds[i].revents = static_cast<short>(fds[i].revents | POLLIN);
        }
        return newly;
    }
    void drop(int fd) {
        std::lock_guard<std::mutex> lock(mutex);
        if (by_fd.erase(fd) != 0) count = static_cast<int>(by_fd.size());
    }
};

read_ahead& kept_bytes() {
    static read_ahead* kept = new read_ahead;  // never destroyed: Paho's threads outlive main
    return *kept;
}

connecting_sockets& connecting() {
    static connecting_sockets* sockets = new connecting_sockets;  // never destroyed: Paho's threads outlive main
    return *sockets;
}

template <class Function>
Function next_definition(const char* name) {
    return reinterpret_cast<Function>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" ssize_t writev(int fd, const struct iovec* iov, int count) {
    static const auto next = next_definition<ssize_t (*)(int, const struct iovec*, int)>("writev");
    if (!send_guard_on.load(std::memory_order_relaxed)) return next(fd, iov, count);
    std::size_t total = 0;
    for (int i = 0; i < count; ++i) total += iov[i].iov_len;
    connecting().remove(fd);
    return complete(next(fd, iov, count), total, fd, [&](std::size_t done) {
        // The vectors from the first one not yet written in full, that one shortened at the front.
        int i = 0;
        for (; i < count && done >= iov[i].iov_len; ++i) done -= iov[i].iov_len;
        struct iovec rest[64];  // Paho writes at most 5; more would go in further rounds
        int n = 0;
        for (; i < count && n < 64; ++i, ++n, done = 0)
            rest[n] = {static_cast<char*>(iov[i].iov_base) + done, iov[i].iov_len - done};
        return next(fd, rest, n);
    });
}

extern "C" ssize_t write(int fd, const void* data, size_t size) {
    static const auto next = next_definition<ssize_t (*)(int, const void*, size_t)>("write");
    if (!send_guard_on.load(std::memory_order_relaxed)) return next(fd, data, size);
    connecting().remove(fd);
    return complete(next(fd, data, size), size, fd,
                    [&](std::size_t done) { return next(fd, static_cast<const char*>(data) + done, size - done); });
}

extern "C" int connect(int fd, const struct sockaddr* address, socklen_t length) {
    static const auto next = next_definition<int (*)(int, const struct sockaddr*, socklen_t)>("connect");
    if (!send_guard_on.load(std::memory_order_relaxed)) return next(fd, address, length);
    const int result = next(fd, address, length);
    if (result != 0 && errno == EINPROGRESS && address &&
        (address->sa_family == AF_INET || address->sa_family == AF_INET6) && paho_thread() != 0) {
        connecting().add(fd);
        errno = EINPROGRESS;
    }
    return result;
}

extern "C" ssize_t recv(int fd, void* out, size_t size, int flags) {
    static const auto next = next_definition<ssize_t (*)(int, void*, size_t, int)>("recv");
    if (!send_guard_on.load(std::memory_order_relaxed)) return next(fd, out, size, flags);
    auto& ahead = kept_bytes();
    if (size == 0) return next(fd, out, size, flags);
    if (ahead.count.load(std::memory_order_relaxed) != 0) {
        const std::size_t n = ahead.take(fd, static_cast<char*>(out), size, (flags & MSG_PEEK) != 0);
        if (n == size || (n > 0 && (flags & MSG_PEEK))) return static_cast<ssize_t>(n);
        if (n > 0) {
            // The rest, if the socket has it now; an error or the end shows on the next call.
            const int saved = errno;
            const ssize_t more = next(fd, static_cast<char*>(out) + n, size - n, flags | MSG_DONTWAIT);
            errno = saved;
            return static_cast<ssize_t>(n) + std::max<ssize_t>(more, 0);
        }
    }
    if (size >= read_ahead::chunk || flags != 0 || paho_thread() != 'r') return next(fd, out, size, flags);
    thread_local std::unique_ptr<char[]> chunk;  // the receive thread's only
    if (!chunk) chunk = std::make_unique<char[]>(read_ahead::chunk);
    char* const buffer = chunk.get();
    const ssize_t got = next(fd, buffer, read_ahead::chunk, 0);
    if (got <= 0) return got;
    const std::size_t n = std::min(size, static_cast<std::size_t>(got));
    std::memcpy(out, buffer, n);
    if (static_cast<std::size_t>(got) > n) ahead.keep(fd, buffer + n, static_cast<std::size_t>(got) - n);
    return static_cast<ssize_t>(n);
}

extern "C" int close(int fd) {
    static const auto next = next_definition<int (*)(int)>("close");
    if (!send_guard_on.load(std::memory_order_relaxed)) return next(fd);
    if (kept_bytes().count.load(std::memory_order_relaxed) != 0) kept_bytes().drop(fd);
    if (connecting().count.load(std::memory_order_relaxed) != 0) connecting().remove(fd);
    return next(fd);
}

extern "C" int poll(struct pollfd* fds, nfds_t count, int timeout) {
    static const auto next = next_definition<int (*)(struct pollfd*, nfds_t, int)>("poll");
    if (!send_guard_on.load(std::memory_order_relaxed)) return next(fds, count, timeout);
    auto& ahead = kept_bytes();
    if (ahead.count.load(std::memory_order_relaxed) != 0 && count > 0 && paho_thread() == 'r' &&
        ahead.any_kept(fds, count)) {
        // Sockets with bytes read ahead are readable now: report them without waiting for others.
        int ready = 0;
        if (count == 1)
            fds[0].revents = 0;
        else if ((ready = next(fds, count, 0)) < 0)
            return ready;
        return ready + ahead.mark_kept(fds, count);
    }
    auto& watch = connecting();
    if (watch.count.load(std::memory_order_relaxed) == 0 || timeout == 0 || count == 0 || count > 64 ||
        paho_thread() != 'r')
        return next(fds, count, timeout);
    // Paho's receive thread, a socket still connecting: wait for it to become writable as well.
    struct pollfd copy[64];
    bool watched[64] = {};
    bool any = false;
    for (nfds_t i = 0; i < count; ++i) {
        copy[i] = fds[i];
        if (!(fds[i].events & POLLOUT) && watch.contains(fds[i].fd)) {
            copy[i].events |= POLLOUT;
            watched[i] = any = true;
        }
    }
    if (!any) return next(fds, count, timeout);
    const int ready = next(copy, count, timeout);
    if (ready < 0) return ready;
    int reported = 0;
    for (nfds_t i = 0; i < count; ++i) {
        short revents = copy[i].revents;
        if (watched[i]) {
            if (revents & (POLLERR | POLLHUP))
                watch.remove(copy[i].fd);  // the connect failed: Paho sees the error as usual
            else if (revents & POLLOUT)
                watch.count_early_return(copy[i].fd);
            revents = static_cast<short>(revents & ~POLLOUT);
        }
        fds[i].revents = revents;
        reported += revents != 0;
    }
    return reported;  // 0, a timeout to Paho, when the connect was all there was
}

extern "C" int usleep(useconds_t microseconds) {
    static const auto next = next_definition<int (*)(useconds_t)>("usleep");
    if (!send_guard_on.load(std::memory_order_relaxed)) return next(microseconds);
    if (microseconds == 0 || paho_thread() != 'r') return next(microseconds);
    connecting().idle_sleep(std::chrono::microseconds(microseconds));
    return 0;
}
