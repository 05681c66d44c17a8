// Ordered, batched stdout writer shared by message output and -d trace lines.
#include "core/output.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cerrno>
#include <climits>

namespace mqkit::detail {

stdout_writer::stdout_writer(int fd, std::size_t limit) : st_(std::make_shared<state>()) {
    st_->fd = fd;
    st_->limit = limit;
    // A write to a regular file or to /dev/null never waits for a reader: poll() would say
    // "writable" before every message (one system call per message of mqsub > file).
    struct stat st {};
    if (::fstat(fd, &st) == 0)
        st_->never_blocks = S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && st.st_rdev == ::makedev(1, 3));
}

void stdout_writer::start_thread() {
    if (!thread_.joinable()) thread_ = std::thread([st = st_] { run(st); });
}

stdout_writer::~stdout_writer() {
    bool abandoned = false;
    std::thread writer;
    {
        std::unique_lock<std::mutex> lock(st_->mutex);
        st_->drained.wait(lock, [&] { return (st_->pending.empty() && !st_->busy) || st_->broken || st_->abandoned; });
        abandoned = st_->abandoned;
        st_->stop = true;
        writer = std::move(thread_);  // started under this lock, if ever
    }
    st_->cv.notify_all();
    if (!writer.joinable()) return;  // nothing ever had to queue
    // An abandoned writer may be blocked in write(2) on a pipe nobody reads; it owns a reference
    // to the state, so it can be left to the process exit.
    if (abandoned)
        writer.detach();
    else
        writer.join();
}

bool stdout_writer::wait_for_room(std::unique_lock<std::mutex>& lock) {
    st_->drained.wait(lock, [&] { return st_->pending.size() < st_->limit || st_->broken || st_->abandoned; });
    return !st_->broken && !st_->abandoned;
}

bool stdout_writer::write(std::string_view bytes) {
    return write_with([&](std::string& out) { out.append(bytes); });
}

void stdout_writer::flush() {
    std::unique_lock<std::mutex> lock(st_->mutex);
    st_->drained.wait(lock, [&] { return (st_->pending.empty() && !st_->busy) || st_->broken || st_->abandoned; });
}

bool stdout_writer::flush_for(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(st_->mutex);
    return st_->drained.wait_for(lock, timeout, [&] {
        return (st_->pending.empty() && !st_->busy) || st_->broken || st_->abandoned;
    }) && !st_->abandoned;
}

void stdout_writer::abandon() {
    {
        std::lock_guard<std::mutex> lock(st_->mutex);
        st_->abandoned = true;
        st_->pending.clear();
    }
    st_->drained.notify_all();
    st_->cv.notify_all();
}

bool stdout_writer::fits_now(int fd, std::size_t size) {
    if (size > PIPE_BUF) return false;
    pollfd p{fd, POLLOUT, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) != 0 && (p.revents & (POLLERR | POLLHUP)) == 0;
}

bool stdout_writer::write_all(int fd, const std::string& data) {
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return true;
}

bool stdout_writer::write_pending(std::unique_lock<std::mutex>& lock) {
    state& st = *st_;
    st.writing.swap(st.pending);
    st.busy = true;
    lock.unlock();
    const bool ok = write_all(st.fd, st.writing);
    st.writing.clear();
    lock.lock();
    st.busy = false;
    if (!ok) {
        st.broken = true;
        st.pending.clear();
    }
    st.drained.notify_all();
    if (!st.pending.empty()) st.cv.notify_one();  // queued while this write was under way
    return !st.broken;
}

void stdout_writer::run(const std::shared_ptr<state>& st) {
    std::unique_lock<std::mutex> lock(st->mutex);
    while (true) {
        // Not while a producer writes inline: the two would share `writing` and reorder output.
        st->cv.wait(lock, [&] { return (!st->pending.empty() && !st->busy) || (st->stop && !st->busy); });
        if (st->pending.empty() && st->stop) return;
        st->writing.swap(st->pending);
        st->busy = true;
        lock.unlock();
        st->drained.notify_all();
        const bool ok = write_all(st->fd, st->writing);
        st->writing.clear();
        lock.lock();
        st->busy = false;
        if (!ok) {
            st->broken = true;
            st->pending.clear();
        }
        st->drained.notify_all();
    }
}

}  // namespace mqkit::detail
