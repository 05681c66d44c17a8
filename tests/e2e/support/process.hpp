// Child-process helpers for end-to-end tests: run a tool to completion or keep one running in the background.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mqkit::test {

/// Extra environment variables (name, value) set for a child on top of the test process's environment.
using env_list = std::vector<std::pair<std::string, std::string>>;

/// Outcome of a finished child process.
struct run_result {
    int exit_code = -1;      ///< exit status, or -1 when the child was killed by a signal
    int signal = 0;          ///< terminating signal, or 0 when the child exited normally
    std::string out;         ///< everything the child wrote to stdout
    std::string err;         ///< everything the child wrote to stderr
    bool timed_out = false;  ///< true when the child was killed because it ran past its timeout
};

/// One-line summary of a result plus its stdout/stderr, meant for INFO()/CAPTURE() in failing tests.
std::string describe(const run_result& result);

/// Ignores SIGPIPE in the test process (idempotent), so writing to a dead child's stdin fails with EPIPE
/// instead of killing the test. Also done automatically at startup and before every spawn.
void ignore_sigpipe();

/// Spawns exe (a path, or a name looked up in PATH) with args in a new process group of its own.
/// The given descriptors become the child's stdin/stdout/stderr, every other descriptor is closed,
/// and all signal dispositions and the signal mask are reset to defaults. Throws std::runtime_error on failure.
pid_t spawn_process(const std::string& exe, const std::vector<std::string>& args, int stdin_fd, int stdout_fd,
                    int stderr_fd, const env_list& env = {});

/// Runs exe to completion, feeding it stdin_data and collecting stdout/stderr without risk of pipe deadlock.
/// On timeout the child's process group gets SIGTERM, then SIGKILL after 2 s, and timed_out is set.
/// Throws std::runtime_error when the program cannot be started.
run_result run_tool(const std::string& exe, const std::vector<std::string>& args, const std::string& stdin_data = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(20), const env_list& env = {});

/// Path of an mqkit binary: MQKIT_BIN_DIR + "/" + name, e.g. tool("mqpub").
std::string tool(const std::string& name);

/// A long-running child (e.g. a subscriber) whose stdout/stderr are collected continuously by a reader thread.
class background_process {
public:
    /// Starts exe with args; throws std::runtime_error when the program cannot be started.
    background_process(const std::string& exe, const std::vector<std::string>& args, const env_list& env = {});
    /// Kills the child's process group if it is still running and reaps it.
    ~background_process();

    background_process(const background_process&) = delete;
    background_process& operator=(const background_process&) = delete;

    /// True once stdout (or stderr when on_stderr) contains needle; false on timeout, or early when the child
    /// closed that stream without printing it.
    bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout, bool on_stderr = false);
    /// True once stdout holds at least n newline characters; false on timeout or when the child closed stdout.
    bool wait_for_lines(std::size_t n, std::chrono::milliseconds timeout);

    /// Writes all of data to the child's stdin; throws std::runtime_error if stdin is closed, the child
    /// stopped reading (EPIPE), or the write does not complete within 10 s. After EPIPE the child is awaited
    /// (as wait(10 s)) and the message holds describe() of its result, so its exit status and stderr are not
    /// lost; otherwise the message holds its output so far and the child keeps running.
    void write_stdin(const std::string& data);
    /// Closes the child's stdin so it sees end-of-file (idempotent).
    void close_stdin();

    /// Sends sig to the child (not its group); does nothing once the child has been reaped.
    void signal(int sig);

    /// Waits for the child to exit and returns its status and complete output. On timeout the process group
    /// gets SIGTERM, then SIGKILL after 2 s, and timed_out is set. Processes left in the group are killed before
    /// the child is reaped. Later calls return the same result.
    run_result wait(std::chrono::milliseconds timeout);

    /// Stdout collected so far.
    std::string out() const;
    /// Stderr collected so far.
    std::string err() const;
    /// Process ID of the child (also its process group ID).
    pid_t pid() const;

private:
    friend run_result run_tool(const std::string&, const std::vector<std::string>&, const std::string&,
                               std::chrono::milliseconds, const env_list&);

    bool write_until(const std::string& data, std::chrono::steady_clock::time_point deadline, int& error);
    bool wait_for(std::chrono::milliseconds timeout, bool on_stderr,
                  const std::function<bool(const std::string&)>& done);
    bool wait_exited_until(std::chrono::steady_clock::time_point deadline);
    bool wait_streams_closed_until(std::chrono::steady_clock::time_point deadline);
    void reader_loop();
    void stop_reader();

    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int stdout_fd_ = -1;
    int stderr_fd_ = -1;
    int wake_read_fd_ = -1;
    int wake_write_fd_ = -1;
    bool reaped_ = false;
    run_result result_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string out_;
    std::string err_;
    bool out_closed_ = false;
    bool err_closed_ = false;
    std::thread reader_;
};

}  // namespace mqkit::test
