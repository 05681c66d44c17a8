// Standard input line by line, for mqpub -l and tspub --stdin, without blocking signal handling.
#pragma once

#include <cstddef>
#include <string>

namespace mqkit::detail {

/// Reads standard input line by line; poll()s stdin together with stop_signal::wake_fd(), so
/// SIGINT/SIGTERM end the wait for input at once.
class stdin_lines {
public:
    /// A line longer than `max_line` bytes throws error(too_long_status, too_long_message).
    stdin_lines(std::size_t max_line, int too_long_status, std::string too_long_message);

    /// The next line without its '\n' (a last line without '\n' is still a line); false at end of
    /// input or once a signal arrived. Throws error(1, ...) if standard input cannot be read.
    bool next(std::string& line);

private:
    bool fill();

    std::size_t max_line_;
    int too_long_status_;
    std::string too_long_message_;
    std::string buf_;
    std::size_t pos_ = 0;
    bool eof_ = false;
};

}  // namespace mqkit::detail
