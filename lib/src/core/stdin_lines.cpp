// Standard input line by line, for mqpub -l and tspub --stdin, without blocking signal handling.
#include "core/stdin_lines.hpp"

#include "core/signals.hpp"
#include "mqkit/error.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace mqkit::detail {

stdin_lines::stdin_lines(std::size_t max_line, int too_long_status, std::string too_long_message)
    : max_line_(max_line), too_long_status_(too_long_status), too_long_message_(std::move(too_long_message)) {}

bool stdin_lines::next(std::string& line) {
    while (true) {
        auto nl = buf_.find('\n', pos_);
        if (nl != std::string::npos) {
            line.assign(buf_, pos_, nl - pos_);
            pos_ = nl + 1;
            return true;
        }
        if (eof_) {
            if (pos_ >= buf_.size()) return false;
            line.assign(buf_, pos_, std::string::npos);
            pos_ = buf_.size();
            return true;
        }
        if (pos_ > 0) {
            buf_.erase(0, pos_);
            pos_ = 0;
        }
        if (!fill()) return false;
    }
}

bool stdin_lines::fill() {
    pollfd fds[2] = {{0, POLLIN, 0}, {stop_signal::wake_fd(), POLLIN, 0}};
    while (::poll(fds, 2, -1) < 0 && errno == EINTR) {
    }
    if (fds[1].revents != 0) return false;
    char chunk[65536];
    ssize_t n;
    do n = ::read(0, chunk, sizeof chunk);
    while (n < 0 && errno == EINTR);
    if (n < 0) throw error(exit_code::failure, fmt::format("cannot read standard input: {}", std::strerror(errno)));
    if (n == 0)
        eof_ = true;
    else
        buf_.append(chunk, static_cast<std::size_t>(n));
    if (buf_.size() - pos_ > max_line_) throw error(too_long_status_, too_long_message_);
    return true;
}

}  // namespace mqkit::detail
