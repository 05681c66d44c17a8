// End-to-end tests of mqpub and mqsub against a real mosquitto: the lab's scenarios and every error path.
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <csignal>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {}  // namespace

TEST_CASE("lab: subscribe in one terminal, publish in another", "[e2e][lab]") {
    broker b;
    auto sub = start_sub(b, "lab-sub", {"-t", "i/LOVE/Python"});
    auto pub = mqpub(b, {"-t", "i/LOVE/Python", "-m", "Very well!"});
    INFO(describe(pub));
    CHECK(pub.exit_code == 0);
    CHECK(pub.out.empty());
    CHECK(pub.err.empty());
    REQUIRE(sub->wait_for_lines(1, 10s));
    CHECK(sub->out() == "Very well!\n");
}

TEST_CASE("topics are case sensitive and wildcards match levels", "[e2e][lab]") {
    broker b;
    auto sub = start_sub(b, "wild", {"-t", "home/+/temp", "-v", "-C", "2"});
    for (auto [topic, value] : {std::pair{"home/kitchen/temp", "21"},
                                {"home/kitchen/humidity", "40"},
                                {"Home/bath/temp", "99"},
                                {"home/bath/temp", "23"}})
        REQUIRE(mqpub(b, {"-t", topic, "-m", value}).exit_code == 0);
    auto r = sub->wait(10s);
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "home/kitchen/temp 21\nhome/bath/temp 23\n");
}

TEST_CASE("mqpub -d shows the QoS 0, 1 and 2 handshakes exactly like mosquitto_pub", "[e2e][lab][debug]") {
    broker b;
    const std::string pre = "Client dbg ";
    auto q0 = mqpub(b, {"-i", "dbg", "-t", "i/LOVE/Python", "-m", "testing", "-d"});
    CHECK(q0.exit_code == 0);
    CHECK(q0.out == pre + "sending CONNECT\n" + pre + "received CONNACK (0)\n" + pre +
                        "sending PUBLISH (d0, q0, r0, m1, 'i/LOVE/Python', ... (7 bytes))\n" + pre +
                        "sending DISCONNECT\n");
    auto q1 = mqpub(b, {"-i", "dbg", "-t", "i/LOVE/Python", "-m", "testing", "-d", "-q", "1"});
    CHECK(q1.out == pre + "sending CONNECT\n" + pre + "received CONNACK (0)\n" + pre +
                        "sending PUBLISH (d0, q1, r0, m1, 'i/LOVE/Python', ... (7 bytes))\n" + pre +
                        "received PUBACK (Mid: 1, RC:0)\n" + pre + "sending DISCONNECT\n");
    auto q2 = mqpub(b, {"-i", "dbg", "-t", "i/LOVE/Python", "-m", "testing", "-d", "-q", "2"});
    CHECK(q2.out == pre + "sending CONNECT\n" + pre + "received CONNACK (0)\n" + pre +
                        "sending PUBLISH (d0, q2, r0, m1, 'i/LOVE/Python', ... (7 bytes))\n" + pre +
                        "received PUBREC (Mid: 1)\n" + pre + "sending PUBREL (m1)\n" + pre +
                        "received PUBCOMP (Mid: 1, RC:0)\n" + pre + "sending DISCONNECT\n");
    if (std::string(MOSQUITTO_PUB_EXECUTABLE).empty()) return;
    for (const char* qos : {"0", "1", "2"}) {
        auto ours = mqpub(b, {"-i", "same", "-t", "x/y", "-m", "payload", "-r", "-d", "-q", qos});
        auto ref = run_tool(MOSQUITTO_PUB_EXECUTABLE,
                            with_port(b, {"-i", "same", "-t", "x/y", "-m", "payload", "-r", "-d", "-q", qos}));
        CHECK(ours.out == ref.out);
        CHECK(ours.exit_code == ref.exit_code);
    }
}

TEST_CASE("mqsub -d shows SUBSCRIBE, SUBACK and each PUBLISH like mosquitto_sub", "[e2e][debug]") {
    broker b;
    auto sub = start_sub(b, "dsub", {"-t", "i/#", "-d", "-C", "1"});
    REQUIRE(mqpub(b, {"-t", "i/LOVE/Python", "-m", "hi"}).exit_code == 0);
    auto r = sub->wait(10s);
    const std::string pre = "Client dsub ";
    CHECK(r.out == pre + "sending CONNECT\n" + pre + "received CONNACK (0)\n" + pre +
                       "sending SUBSCRIBE (Mid: 1, Topic: i/#, QoS: 0, Options: 0x00)\n" + pre + "received SUBACK\n" +
                       "Subscribed (mid: 1): 0\n" + pre +
                       "received PUBLISH (d0, q0, r0, m0, 'i/LOVE/Python', ... (2 bytes))\n" + "hi\n" + pre +
                       "sending DISCONNECT\n");
}

