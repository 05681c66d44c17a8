// SIGINT/SIGTERM for mqkit's tools (only a tool's run() installs it: a program that merely links
// libmqkit keeps its own signal handling), and a one-shot completion flag.
#pragma once

#include "mqkit/error.hpp"

#include <condition_variable>
#include <functional>
#include <mutex>

namespace mqkit::detail {

/// SIGINT/SIGTERM delivered to a sigwait() thread instead of interrupting Paho's threads.
/// install() must run before any other thread starts so every thread inherits the blocked mask.
class stop_signal {
public:
    static void install();
    /// The signal received (SIGINT, SIGTERM) or 0.
    static int received();
    /// The exit status for it: exit_code::terminated (143) for SIGTERM, else interrupted (130).
    static exit_code status();
    /// How the tools say it: "terminated" for SIGTERM, else "interrupted".
    static const char* word();
    /// An fd that becomes readable when a signal arrives (for poll() on stdin).
    static int wake_fd();
    /// Called (on the signal thread) when a signal arrives.
    static void on_signal(std::function<void()> callback);
};

/// A one-shot "we are done" flag with a status, settable from any thread.
class completion {
public:
    void finish(int status);
    /// Waits until finished or `seconds` pass (negative: forever). Returns true if finished.
    bool wait(double seconds);
    bool done() const;
    int status() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    int status_ = 0;
};

}  // namespace mqkit::detail
