// Ordered, batched stdout writer shared by message output and -d trace lines.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace mqkit::detail {

/// Everything mqkit writes to stdout goes through one stdout_writer, so lines from Paho's threads
/// (trace, messages) and the main thread never interleave. A writer thread flushes as soon as data
/// is queued: one write per message when idle, large batched writes under load. Producers block
/// once `limit` bytes are queued (a slow reader slows the broker down instead of growing memory).
class stdout_writer {
public:
    explicit stdout_writer(int fd = 1, std::size_t limit = 8u << 20);
    ~stdout_writer();
    stdout_writer(const stdout_writer&) = delete;
    stdout_writer& operator=(const stdout_writer&) = delete;

    /// Queues bytes; returns false once the output is closed (EPIPE) or broken.
    bool write(std::string_view bytes);
    /// Queues bytes built by `fill(std::string&)` under the lock, avoiding a copy.
    template <class Fill>
    bool write_with(Fill&& fill) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!wait_for_room(lock)) return false;
        fill(pending_);
        cv_.notify_one();
        return !broken_;
    }
    /// Waits until everything queued so far is written (or the output broke).
    void flush();
    /// True once a write failed (e.g. the reader of a pipe went away).
    bool broken() const { return broken_.load(); }

private:
    bool wait_for_room(std::unique_lock<std::mutex>& lock);
    void run();

    int fd_;
    std::size_t limit_;
    std::mutex mutex_;
    std::condition_variable cv_;       // data queued or stopping
    std::condition_variable drained_;  // writer made progress
    std::string pending_;
    std::string writing_;
    bool busy_ = false;
    bool stop_ = false;
    std::atomic<bool> broken_{false};
    std::thread thread_;
};

}  // namespace mqkit::detail