TEST_CASE("mqsub -U: one UNSUBSCRIBE per filter, each acknowledged in turn, MQTT v5's 'no subscription' is no error",
          "[e2e][debug][session]") {
    for (const char* version : {"311", "5"}) {
        broker b;
        // u/none was never subscribed: MQTT v5's UNSUBACK says so (reason 17).
        auto sub = start_sub(b, "same", {"-V", version, "-t", "u/a", "-U", "u/none", "-U", "u/b", "-C", "1", "-d"});
        REQUIRE(b.wait_for_log("Sending UNSUBACK to same", 10s));
        REQUIRE(b.wait_for_log("Received UNSUBSCRIBE from same", 10s));
        REQUIRE(mqpub(b, {"-t", "u/a", "-m", "one"}).exit_code == 0);
        auto r = sub->wait(10s);
        INFO("-V " << version << ": " << describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
        // The packet ids are mosquitto_sub's (it sends both UNSUBSCRIBEs before reading SUBACK).
        const std::string pre = "Client same ";
        CHECK(r.out == pre + "sending CONNECT\n" + pre + "received CONNACK (0)\n" + pre +
                           "sending SUBSCRIBE (Mid: 1, Topic: u/a, QoS: 0, Options: 0x00)\n" + pre +
                           "received SUBACK\n" + "Subscribed (mid: 1): 0\n" + pre +
                           "sending UNSUBSCRIBE (Mid: 2, Topic: u/none)\n" + pre + "received UNSUBACK\n" + pre +
                           "sending UNSUBSCRIBE (Mid: 3, Topic: u/b)\n" + pre + "received UNSUBACK\n" + pre +
                           "received PUBLISH (d0, q0, r0, m0, 'u/a', ... (3 bytes))\n" + "one\n" + pre +
                           "sending DISCONNECT\n");
    }
}

TEST_CASE("mqsub -d at QoS 0, 1 and 2 prints the same lines in the same order as mosquitto_sub -d", "[e2e][debug]") {
    if (std::string(MOSQUITTO_SUB_EXECUTABLE).empty()) return;
    for (const char* qos : {"0", "1", "2"}) {
        std::string outputs[2];
        int n = 0;
        // Each against its own broker with the same client id, so that every line can be compared.
        for (const std::string& exe : {tool("mqsub"), std::string(MOSQUITTO_SUB_EXECUTABLE)}) {
            broker b;
            auto sub = std::make_unique<background_process>(
                exe, with_port(b, {"-t", "dq", "-q", qos, "-d", "-C", "1", "-i", "same"}));
            REQUIRE(b.wait_for_log("Sending SUBACK to same", 10s));
            REQUIRE(
                run_tool(MOSQUITTO_PUB_EXECUTABLE, with_port(b, {"-t", "dq", "-q", qos, "-m", "hello"})).exit_code ==
                0);
            auto r = sub->wait(10s);
            INFO(describe(r));
            CHECK(r.exit_code == 0);
            outputs[n++] = r.out;
        }
        INFO("QoS " << qos);
        CHECK(outputs[0] == outputs[1]);
        CHECK(outputs[0].find("received PUBLISH (d0, q" + std::string(qos) + ", r0, m") != std::string::npos);
    }
}

TEST_CASE("retained messages: set, seen by late subscribers, cleared with -r -n", "[e2e][lab][retain]") {
    broker b;
    REQUIRE(mqpub(b, {"-t", "lab/led", "-m", "red", "-r"}).exit_code == 0);
    auto late_v = run_tool(tool("mqsub"), with_port(b, {"-t", "lab/led", "-C", "1", "-v"}), {}, 10s);
    CHECK(late_v.exit_code == 0);
    CHECK(late_v.out == "lab/led red\n");
    auto stale = run_tool(tool("mqsub"), with_port(b, {"-t", "lab/led", "-R", "-W", "1"}), {}, 10s);
    CHECK(stale.exit_code == 27);  // -R hides the retained message, so -W expires
    CHECK(stale.out.empty());
    REQUIRE(mqpub(b, {"-t", "lab/led", "-r", "-n"}).exit_code == 0);
    auto cleared = run_tool(tool("mqsub"), with_port(b, {"-t", "lab/led", "-W", "1"}), {}, 10s);
    CHECK(cleared.exit_code == 27);
    CHECK(cleared.out.empty());
    CHECK(cleared.err == "mqsub: error: timed out after 1 s (-W)\n");
}

TEST_CASE("mqsub --retained-only prints retained messages then stops, --remove-retained clears them", "[e2e][retain]") {
    broker b;
    REQUIRE(mqpub(b, {"-t", "r/1", "-m", "one", "-r"}).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "r/2", "-m", "two", "-r"}).exit_code == 0);
    auto sub = start_sub(b, "ro", {"-t", "r/#", "--retained-only", "-v", "--remove-retained"});
    REQUIRE(sub->wait_for_lines(2, 10s));
    REQUIRE(mqpub(b, {"-t", "r/live", "-m", "now"}).exit_code == 0);
    auto r = sub->wait(10s);
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(count_of(r.out, "\n") == 2);
    CHECK(r.out.find("r/1 one\n") != std::string::npos);
    CHECK(r.out.find("r/2 two\n") != std::string::npos);
    auto after = run_tool(tool("mqsub"), with_port(b, {"-t", "r/#", "-W", "1"}), {}, 10s);
    CHECK(after.exit_code == 27);  // both retained messages were removed
    CHECK(after.out.empty());
}

