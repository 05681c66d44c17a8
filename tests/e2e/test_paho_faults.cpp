// The faults of Paho C that mqkit's programs work around (lib/src/mqtt/workarounds), each shown
// with its workaround turned off (MQKIT_PAHO_WORKAROUNDS=off). The day one of these fails on a new
// Paho C, Paho has fixed the fault: the workaround can go (and its version list in
// lib/src/mqtt/workarounds/CMakeLists.txt says which versions still need it). The tests of what
// the workarounds do are with the tools' own tests (test_misbehaving_broker.cpp,
// test_reliability.cpp, unit/test_paho_send_guard.cpp).
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/scripted_broker.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <functional>
#include <regex>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

const env_list workarounds_off = {{"MQKIT_PAHO_WORKAROUNDS", "off"}};

args at(const scripted_broker& b, args a) {
    a.insert(a.begin(), {"-h", "127.0.0.1", "-p", std::to_string(b.port())});
    return a;
}

/// Killed by a signal, or (in the sanitized build, which turns a crash into a report and an exit
/// status) stopped by AddressSanitizer.
bool crashed(const run_result& r) {
    // Under UBSan (halt_on_error) the bad read can be caught before it faults: "runtime error:".
    return r.signal != 0 || r.err.find("ERROR: AddressSanitizer") != std::string::npos ||
           r.err.find("runtime error:") != std::string::npos;
}

/// Paho C's version as the tools report it, as {major, minor, patch}.
[[maybe_unused]] std::vector<int> paho_c_version() {
    auto r = run_tool(tool("mqpub"), {"--version"});
    std::smatch m;
    REQUIRE(std::regex_search(r.out, m, std::regex(R"(Paho MQTT C (\d+)\.(\d+)\.(\d+))")));
    return {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
}

}  // namespace

TEST_CASE("Paho fault: a PUBACK for a QoS 2 PUBLISH corrupts Paho C's heap (protocol guard)", "[e2e][paho-fault]") {
    // RabbitMQ 3.x answers so. Paho C frees the message's topic and payload while its session
    // keeps them: glibc aborts on the double free, or mqpub says nothing and exits 0.
    scripted_broker b([](wire& w) {
        if (!w.accept()) return;
        for (std::string p; !(p = w.read()).empty() && type_of(p) != DISCONNECT;)
            if (type_of(p) == PUBLISH && qos_of(p) > 0) w.send(w.ack(PUBACK, packet_id(p)));
    });
    auto r =
        run_tool(tool("mqpub"), at(b, {"-q", "2", "-t", "twenty-bytes-topic-x", "-m", "x"}), {}, 20s, workarounds_off);
    INFO(describe(r));
    CHECK_FALSE(r.timed_out);
    const bool silent = r.exit_code == 0;
    CHECK((crashed(r) || silent));
}

#ifdef MQKIT_HAS_PAHO_C_COPY
TEST_CASE("Paho fault: an MQTT 3.1.1 CONNACK to an MQTT v5 CONNECT crashes Paho C before 1.3.14 (protocol guard)",
          "[e2e][paho-fault]") {
    // aedes 1.2 answers so. Paho C frees the CONNACK's uninitialised v5 properties (fixed in
    // 1.3.14, eclipse-paho/paho.mqtt.c#1543: there the refusal arrives as it should). Debian's
    // shared Paho C hides it: its heap tracker ignores a free of a pointer it never handed out,
    // so only the programs' tracker-free copy (paho-c-copy) crashes.
    scripted_broker b([](wire& w) {
        if (w.read_connect()) w.send(packet(CONNACK << 4, std::string{0, 1}));
    });
    if (paho_c_version() >= std::vector<int>{1, 3, 14}) {
        auto r = run_tool(tool("mqpub"), at(b, {"-V", "5", "-t", "a", "-m", "x"}), {}, 20s, workarounds_off);
        INFO(describe(r));
        CHECK(r.exit_code == 132);
        return;
    }
    // What the uninitialised properties hold decides whether the free crashes: about three runs
    // in four do (MALLOC_PERTURB_ fills fresh memory with garbage; a client id of 14-23 bytes
    // leaves garbage there, an empty one happened to leave harmless bytes); ten runs in a row
    // without a crash would be a one-in-a-million chance while the fault is there.
    env_list perturbed = workarounds_off;
    perturbed.emplace_back("MALLOC_PERTURB_", "165");
    run_result r;
    for (int run = 0; run < 10 && !crashed(r); ++run)
        r = run_tool(tool("mqpub"), at(b, {"-V", "5", "-t", "a", "-m", "x", "-i", "paho-fault-client"}), {}, 20s,
                     perturbed);
    INFO(describe(r));
    CHECK(crashed(r));
}
#endif

