// Ordered, batched stdout writer shared by message output and -d trace lines.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace mqkit::detail {

/// Everything mqkit writes to stdout goes through one stdout_writer, so lines from Paho's threads
/// (trace, messages) and the main thread never interleave. Output is written as soon as it is
/// queued: by the producer itself when stdout is idle, in large batches by a writer thread under
/// load (started when first needed). Producers block
/// once `limit` bytes are queued (a slow reader slows the broker down instead of growing memory):
/// the batch being written and the queue behind it hold at most 2 x `limit` bytes plus one message.
class stdout_writer {
public:
    explicit stdout_writer(int fd = 1, std::size_t limit = 8u << 20);
    /// Flushes and stops the writer thread; after abandon(), leaves it to the process exit instead.
    ~stdout_writer();
    stdout_writer(const stdout_writer&) = delete;
    stdout_writer& operator=(const stdout_writer&) = delete;

    /// Queues bytes; returns false once the output is closed (EPIPE), broken or abandoned.
    bool write(std::string_view bytes);
    /// Queues bytes built by `fill(std::string&)` under the lock, avoiding a copy.
    /// When nothing is being written and stdout can take the bytes without blocking, the caller
    /// writes them itself: one write(2) per message and no hand-off to the writer thread while
    /// stdout keeps up (a hand-off per message cost mqsub a third of its ingest rate). Otherwise
    /// they queue, and the writer thread takes them in one batch; only that thread ever blocks on
    /// a slow reader, so abandon() can always release the producers (Paho's threads among them).
    template <class Fill>
    bool write_with(Fill&& fill) {
        std::unique_lock<std::mutex> lock(st_->mutex);
        if (!wait_for_room(lock)) return false;
        fill(st_->pending);
        if (st_->busy || !(st_->never_blocks || fits_now(st_->fd, st_->pending.size()))) {
            start_thread();
            st_->cv.notify_one();
            return !st_->broken;
        }
        return write_pending(lock);
    }
    /// Waits until everything queued so far is written (or the output broke).
    void flush();
    /// Like flush(), but waits at most `timeout`; false if output is still pending.
    bool flush_for(std::chrono::milliseconds timeout);
    /// Waits like flush(), but abandon()s the output once `stop()` returns true (checked every
    /// 100 ms), so a reader that stopped reading cannot keep a signalled tool alive. Returns false
    /// if output was abandoned (now or before).
    template <class Stop>
    bool flush_until(Stop&& stop) {
        while (!flush_for(std::chrono::milliseconds(100)))
            if (stop() || st_->abandoned) {
                abandon();
                return false;
            }
        return true;
    }
    /// Gives up on unwritten output (a reader that stopped reading, when the tool must end now):
    /// blocked writers return false, and the destructor does not wait for the writer thread.
    void abandon();
    /// True once a write failed (e.g. the reader of a pipe went away).
    bool broken() const { return st_->broken.load(); }

private:
    /// Shared with the writer thread, which may outlive the writer after abandon().
    struct state {
        int fd;
        std::size_t limit;
        bool never_blocks = false;  // a regular file or /dev/null: no need to ask poll() first
        std::mutex mutex;
        std::condition_variable cv;       // data queued or stopping
        std::condition_variable drained;  // writer made progress
        std::string pending;
        std::string writing;
        bool busy = false;
        bool stop = false;
        bool abandoned = false;
        std::atomic<bool> broken{false};
    };

    bool wait_for_room(std::unique_lock<std::mutex>& lock);
    /// Starts the writer thread the first time something has to queue (under the lock): a tool
    /// whose output always fits at once (mqpub, a short mqsub) never starts one.
    void start_thread();
    /// Writes `pending` in the calling thread (the lock is held on entry and exit, released while
    /// writing); returns false if the output broke.
    bool write_pending(std::unique_lock<std::mutex>& lock);
    /// True if `size` bytes can be written to `fd` at once without blocking: at most one pipe
    /// page (PIPE_BUF, written whole) and poll() reports room.
    static bool fits_now(int fd, std::size_t size);
    /// Writes all of `data` to `fd`; false on an error (EPIPE, ...).
    static bool write_all(int fd, const std::string& data);
    static void run(const std::shared_ptr<state>& st);

    std::shared_ptr<state> st_;
    std::thread thread_;  // started by start_thread(), under st_->mutex
};

}  // namespace mqkit::detail