TEST_CASE("mqpub -l sends one message per line and skips blank lines", "[e2e][lab][stdin]") {
    broker b;
    auto sub = start_sub(b, "lines", {"-t", "l", "-C", "4", "-q", "1"});
    auto pub = mqpub(b, {"-t", "l", "-l", "-q", "1"}, "first\n\nsecond line\nthird without newline");
    INFO(describe(pub));
    REQUIRE(pub.exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "l", "-m", "END", "-q", "1"}).exit_code == 0);
    auto r = sub->wait(10s);
    CHECK(r.out == "first\nsecond line\nthird without newline\nEND\n");
}

TEST_CASE("mqpub -l at QoS 1 and 2 delivers every line in order", "[e2e][stdin]") {
    for (const char* qos : {"1", "2"}) {
        // Under ASan mosquitto 2.0.11 once never sent lines 1711-2176 to mqsub while it sent the
        // rest (see no_inflight_quota).
        broker_options opts;
        opts.no_inflight_quota = true;
        broker b(opts);
        std::string input;
        std::string expected;
        for (int i = 1; i <= 3000; ++i) {
            input += "line " + std::to_string(i) + "\n";
            expected += "line " + std::to_string(i) + "\n";
        }
        auto sub = start_sub(b, std::string("bulk") + qos, {"-t", "bulk", "-q", qos, "-C", "3000"});
        auto pub = mqpub(b, {"-t", "bulk", "-l", "-q", qos}, input);
        INFO(describe(pub));
        CHECK(pub.exit_code == 0);
        auto r = sub->wait(20s);
        CHECK(r.exit_code == 0);
        CHECK(r.out == expected);
    }
}

TEST_CASE("mqpub -s and -f send the whole input as one message", "[e2e][stdin]") {
    broker b;
    auto sub = start_sub(b, "whole", {"-t", "w", "-C", "2"});
    REQUIRE(mqpub(b, {"-t", "w", "-s"}, "a\nb\n").exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "w", "-f", "/proc/self/cmdline"}).exit_code == 0);
    REQUIRE(sub->wait_for_lines(3, 10s));
    auto r = sub->wait(10s);
    CHECK(r.out.rfind("a\nb\n\n", 0) == 0);
    CHECK(r.out.find("mqpub") != std::string::npos);
}

TEST_CASE("mqpub -s with empty input fails and leaves a retained message alone, as mosquitto_pub", "[e2e][stdin]") {
    broker b;
    REQUIRE(mqpub(b, {"-t", "keep", "-m", "value", "-r"}).exit_code == 0);
    auto r = mqpub(b, {"-t", "keep", "-s", "-r"}, "");
    CHECK(r.exit_code == 1);
    CHECK(r.err ==
          "mqpub: error: -s/--stdin-file: standard input is empty, nothing to send\n"
          "mqpub: hint: to send an empty message, use -n\n");
    auto kept = run_tool(tool("mqsub"), with_port(b, {"-t", "keep", "-C", "1", "-W", "5"}), {}, 10s);
    CHECK(kept.exit_code == 0);
    CHECK(kept.out == "value\n");
    if (std::string(MOSQUITTO_PUB_EXECUTABLE).empty()) return;
    CHECK(run_tool(MOSQUITTO_PUB_EXECUTABLE, with_port(b, {"-t", "keep", "-s", "-r"}), "").exit_code == 1);
}