TEST_CASE("Paho fault: a large message over a slow link is written one socket buffer per second (send guard)",
          "[e2e][paho-fault]") {
    // Paho C keeps the unwritten rest of a packet until its receive thread comes round again, up
    // to a second later while the broker is quiet. With a 4 KiB send buffer (the test's LD_PRELOAD
    // shim) 4 MiB takes over an hour; with the send guard, about a second.
    broker b;
    temp_file file(0, std::string(4u << 20, 'x'));
    const char* asan = std::getenv("ASAN_OPTIONS");
    env_list slow_link = {{"LD_PRELOAD", MQKIT_SMALL_SNDBUF_SHIM},
                          {"MQKIT_TEST_SNDBUF", "4096"},
                          {"ASAN_OPTIONS", std::string(asan ? asan : "") + ":verify_asan_link_order=0"}};
    slow_link.insert(slow_link.end(), workarounds_off.begin(), workarounds_off.end());
    auto r = run_tool(tool("mqpub"), with_port(b, {"-t", "large", "-q", "1", "-f", file.path()}), {}, 10s, slow_link);
    INFO(describe(r));
    CHECK(r.timed_out);  // still writing after 10 s
}

TEST_CASE("Paho fault: a SUBACK with fewer reason codes than topic filters crashes Paho MQTT C++ (protocol guard)",
          "[e2e][paho-fault]") {
    // Paho C hands one code over in place of the list (alt.qos shares alt.qosList's storage), and
    // Paho MQTT C++ 1.2 reads as many as it asked for: a pointer made of the QoS.
    scripted_broker b([](wire& w) {
        if (!w.accept()) return;
        for (std::string p; !(p = w.read()).empty() && type_of(p) != DISCONNECT;)
            if (type_of(p) == SUBSCRIBE) w.send(w.suback(packet_id(p), std::string(1, '\x01')));
    });
    auto r = run_tool(tool("mqsub"), at(b, {"-t", "a", "-t", "b", "-W", "3"}), {}, 20s, workarounds_off);
    INFO(describe(r));
    CHECK_FALSE(r.timed_out);
    CHECK(crashed(r));
}

TEST_CASE("Paho fault: Paho C takes what MQTT calls a protocol error without a word (protocol guard)",
          "[e2e][paho-fault]") {
    // mosquitto's clients end with a protocol error on each of these (README "Misbehaving brokers").
    struct scenario {
        const char* what;
        std::function<std::string(const wire&)> after_connack;  // sent right behind the CONNACK
        args a;
        std::function<void(const run_result&)> check;
        bool before = false;  // sent right before the CONNACK instead
    };
    const std::vector<scenario> scenarios = {
        {"a PUBLISH whose topic is not valid UTF-8 is delivered",
         [](const wire& w) { return w.publish("t/\xff", "payload"); },
         {"-t", "#", "-C", "1", "-W", "3", "-v"},
         [](const run_result& r) {
             CHECK(r.exit_code == 0);
             CHECK(r.out == "t/\xff payload\n");
         }},
        {"a PUBLISH with a topic alias the client never allowed arrives without a topic",
         [](const wire& w) { return w.publish("", "payload", 0, 1, std::string("\x23\x00\x05", 3)); },
         {"-V", "5", "-t", "#", "-C", "1", "-W", "3", "-v"},
         [](const run_result& r) {
             CHECK(r.exit_code == 0);
             CHECK(r.out == " payload\n");
         }},
        {"a packet larger than the Maximum Packet Size the client sent is taken",
         [](const wire& w) { return w.publish("t/big", std::string(1000, 'b')); },
         {"-V", "5", "-D", "connect", "maximum-packet-size", "200", "-t", "#", "-C", "1", "-W", "3"},
         [](const run_result& r) {
             CHECK(r.exit_code == 0);
             CHECK(r.out.size() == 1001);
         }},
        {"a PUBLISH before CONNACK is delivered",
         [](const wire& w) { return w.publish("t/early", "early"); },
         {"-t", "#", "-C", "1", "-W", "3", "-v"},
         [](const run_result& r) {
             CHECK(r.exit_code == 0);
             CHECK(r.out == "t/early early\n");
         },
         true},
        {"an MQTT 3.1.1 DISCONNECT from the broker is skipped",
         [](const wire& w) { return w.disconnect() + w.publish("t/after", "after"); },
         {"-t", "#", "-C", "1", "-W", "3", "-v"},
         [](const run_result& r) {
             CHECK(r.exit_code == 0);
             CHECK(r.out == "t/after after\n");
         }},
        {"a second CONNACK closes the connection without a reason",
         [](const wire& w) { return w.connack(0); },
         {"-t", "#", "-C", "1", "-W", "3"},
         [](const run_result& r) {
             CHECK(r.exit_code != 2);
             CHECK(r.err.find("protocol error") == std::string::npos);
         }},
    };
    for (const auto& s : scenarios) {
        scripted_broker b([&s](wire& w) {
            if (!w.read_connect()) return;
            wire::twists t;
            t.deliver_after_suback = false;
            t.on_packet = [&s](wire& ww, const std::string& p) {
                if (type_of(p) != CONNECT) return false;
                ww.send(s.before ? s.after_connack(ww) + ww.connack(0) : ww.connack(0) + s.after_connack(ww));
                return true;
            };
            w.behave(t);
        });
        auto r = run_tool(tool("mqsub"), at(b, s.a), {}, 20s, workarounds_off);
        INFO(s.what << "\n" << describe(r));
        CHECK_FALSE(r.timed_out);
        CHECK_FALSE(crashed(r));
        s.check(r);
    }
}
