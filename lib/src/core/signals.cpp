// SIGINT/SIGTERM for mqkit's tools: taken by one sigwait() thread instead of interrupting Paho's
// threads, and a one-shot completion flag.
#include "core/signals.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <thread>
#include <utility>

namespace mqkit::detail {

namespace {
std::atomic<int> signal_received{0};
int signal_event_fd = -1;
std::mutex signal_mutex;
std::vector<std::function<void()>> signal_callbacks;
}  // namespace

void stop_signal::install() {
    static std::once_flag once;
    std::call_once(once, [] {
        std::signal(SIGPIPE, SIG_IGN);  // a closed stdout shows up as EPIPE, handled as a quiet exit
        signal_event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        std::thread([set] {
            int sig = 0;
            while (sigwait(&set, &sig) == 0) {
                signal_received.store(sig);
                std::uint64_t one = 1;
                (void)!::write(signal_event_fd, &one, sizeof one);
                std::vector<std::function<void()>> callbacks;
                {
                    std::lock_guard<std::mutex> lock(signal_mutex);
                    callbacks = signal_callbacks;
                }
                for (auto& cb : callbacks) cb();
            }
        }).detach();
    });
}

int stop_signal::received() {
    return signal_received.load();
}
exit_code stop_signal::status() {
    return received() == SIGTERM ? exit_code::terminated : exit_code::interrupted;
}
const char* stop_signal::word() {
    return received() == SIGTERM ? "terminated" : "interrupted";
}
int stop_signal::wake_fd() {
    return signal_event_fd;
}
void stop_signal::on_signal(std::function<void()> callback) {
    std::lock_guard<std::mutex> lock(signal_mutex);
    signal_callbacks.push_back(std::move(callback));
}

void completion::finish(int status) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (done_) return;
        done_ = true;
        status_ = status;
    }
    cv_.notify_all();
}

bool completion::wait(double seconds) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (seconds < 0) {
        cv_.wait(lock, [&] { return done_; });
        return true;
    }
    return cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return done_; });
}

bool completion::done() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_;
}

int completion::status() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return status_;
}

}  // namespace mqkit::detail