TEST_CASE("mqpub --repeat publishes the message N times", "[e2e]") {
    broker b;
    auto sub = start_sub(b, "rep", {"-t", "rep", "-C", "3"});
    auto pub = mqpub(b, {"-t", "rep", "-m", "x", "--repeat", "3", "--repeat-delay", "0.05", "-q", "1"});
    CHECK(pub.exit_code == 0);
    CHECK(sub->wait(10s).out == "x\nx\nx\n");
}

TEST_CASE("mqsub -C, -T, -E, -N", "[e2e]") {
    broker b;
    auto sub = start_sub(b, "filters", {"-t", "s/#", "-T", "s/skip/#", "-C", "2", "-N"});
    for (const char* t : {"s/a", "s/skip/x", "s/b", "s/c"}) REQUIRE(mqpub(b, {"-t", t, "-m", t}).exit_code == 0);
    auto r = sub->wait(10s);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "s/as/b");

    auto e = run_tool(tool("mqsub"), with_port(b, {"-t", "x", "-E"}), {}, 10s);
    CHECK(e.exit_code == 0);
    CHECK(e.out.empty());
}

TEST_CASE("mqsub --random-filter prints a fraction but counts every message for -C", "[e2e]") {
    broker b;
    auto all = start_sub(b, "all", {"-t", "rf", "-C", "20", "--random-filter", "100"});
    auto few = start_sub(b, "few", {"-t", "rf", "-C", "20", "--random-filter", "0.1"});
    std::string lines;
    for (int i = 0; i < 20; ++i) lines += "m" + std::to_string(i) + "\n";
    REQUIRE(mqpub(b, {"-t", "rf", "-l", "-q", "1"}, lines).exit_code == 0);
    auto a = all->wait(10s);
    auto f = few->wait(10s);
    CHECK(a.exit_code == 0);
    CHECK(a.out == lines);
    CHECK(f.exit_code == 0);  // ended by -C 20 although (almost surely) nothing was printed
    CHECK(count_of(f.out, "\n") < 20);
}

TEST_CASE("persistent sessions keep QoS 1 messages, -U removes a subscription", "[e2e][session]") {
    broker b;
    REQUIRE(run_tool(tool("mqsub"), with_port(b, {"-t", "p/a", "-t", "p/b", "-q", "1", "-c", "-i", "keeper", "-E"}))
                .exit_code == 0);
    REQUIRE(run_tool(tool("mqsub"), with_port(b, {"-U", "p/b", "-c", "-i", "keeper", "-E"})).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "p/a", "-m", "kept", "-q", "1"}).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "p/b", "-m", "dropped", "-q", "1"}).exit_code == 0);
    auto r =
        run_tool(tool("mqsub"), with_port(b, {"-t", "p/a", "-q", "1", "-c", "-i", "keeper", "-C", "1", "-v"}), {}, 10s);
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "p/a kept\n");
}

TEST_CASE("the will is published when a client dies", "[e2e][will]") {
    broker b;
    auto watcher = start_sub(b, "watcher", {"-t", "status/#", "-v", "-C", "1"});
    auto doomed =
        start_sub(b, "doomed",
                  {"-t", "nothing", "--will-topic", "status/doomed", "--will-payload", "offline", "--will-qos", "1"});
    doomed->signal(SIGKILL);
    auto r = watcher->wait(15s);
    INFO(describe(r));
    CHECK(r.out == "status/doomed offline\n");
}

TEST_CASE("MQTT v5 user properties reach the subscriber", "[e2e][v5]") {
    if (std::string(MOSQUITTO_SUB_EXECUTABLE).empty()) return;
    broker b;
    auto sub = start_sub(b, "v5ref", {"-t", "v5", "-V", "5", "-F", "%P|%C|%p", "-C", "1"}, MOSQUITTO_SUB_EXECUTABLE);
    auto pub = mqpub(b, {"-t", "v5", "-m", "body", "-V", "5", "-D", "publish", "user-property", "room", "lab", "-D",
                         "publish", "content-type", "text/plain"});
    INFO(describe(pub));
    CHECK(pub.exit_code == 0);
    CHECK(sub->wait(10s).out == "room:lab|text/plain|body\n");
}

