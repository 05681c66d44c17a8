// Unit tests for the stdout writer every tool writes through (lib/src/output.hpp, internal): bytes
// arrive complete and in order whether the producer writes them itself or they queue for the writer
// thread (started the first time something has to queue), and abandon() frees a writer whose reader
// never reads.
#include "core/output.hpp"

#include "catch_compat.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <thread>

namespace {

/// Reads `fd` to its end.
std::string read_all(int fd) {
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;)
        if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

}  // namespace

TEST_CASE("stdout writer: everything arrives in order, written at once or queued behind a full pipe", "[output]") {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    std::string expected;
    std::string got;
    std::thread reader;
    {
        mqkit::detail::stdout_writer out(p[1], 4u << 20);
        // ~500 KiB into a pipe nobody reads yet (it holds 64 KiB): the first lines go out inline,
        // the rest queue, below the 4 MiB limit, and only the writer thread can write them.
        for (int i = 0; i < 5000; ++i) {
            std::string line = "line " + std::to_string(i) + " " + std::string(100, 'x') + "\n";
            expected += line;
            REQUIRE(out.write(line));
        }
        reader = std::thread([&] { got = read_all(p[0]); });
        out.flush();
    }  // the destructor joins the writer thread
    ::close(p[1]);
    reader.join();  // at EOF
    CHECK(got.size() == expected.size());
    CHECK((got == expected));
    ::close(p[0]);
}

TEST_CASE("stdout writer: abandon() lets a writer whose reader never reads be destroyed", "[output]") {
    std::signal(SIGPIPE, SIG_IGN);  // as in every tool: the abandoned thread's last write fails with EPIPE
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    {
        mqkit::detail::stdout_writer out(p[1], 1u << 20);
        const std::string chunk(64 * 1024, 'y');
        for (int i = 0; i < 4; ++i) REQUIRE(out.write(chunk));  // the pipe is full: the rest queues
        out.abandon();
        CHECK_FALSE(out.write("after\n"));
    }               // must return, leaving the blocked writer thread to the process
    ::close(p[0]);  // the abandoned thread's write now fails with EPIPE and it ends
    ::close(p[1]);
}
