// End-to-end tests against a scripted broker that answers what no conforming broker would: each
// tool gives one clear error line and a documented exit code, never a crash or a hang.
#include "support/process.hpp"
#include "support/scripted_broker.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <sys/socket.h>

#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

args at(const scripted_broker& b, args a) {
    a.insert(a.begin(), {"-h", "127.0.0.1", "-p", std::to_string(b.port())});
    return a;
}

/// The error lines on `r`'s stderr (lines that are not hints).
[[maybe_unused]] int error_lines(const run_result& r) {
    return count_of(r.err, "\n") - count_of(r.err, ": hint: ");
}

/// True when the tools run on Paho C older than 1.3.14 (as their --version says).
[[maybe_unused]] bool paho_c_before_1_3_14() {
    const std::string v = run_tool(tool("mqpub"), {"--version"}).out;
    for (const char* old : {"Paho MQTT C 1.3.11)", "Paho MQTT C 1.3.12)", "Paho MQTT C 1.3.13)"})
        if (v.find(old) != std::string::npos) return true;
    return false;
}

}  // namespace

#ifdef MQKIT_HAS_PROTOCOL_GUARD  // without it, Paho C corrupts its heap (test_paho_faults.cpp)
TEST_CASE("a QoS 2 PUBLISH answered with PUBACK (RabbitMQ 3.x): protocol error, exit 2", "[e2e][misbehaving]") {
    scripted_broker b([](wire& w) {
        if (!w.accept()) return;
        for (std::string p; !(p = w.read()).empty() && type_of(p) != DISCONNECT;) {
            if (type_of(p) == PUBLISH && qos_of(p) > 0) w.send(w.ack(PUBACK, packet_id(p)));
        }
    });
    // How Paho C went wrong (a double free) depended on the topic's length: each must end alike.
    for (const std::string& topic : std::vector<std::string>{"a", "abcdefghijklmnopqrstuvw", std::string(40, 't')}) {
        for (std::string version : {"311", "5"}) {
            auto r = run_tool(tool("mqpub"), at(b, {"-q", "2", "-t", topic, "-m", "x", "-V", version}), {}, 20s);
            INFO(topic << " -V " << version << ": " << describe(r));
            CHECK(r.exit_code == 2);
            CHECK(r.err.find("protocol error: the broker answered a QoS 2 PUBLISH (Mid: 1) with PUBACK") !=
                  std::string::npos);
            CHECK(error_lines(r) == 1);
        }
    }
}

#endif

TEST_CASE("an MQTT v5 CONNECT answered with an MQTT 3.1.1 CONNACK (aedes 1.2): 132, as mosquitto's clients",
          "[e2e][misbehaving]") {
#ifndef MQKIT_HAS_PROTOCOL_GUARD
    // Without it, Paho C before 1.3.14 crashes on this CONNACK (test_paho_faults.cpp).
    if (paho_c_before_1_3_14()) {
        WARN("skipped: no protocol guard in this build, and Paho C before 1.3.14 crashes here");
        return;
    }
#endif
    scripted_broker b([](wire& w) {
        if (w.read_connect()) w.send(packet(CONNACK << 4, std::string{0, 1}));  // 3.1.1: unacceptable version
    });
    for (std::string name : {"mqpub", "mqsub"}) {
        args a = name == "mqpub" ? args{"-V", "5", "-t", "a", "-m", "x"} : args{"-V", "5", "-t", "a"};
        auto r = run_tool(tool(name), at(b, a), {}, 20s);
        INFO(describe(r));
        CHECK(r.exit_code == 132);
        CHECK(r.err == name + ": error: unsupported protocol version\n" + name +
                           ": hint: the broker speaks MQTT 3.1.1 or 3.1 only: leave out -V 5 (or give -V 311)\n");
    }
}

TEST_CASE("an MQTT v5 CONNECT closed without a CONNACK (RabbitMQ 3.x): connection lost, exit 7", "[e2e][misbehaving]") {
    scripted_broker b([](wire& w) {
        if (w.read_connect()) ::shutdown(w.fd(), SHUT_RDWR);
    });
    for (std::string name : {"mqpub", "mqsub"}) {
        args a = name == "mqpub" ? args{"-V", "5", "-t", "a", "-m", "x"} : args{"-V", "5", "-t", "a"};
        auto r = run_tool(tool(name), at(b, a), {}, 20s);
        INFO(describe(r));
        CHECK(r.exit_code == 7);
        CHECK(r.err == name + ": error: cannot connect to 127.0.0.1:" + std::to_string(b.port()) +
                           ": the broker closed the connection without answering the MQTT CONNECT (is it an MQTT "
                           "broker, or does it expect TLS?)\n" +
                           name + ": hint: some brokers (RabbitMQ 3.x) close an MQTT v5 CONNECT: try -V 311\n");
    }
}