TEST_CASE("a -L URL sets host, port and topic", "[e2e][url]") {
    broker b;
    auto sub = start_sub(b, "urlsub", {"-L", "mqtt://127.0.0.1:" + std::to_string(b.port()) + "/lab/url", "-C", "1"});
    auto pub =
        run_tool(tool("mqpub"), {"-L", "mqtt://127.0.0.1:" + std::to_string(b.port()) + "/lab/url", "-m", "via url"});
    CHECK(pub.exit_code == 0);
    CHECK(sub->wait(10s).out == "via url\n");
}

TEST_CASE("mqsub output matches mosquitto_sub byte for byte", "[e2e][compat]") {
    if (std::string(MOSQUITTO_SUB_EXECUTABLE).empty()) return;
    broker b;
    auto ours = start_sub(b, "ours", {"-t", "c/#", "-v", "-C", "4"});
    auto ref = start_sub(b, "ref", {"-t", "c/#", "-v", "-C", "4"}, MOSQUITTO_SUB_EXECUTABLE);
    REQUIRE(mqpub(b, {"-t", "c/a", "-m", "plain text"}).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "c/b", "-n"}).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "c/c", "-s"}, std::string("bin\0ary\xff\n", 9)).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "c/d", "-m", "{\"t\": 21.5}"}).exit_code == 0);
    auto a = ours->wait(10s);
    auto r = ref->wait(10s);
    CHECK(a.out == r.out);
    CHECK(a.exit_code == r.exit_code);
}

TEST_CASE("mqsub | head -n 2 ends quietly", "[e2e][pipe]") {
    broker b;
    std::string cmd = tool("mqsub") + " -h 127.0.0.1 -p " + std::to_string(b.port()) +
                      " -i piped -t pipe | head -n 2; echo \"status=${PIPESTATUS[0]}\"";
    background_process shell("/bin/bash", {"-c", cmd});
    REQUIRE(b.wait_for_log("Sending SUBACK to piped", 10s));
    for (int i = 0; i < 2; ++i) REQUIRE(mqpub(b, {"-t", "pipe", "-m", "m" + std::to_string(i)}).exit_code == 0);
    // Once head has exited, the next message makes mqsub's write fail with EPIPE. head may still be
    // exiting (a loaded machine): messages written before that sit unread in the pipe, so publish
    // one more until the shell's status line shows that mqsub has ended (at most 40).
    REQUIRE(shell.wait_for_lines(2, 10s));
    for (int i = 2; i < 42 && !shell.wait_for_output("status=", i == 2 ? 0ms : 500ms); ++i)
        mqpub(b, {"-t", "pipe", "-m", "m" + std::to_string(i)});
    auto r = shell.wait(10s);
    INFO(describe(r));
    CHECK_FALSE(r.timed_out);
    CHECK(r.out == "m0\nm1\nstatus=0\n");
    CHECK(r.err.empty());
}

TEST_CASE("Ctrl-C and SIGTERM disconnect cleanly with exit 130 and 143", "[e2e][signals]") {
    broker b;
    for (auto [sig, code] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
        std::string id = "sig" + std::to_string(sig);
        auto sub = start_sub(b, id, {"-t", "x"});
        sub->signal(sig);
        auto r = sub->wait(10s);
        CHECK(r.exit_code == code);
        CHECK(b.wait_for_log("Client " + id + " disconnected.", 5s));
    }
}

TEST_CASE("mqsub reconnects and resubscribes after a broker restart", "[e2e][reconnect]") {
    broker b;
    auto sub = start_sub(b, "phoenix", {"-t", "r", "-C", "1"});
    b.stop();
    b.start();
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (count_of(b.log(), "Sending SUBACK to phoenix") < 2 && std::chrono::steady_clock::now() < deadline)
        b.wait_for_log("\n", 50ms);  // poll the log; the event is the second SUBACK
    REQUIRE(count_of(b.log(), "Sending SUBACK to phoenix") >= 2);
    REQUIRE(mqpub(b, {"-t", "r", "-m", "after restart"}).exit_code == 0);
    auto r = sub->wait(10s);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "after restart\n");
}

