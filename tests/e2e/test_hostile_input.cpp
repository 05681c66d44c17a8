// End-to-end tests with hostile input: each gives one clear error or the exact message, never a crash or hang.
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

int line_count(const std::string& s) {
    int n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

}  // namespace

TEST_CASE("hostile payloads arrive byte for byte", "[e2e][hostile]") {
    broker b;
    auto sub = start_sub(b, "bytes", {"-t", "h", "-F", "%l:%x", "-C", "3"});
    temp_file empty(0);
    REQUIRE(run_tool(tool("mqpub"), with_port(b, {"-t", "h", "-f", empty.path(), "-q", "1"})).exit_code == 0);
    std::string binary;
    for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
    REQUIRE(run_tool(tool("mqpub"), with_port(b, {"-t", "h", "-s", "-q", "1"}), binary + binary).exit_code == 0);
    REQUIRE(run_tool(tool("mqpub"), with_port(b, {"-t", "h", "-s", "-q", "1"}), std::string("\0\n\r\0", 4)).exit_code ==
            0);
    auto r = sub->wait(15s);
    INFO(describe(r));
    std::string hex;
    for (int i = 0; i < 512; ++i) hex += "0123456789abcdef"[(i % 256) >> 4], hex += "0123456789abcdef"[i % 16];
    CHECK(r.out == "0:\n512:" + hex + "\n4:000a0d00\n");
}

TEST_CASE("mqpub -l carries lines of 10 MiB intact", "[e2e][hostile]") {
    broker b;
    auto sub = start_sub(b, "big", {"-t", "big", "-F", "%l %t", "-C", "3", "-q", "1"});
    const std::string line(10u << 20, 'a');
    std::string input = line + "\n" + std::string(10u << 20, 'b') + "\nshort\n";
    auto pub = run_tool(tool("mqpub"), with_port(b, {"-t", "big", "-l", "-q", "1"}), input, 60s);
    INFO(describe(pub));
    CHECK(pub.exit_code == 0);
    auto r = sub->wait(30s);
    CHECK(r.out == "10485760 big\n10485760 big\n5 big\n");
}

TEST_CASE("a 256 MiB + 1 file is refused before it is read", "[e2e][hostile]") {
    temp_file huge(268435456LL);  // sparse: no disk used, and mqpub must not read it all either
    auto start = std::chrono::steady_clock::now();
    auto r = run_tool(tool("mqpub"), {"-h", "127.0.0.1", "-p", "1", "-t", "a", "-f", huge.path()}, {}, 20s);
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err == "mqpub: error: -f/--file: '" + huge.path() +
                       "' is 268435456 bytes, more than MQTT's maximum payload of 268435455 bytes\n");
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    // The same through -s when standard input is that file.
    int fd = ::open(huge.path().c_str(), O_RDONLY | O_CLOEXEC);
    int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    int err[2];
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    pid_t pid = spawn_process(tool("mqpub"), {"-h", "127.0.0.1", "-p", "1", "-t", "a", "-s"}, fd, devnull, err[1]);
    ::close(err[1]);
    std::string text;
    char buf[512];
    for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(err[0]);
    ::close(fd);
    ::close(devnull);
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(text ==
          "mqpub: error: standard input is 268435456 bytes, more than MQTT's maximum payload of 268435455 "
          "bytes\n");
}

TEST_CASE("hostile arguments end in one clear error line and exit 1", "[e2e][hostile]") {
    struct bad {
        const char* exe;
        args argv;
        std::string starts;
    };
    const std::vector<bad> cases{
        {"mqpub", {"-t", std::string(65536, 't'), "-m", "x"}, "mqpub: error: -t/--topic: invalid topic 'ttt"},
        {"mqpub",
         {"-t", "bad\xff", "-m", "x"},
         "mqpub: error: -t/--topic: invalid topic 'bad\\xff': topic is not valid "
         "UTF-8 (byte 3)"},
        {"mqpub",
         {"-t", "a/+/b", "-m", "x"},
         "mqpub: error: -t/--topic: invalid topic 'a/+/b': a topic to publish to "
         "cannot contain the wildcards + or #"},
        {"mqsub", {"-t", "a#"}, "mqsub: error: -t/--topic: invalid topic filter 'a#'"},
        {"mqsub", {"-t", "a", "-F", "100%"}, "mqsub: error: -F/--format: incomplete format specifier '%' at byte 4"},
        {"mqsub", {"-t", "a", "-F", "C:\\"}, "mqsub: error: -F/--format: incomplete escape '\\'"},
        {"mqpub",
         {"-t", "a", "-m", "x", "-V", "5", "-D", "publish", "message-expiry-interval", "1h"},
         "mqpub: error: -D publish message-expiry-interval: '1h' is not a whole number (0-4294967295)"},
        {"mqpub",
         {"-t", "a", "-m", "x", "-V", "5", "-D", "publish", "payload-format-indicator", "9"},
         "mqpub: error: -D publish payload-format-indicator: 9 is out of range (0-1)"},
        {"mqpub", {"-L", "mqtt://host:99999/t", "-m", "x"}, "mqpub: error: -L port: 99999 is out of range (1-65535)"},
        {"mqpub", {"-L", "mqtt:///t", "-m", "x"}, "mqpub: error: -L: no host in the URL"},
        {"mqsub", {"-L", "mqtts://user@"}, "mqsub: error: -L: no host in the URL"},
        {"mqpub",
         {"-t", "a", "-l", "--reconnect-timeout", "forever"},
         "mqpub: error: --reconnect-timeout: 'forever' is not a whole number (0-86400)"},
    };
    for (const auto& c : cases) {
        auto r = run_tool(tool(c.exe), c.argv, {}, 10s);
        INFO(describe(r));
        CHECK(r.exit_code == 1);
        CHECK(r.err.rfind(c.starts, 0) == 0);
        CHECK(line_count(r.err) <= 2);  // the error, and at most one hint
        CHECK(r.err.size() < 400);
    }
}
