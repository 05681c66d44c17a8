// Ordered, batched stdout writer shared by message output and -d trace lines.
#include "output.hpp"

#include <cerrno>
#include <unistd.h>

namespace mqkit::detail {

stdout_writer::stdout_writer(int fd, std::size_t limit) : fd_(fd), limit_(limit), thread_([this] { run(); }) {}

stdout_writer::~stdout_writer() {
    flush();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

bool stdout_writer::wait_for_room(std::unique_lock<std::mutex>& lock) {
    drained_.wait(lock, [&] { return pending_.size() < limit_ || broken_; });
    return !broken_;
}

bool stdout_writer::write(std::string_view bytes) {
    return write_with([&](std::string& out) { out.append(bytes); });
}

void stdout_writer::flush() {
    std::unique_lock<std::mutex> lock(mutex_);
    drained_.wait(lock, [&] { return (pending_.empty() && !busy_) || broken_; });
}

void stdout_writer::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
        cv_.wait(lock, [&] { return !pending_.empty() || stop_; });
        if (pending_.empty() && stop_) return;
        writing_.swap(pending_);
        busy_ = true;
        lock.unlock();
        drained_.notify_all();
        const char* p = writing_.data();
        std::size_t left = writing_.size();
        bool failed = false;
        while (left > 0) {
            ssize_t n = ::write(fd_, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                failed = true;
                break;
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        writing_.clear();
        lock.lock();
        busy_ = false;
        if (failed) {
            broken_ = true;
            pending_.clear();
        }
        drained_.notify_all();
    }
}

}  // namespace mqkit::detail