TEST_CASE("errors: one clear line on stderr and mosquitto's exit codes", "[e2e][errors]") {
    broker b({{{"alice", "secret"}}, "", false});
    SECTION("wrong password is refused at CONNACK with its code") {
        auto r = mqpub(b, {"-t", "a", "-m", "x", "-u", "alice", "-P", "wrong"});
        CHECK(r.exit_code == 5);
        CHECK(r.err.rfind("mqpub: error: connection refused: not authorised\n", 0) == 0);
        CHECK(r.err.find("wrong") == std::string::npos);
        auto v5 = mqpub(b, {"-t", "a", "-m", "x", "-u", "alice", "-P", "wrong", "-V", "5"});
        CHECK(v5.exit_code == 135);
        auto s = run_tool(tool("mqsub"), with_port(b, {"-t", "a", "-u", "alice", "-P", "wrong"}), {}, 10s);
        CHECK(s.exit_code == 5);
    }
    SECTION("the right password works, also from MQKIT_PASSWORD") {
        CHECK(mqpub(b, {"-t", "a", "-m", "x", "-u", "alice", "-P", "secret"}).exit_code == 0);
        auto r = run_tool(tool("mqpub"), with_port(b, {"-t", "a", "-m", "x", "-u", "alice"}), {}, 10s,
                          {{"MQKIT_PASSWORD", "secret"}});
        CHECK(r.exit_code == 0);
    }
    SECTION("nothing listening") {
        int port = broker::free_port();
        auto r = run_tool(tool("mqpub"), {"-h", "127.0.0.1", "-p", std::to_string(port), "-t", "a", "-m", "x"});
        CHECK(r.exit_code == 1);
        CHECK(r.err == "mqpub: error: cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused\n");
        auto s = run_tool(tool("mqsub"), {"-h", "127.0.0.1", "-p", std::to_string(port), "-t", "a"});
        CHECK(s.exit_code == 1);
    }
    SECTION("bad arguments exit 1 before connecting") {
        auto r = run_tool(tool("mqpub"), {"-t", "a/#", "-m", "x"});
        CHECK(r.exit_code == 1);
        CHECK(r.err ==
              "mqpub: error: -t/--topic: invalid topic 'a/#': a topic to publish to cannot contain the "
              "wildcards + or #\n");
        auto u = run_tool(tool("mqpub"), {"-t", "a", "-m", "x", "--retian"});
        CHECK(u.exit_code == 1);
        CHECK(u.err == "mqpub: error: unknown option '--retian'\nmqpub: hint: did you mean --retain?\n");
        auto f = run_tool(tool("mqpub"), {"-t", "a", "-f", "/nonexistent/file"});
        CHECK(f.exit_code == 1);
        CHECK(f.err == "mqpub: error: -f/--file: cannot open '/nonexistent/file': No such file or directory\n");
        // A control character is valid UTF-8, but the broker would drop the connection for it.
        auto c = run_tool(tool("mqpub"), {"-t", "cc/a\x01", "-m", "x", "-q", "1"});
        CHECK(c.exit_code == 1);
        CHECK(c.err ==
              "mqpub: error: -t/--topic: invalid topic 'cc/a\\x01': topic holds U+0001 at byte 4, which "
              "MQTT's UTF-8 rules do not allow in a topic\n");
        auto q = run_tool(tool("mqsub"), {"-t", "a/#/b"});
        CHECK(q.exit_code == 1);
        CHECK(q.err.rfind("mqsub: error: -t/--topic: invalid topic filter 'a/#/b'", 0) == 0);
        auto quiet = run_tool(tool("mqpub"), {"-t", "a/#", "-m", "x", "--quiet"});
        CHECK(quiet.exit_code == 1);
        CHECK(quiet.err.empty());
    }
    SECTION("--help and --version exit 0") {
        auto h = run_tool(tool("mqpub"), {"--help"});
        CHECK(h.exit_code == 0);
        CHECK(h.out.find("Usage: mqpub") != std::string::npos);
        auto v = run_tool(tool("mqsub"), {"--version"});
        CHECK(v.exit_code == 0);
        CHECK(v.out.rfind("mqsub ", 0) == 0);
        CHECK(v.out.find("Paho") != std::string::npos);
    }
}

TEST_CASE("a password given with -P is hidden from the process list", "[e2e][secrets]") {
    broker b({{{"carol", "hunter2"}}, "", false});
    auto sub = start_sub(b, "secretive", {"-t", "x", "-u", "carol", "-P", "hunter2"});
    std::string cmdline;
    {
        auto r = run_tool("/bin/cat", {"/proc/" + std::to_string(sub->pid()) + "/cmdline"});
        cmdline = r.out;
    }
    CHECK(cmdline.find("hunter2") == std::string::npos);
    CHECK(cmdline.find("*******") != std::string::npos);
}
