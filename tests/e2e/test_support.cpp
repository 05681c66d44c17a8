// Tests of the e2e support code itself (broker fixture, process runner), using mosquitto_pub/mosquitto_sub as tools.
#include "support/broker.hpp"
#include "support/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "catch_compat.hpp"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using mqkit::test::background_process;
using mqkit::test::broker;
using mqkit::test::broker_options;
using mqkit::test::describe;
using mqkit::test::run_result;
using mqkit::test::run_tool;

namespace {

const std::string pub_exe = MOSQUITTO_PUB_EXECUTABLE;
const std::string sub_exe = MOSQUITTO_SUB_EXECUTABLE;

// Bind errno for a plain socket on 127.0.0.1:port (0 = bound).
int bind_errno(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    const int error = rc == 0 ? 0 : errno;
    ::close(fd);
    return error;
}

// Connect errno for 127.0.0.1:port (0 = connected).
int connect_errno(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    const int error = rc == 0 ? 0 : errno;
    ::close(fd);
    return error;
}

std::vector<std::string> connection_args(const broker& b) {
    return {"-h", b.host(), "-p", std::to_string(b.port())};
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// True if /proc/<pid> is gone or a zombie.
bool process_gone(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) {
        return true;
    }
    std::string line;
    std::getline(stat, line);
    const auto paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

// Waits until process_gone(pid); a killed grandchild closes its pipes slightly before it becomes a zombie, and is
// reaped by init, not by us.
bool eventually_gone(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!process_gone(pid)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

std::string self_executable() {
    return std::filesystem::read_symlink("/proc/self/exe").string();
}

}  // namespace

TEST_CASE("support: broker starts and accepts TCP connections", "[support][broker]") {
    broker b;
    CHECK(b.host() == "127.0.0.1");
    CHECK(b.port() > 0);
    CHECK(b.url() == "mqtt://127.0.0.1:" + std::to_string(b.port()));
    CHECK(b.pid() > 0);
    CHECK(b.running());
    CHECK(std::filesystem::is_directory(b.dir()));
    CHECK(connect_errno(b.port()) == 0);

    const std::string log = b.log();
    CHECK_THAT(log, Catch::Contains("Opening ipv4 listen socket on port " + std::to_string(b.port())));
    CHECK_THAT(log, Catch::Contains("running"));

    std::ifstream conf(b.config_path());
    std::stringstream text;
    text << conf.rdbuf();
    CHECK_THAT(text.str(), Catch::Contains("listener " + std::to_string(b.port()) + " 127.0.0.1"));

    const std::string dir = b.dir();
    const int port = b.port();
    b.stop();
    CHECK_FALSE(b.running());
    CHECK(b.pid() == -1);
    CHECK(connect_errno(port) == ECONNREFUSED);
    CHECK(std::filesystem::is_directory(dir));  // the dir lives as long as the fixture
}

TEST_CASE("support: broker temp dir is removed by the destructor", "[support][broker]") {
    std::string dir;
    pid_t pid = -1;
    {
        broker b;
        dir = b.dir();
        pid = b.pid();
        REQUIRE(std::filesystem::exists(dir + "/mosquitto.log"));
    }
    CHECK_FALSE(std::filesystem::exists(dir));
    CHECK(process_gone(pid));
}

TEST_CASE("support: mosquitto_pub to a background mosquitto_sub round trip", "[support][broker][process]") {
    broker b;
    background_process sub(sub_exe,
                           concat(connection_args(b), {"-i", "rt-sub", "-t", "mqkit/test/roundtrip", "-C", "1"}));
    // The broker logs the SUBACK after registering the subscription: a tool-independent readiness signal.
    REQUIRE(b.wait_for_log("Sending SUBACK to rt-sub", 10s));

    const run_result pub =
        run_tool(pub_exe, concat(connection_args(b), {"-t", "mqkit/test/roundtrip", "-m", "hello fixture", "-q", "1"}));
    INFO(describe(pub));
    REQUIRE(pub.exit_code == 0);

    const run_result received = sub.wait(10s);
    INFO(describe(received));
    CHECK_FALSE(received.timed_out);
    CHECK(received.exit_code == 0);
    CHECK(received.out == "hello fixture\n");
    CHECK_THAT(b.log(), Catch::Contains("New client connected from 127.0.0.1") && Catch::Contains("as rt-sub"));
}

TEST_CASE("support: mosquitto_sub -d prints Subscribed on stdout, line-buffered only via stdbuf",
          "[support][process]") {
    // mosquitto_sub's -d lines go to stdout through stdio, so into a pipe they are block-buffered and appear
    // only at exit; stdbuf -oL makes them usable for waiting. Payloads are flushed per message either way.
    broker b;
    background_process sub("stdbuf",
                           concat({"-oL", sub_exe, "-d", "-C", "1", "-t", "mqkit/test/debug"}, connection_args(b)));
    REQUIRE(sub.wait_for_output("Subscribed (mid: 1): 0", 10s));
    CHECK(sub.err().empty());

    const run_result pub = run_tool(pub_exe, concat(connection_args(b), {"-t", "mqkit/test/debug", "-m", "dbg"}));
    REQUIRE(pub.exit_code == 0);
    const run_result received = sub.wait(10s);
    INFO(describe(received));
    CHECK(received.exit_code == 0);
    CHECK_THAT(received.out,
               Catch::Contains("received SUBACK\nSubscribed (mid: 1): 0\n") && Catch::Contains("\ndbg\n"));
}

TEST_CASE("support: users and ACL are enforced", "[support][broker]") {
    broker_options opts;
    opts.users = {{"alice", "secret"}, {"bob", "hunter2"}};
    opts.acl = "user alice\ntopic readwrite allowed/#\n\nuser bob\ntopic read #\n";
    opts.allow_anonymous = false;
    broker b(opts);

    SECTION("wrong password is refused with exit code 5") {
        const run_result r =
            run_tool(pub_exe, concat(connection_args(b), {"-u", "alice", "-P", "wrong", "-t", "allowed/x", "-m", "x"}));
        INFO(describe(r));
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err, Catch::Contains("not authorised"));
    }
    SECTION("anonymous is refused") {
        const run_result r = run_tool(pub_exe, concat(connection_args(b), {"-t", "allowed/x", "-m", "x"}));
        INFO(describe(r));
        CHECK(r.exit_code == 5);
    }
    SECTION("ACL drops a denied publish and delivers an allowed one") {
        background_process sub(sub_exe, concat(connection_args(b), {"-u", "bob", "-P", "hunter2", "-i", "acl-sub", "-t",
                                                                    "#", "-v", "-C", "1"}));
        REQUIRE(b.wait_for_log("Sending SUBACK to acl-sub", 10s));

        const auto alice = concat(connection_args(b), {"-u", "alice", "-P", "secret", "-q", "1"});
        const run_result denied = run_tool(pub_exe, concat(alice, {"-t", "secret/x", "-m", "must-not-arrive"}));
        INFO(describe(denied));
        CHECK(denied.exit_code == 0);  // MQTT 3.1.1 has no way to report the denial to the publisher
        const run_result allowed = run_tool(pub_exe, concat(alice, {"-t", "allowed/x", "-m", "may-arrive"}));
        INFO(describe(allowed));
        CHECK(allowed.exit_code == 0);

        const run_result received = sub.wait(10s);
        INFO(describe(received));
        CHECK(received.exit_code == 0);
        CHECK_THAT(received.out, Catch::Contains("allowed/x may-arrive"));
        CHECK_THAT(received.out, !Catch::Contains("must-not-arrive"));
        CHECK_THAT(b.log(), Catch::Contains("Denied PUBLISH from") && Catch::Contains("'secret/x'"));
    }
}

TEST_CASE("support: stop and start keep the port and persisted retained messages", "[support][broker]") {
    broker_options opts;
    opts.persistence = true;
    broker b(opts);
    const int port = b.port();
    const pid_t first_pid = b.pid();

    const run_result pub = run_tool(pub_exe, concat(connection_args(b), {"-t", "mqkit/test/retained", "-m",
                                                                         "kept across restart", "-r", "-q", "1"}));
    INFO(describe(pub));
    REQUIRE(pub.exit_code == 0);

    b.stop();
    CHECK(process_gone(first_pid));
    CHECK(connect_errno(port) == ECONNREFUSED);
    CHECK(bind_errno(port) == EADDRINUSE);  // reserved for the restart, so no parallel test can take it
    CHECK(std::filesystem::exists(b.dir() + "/mosquitto.db"));

    b.start();
    CHECK(b.port() == port);
    CHECK(b.pid() > 0);
    CHECK(b.pid() != first_pid);
    CHECK(connect_errno(port) == 0);

    const run_result sub =
        run_tool(sub_exe, concat(connection_args(b), {"-t", "mqkit/test/retained", "-C", "1", "-W", "10"}));
    INFO(describe(sub));
    CHECK(sub.exit_code == 0);
    CHECK(sub.out == "kept across restart\n");

    b.start();  // no-op while running
    CHECK(b.port() == port);
}

TEST_CASE("support: start retries while the old port is briefly taken", "[support][broker]") {
    broker b;
    const int port = b.port();
    b.stop();

    // Hold the port with a listening socket so mosquitto's first attempts fail with "Address already in use".
    // SO_REUSEADDR is needed to bind next to the fixture's own (non-listening) reservation of the port.
    const int blocker = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(blocker >= 0);
    const int on = 1;
    REQUIRE(::setsockopt(blocker, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(blocker, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(blocker, 1) == 0);

    std::string start_error;
    std::thread starter([&] {
        try {
            b.start();
        } catch (const std::exception& e) {
            start_error = e.what();
        }
    });
    const bool collided = b.wait_for_log("Error: Address already in use", 10s);
    ::close(blocker);
    starter.join();

    CHECK(collided);
    CHECK(start_error.empty());
    CHECK(b.running());
    CHECK(b.port() == port);
    CHECK(connect_errno(port) == 0);
    const run_result pub = run_tool(pub_exe, concat(connection_args(b), {"-t", "mqkit/test/after-retry", "-m", "x"}));
    INFO(describe(pub));
    CHECK(pub.exit_code == 0);
}

TEST_CASE("support: two brokers at once get different ports and dirs", "[support][broker]") {
    broker first;
    broker second;
    CHECK(first.port() != second.port());
    CHECK(first.dir() != second.dir());
    CHECK(first.pid() != second.pid());
    CHECK(connect_errno(first.port()) == 0);
    CHECK(connect_errno(second.port()) == 0);
    CHECK(broker::free_port() > 0);
}

TEST_CASE("support: broker start failure throws with the log", "[support][broker]") {
    broker_options opts;
    opts.extra_config = "this_is_not_an_option 1\n";
    try {
        broker b(opts);
        FAIL("broker with a broken config started");
    } catch (const std::runtime_error& e) {
        CHECK_THAT(e.what(),
                   Catch::Contains("mosquitto exited during startup") && Catch::Contains("this_is_not_an_option"));
    }
}

TEST_CASE("support: run_tool reports exit code, stdout and stderr", "[support][process]") {
    const run_result r = run_tool("/bin/sh", {"-c", "echo out; echo err >&2; exit 3"});
    INFO(describe(r));
    CHECK(r.exit_code == 3);
    CHECK(r.signal == 0);
    CHECK_FALSE(r.timed_out);
    CHECK(r.out == "out\n");
    CHECK(r.err == "err\n");
}

TEST_CASE("support: run_tool passes extra environment variables", "[support][process]") {
    const run_result r = run_tool("env", {}, {}, 10s, {{"MQKIT_E2E_VAR", "forty two"}, {"PATH", "/usr/bin:/bin"}});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("\nMQKIT_E2E_VAR=forty two\n"));
    CHECK_THAT(r.out, Catch::Contains("PATH=/usr/bin:/bin\n"));
}

TEST_CASE("support: run_tool throws when the program does not exist", "[support][process]") {
    CHECK_THROWS_AS(run_tool("/nonexistent/mqkit-no-such-tool", {}), std::runtime_error);
}

TEST_CASE("support: run_tool timeout kills a hanging process group", "[support][process]") {
    SECTION("mosquitto_sub without -C never exits on its own") {
        broker b;
        const auto start = std::chrono::steady_clock::now();
        const run_result r = run_tool(sub_exe, concat(connection_args(b), {"-t", "mqkit/test/nothing"}), {}, 500ms);
        const auto elapsed = std::chrono::steady_clock::now() - start;
        INFO(describe(r));
        CHECK(r.timed_out);  // mosquitto_sub handles SIGTERM and exits 0, so only timed_out tells
        CHECK(elapsed >= 500ms);
        CHECK(elapsed < 5s);
    }
    SECTION("grandchildren are killed too") {
        const run_result r = run_tool("/bin/sh", {"-c", "sleep 300 & echo $!; wait"}, {}, 500ms);
        INFO(describe(r));
        CHECK(r.timed_out);
        CHECK(r.signal == SIGTERM);
        const pid_t grandchild = std::stoi(r.out);
        CHECK(eventually_gone(grandchild, 5s));
    }
}

TEST_CASE("support: large output does not deadlock", "[support][process]") {
    SECTION("5 MB through cat") {
        std::string input;
        input.reserve(5 * 1024 * 1024 + 100);
        for (int i = 0; input.size() < 5 * 1024 * 1024; ++i) {
            input += "line " + std::to_string(i) + " of the large-output test\n";
        }
        const run_result r = run_tool("/bin/cat", {}, input, 30s);
        CHECK_FALSE(r.timed_out);
        CHECK(r.exit_code == 0);
        CHECK(r.out.size() == input.size());
        CHECK(r.out == input);
    }
    SECTION("3 MB on stderr and stdout at once") {
        const run_result r = run_tool(
            "/bin/sh", {"-c", "head -c 3000000 /dev/zero >&2; head -c 3000000 /dev/zero; echo done >&2"}, {}, 30s);
        CHECK_FALSE(r.timed_out);
        CHECK(r.exit_code == 0);
        CHECK(r.out.size() == 3000000);
        CHECK(r.err.size() == 3000005);
    }
}

TEST_CASE("support: children do not inherit stray file descriptors", "[support][process]") {
    const int stray = ::fcntl(STDERR_FILENO, F_DUPFD, 100);  // F_DUPFD does not set FD_CLOEXEC
    REQUIRE(stray >= 100);
    const run_result r = run_tool("/bin/ls", {"/proc/self/fd"});
    ::close(stray);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    std::set<std::string> fds;
    std::istringstream lines(r.out);
    for (std::string fd; std::getline(lines, fd);) {
        fds.insert(fd);
    }
    CHECK(fds.count("0") == 1);
    CHECK(fds.count("1") == 1);
    CHECK(fds.count("2") == 1);
    CHECK(fds.count(std::to_string(stray)) == 0);
    CHECK(fds.size() <= 4);  // 0, 1, 2 and the directory ls itself has open
}

TEST_CASE("support: children get default signal dispositions and mask", "[support][process]") {
    // The test process ignores SIGPIPE; ignored dispositions survive exec, so spawning must reset them.
    const run_result r = run_tool("/bin/grep", {"-E", "^Sig(Ign|Blk):", "/proc/self/status"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const auto mask_of = [&](const std::string& field) {
        const auto at = r.out.find(field + ":\t");
        REQUIRE(at != std::string::npos);
        return std::stoull(r.out.substr(at + field.size() + 2, 16), nullptr, 16);
    };
    // Only signals 1..31 count: glibc's posix_spawn leaves its internal signals 32 and 33 ignored.
    CHECK((mask_of("SigIgn") & 0x7fffffffULL) == 0);
    CHECK(mask_of("SigBlk") == 0);

    const run_result pipeline = run_tool("/bin/sh", {"-c", "yes | head -n 1"}, {}, 10s);
    INFO(describe(pipeline));
    CHECK(pipeline.exit_code == 0);
    CHECK(pipeline.out == "y\n");
    CHECK(pipeline.err.empty());  // no "yes: standard output: Broken pipe"
}

TEST_CASE("support: background_process stdin, lines and signals", "[support][process]") {
    SECTION("write_stdin and wait_for_lines") {
        background_process cat("/bin/cat", {});
        cat.write_stdin("first\nsecond\n");
        CHECK(cat.wait_for_lines(2, 10s));
        CHECK(cat.out() == "first\nsecond\n");
        CHECK_FALSE(cat.wait_for_lines(3, 50ms));
        cat.close_stdin();
        const run_result r = cat.wait(10s);
        CHECK(r.exit_code == 0);
        CHECK(r.out == "first\nsecond\n");
        CHECK(cat.wait(10s).out == r.out);  // later calls return the same result
    }
    SECTION("wait_for_output on stderr") {
        background_process sh("/bin/sh", {"-c", "echo ready >&2; exec sleep 300"});
        CHECK(sh.wait_for_output("ready", 10s, true));
        CHECK(sh.err() == "ready\n");
        CHECK(sh.out().empty());
        sh.signal(SIGTERM);
        const run_result r = sh.wait(10s);
        CHECK_FALSE(r.timed_out);
        CHECK(r.signal == SIGTERM);
        CHECK(r.exit_code == -1);
    }
    SECTION("wait_for_output returns early when the child exits") {
        background_process sh("/bin/sh", {"-c", "echo bye"});
        const auto start = std::chrono::steady_clock::now();
        CHECK_FALSE(sh.wait_for_output("never printed", 10s));
        CHECK(std::chrono::steady_clock::now() - start < 5s);
        CHECK(sh.wait(10s).out == "bye\n");
    }
    SECTION("writing to a child that exited throws instead of raising SIGPIPE") {
        background_process sh("/bin/sh", {"-c", "exec 0<&-; echo closed"});
        REQUIRE(sh.wait_for_output("closed", 10s));
        CHECK_THROWS_AS(sh.write_stdin("data nobody reads\n"), std::runtime_error);
    }
    SECTION("a failed write reports the child's exit status and stderr") {
        background_process sh("/bin/sh", {"-c", "exec 0<&-; echo why >&2; exit 3"});
        REQUIRE(sh.wait_for_output("why", 10s, true));
        std::string message;
        try {
            sh.write_stdin("data nobody reads\n");
        } catch (const std::runtime_error& e) {
            message = e.what();
        }
        INFO(message);
        CHECK(message.find("Broken pipe") != std::string::npos);
        CHECK(message.find("exit_code=3 ") != std::string::npos);
        CHECK(message.find("--- stderr ---\nwhy\n") != std::string::npos);
        CHECK(sh.wait(1s).exit_code == 3);  // the result stays available
    }
    SECTION("destructor kills a running child") {
        pid_t pid = -1;
        {
            background_process sleeper("/bin/sleep", {"300"});
            pid = sleeper.pid();
            CHECK_FALSE(process_gone(pid));
        }
        CHECK(process_gone(pid));
    }
}

// Runs only when started by the next test case: fails on purpose so the listener prints this broker's log.
TEST_CASE("support: intentionally failing test for the broker log listener", "[.][listener_demo]") {
    if (std::getenv("MQKIT_E2E_EXPECT_FAILURE") == nullptr) {
        return;
    }
    broker b;
    std::cout << "broker dir: " << b.dir() << "\n";
    CHECK(b.port() == -1);
}

TEST_CASE("support: a failed test case prints the logs of its brokers", "[support][broker]") {
    const run_result r = run_tool(self_executable(), {"[listener_demo]"}, {}, 30s, {{"MQKIT_E2E_EXPECT_FAILURE", "1"}});
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains("==== mosquitto log, broker on port"));
    CHECK_THAT(r.err, Catch::Contains("mosquitto version") && Catch::Contains("running"));
    CHECK_THAT(r.err, Catch::Contains("==== end of log ===="));
    const auto marker = r.out.find("broker dir: ");
    REQUIRE(marker != std::string::npos);
    const std::string dir = r.out.substr(marker + 12, r.out.find('\n', marker) - marker - 12);
    CHECK_FALSE(std::filesystem::exists(dir));  // removed after its log was captured
}
