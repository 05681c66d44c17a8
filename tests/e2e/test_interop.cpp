// The broker-independent scenarios, [interop]: publish/subscribe at every QoS, retained messages,
// the will, -d, -l at QoS 1, MQTT v5, WebSockets and passwords, against a private mosquitto in the
// ordinary suite and against aedes and RabbitMQ through scripts/test-interop.sh. What a broker does
// differently (interop_broker.hpp) is expected explicitly; README "Other brokers" lists it.
#include "support/interop_broker.hpp"
#include "support/process.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <csignal>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

/// A subscriber started with -d, returned once its SUBACK has come (no broker log to wait on).
std::unique_ptr<background_process> subscriber(const args& a) {
    args with_d = a;
    with_d.push_back("-d");
    auto p = std::make_unique<background_process>(tool("mqsub"), with_d);
    REQUIRE(p->wait_for_output("Subscribed (mid: ", 15s));
    return p;
}

/// The lines of -d output that are the tool's own (not "Client ..." or "Subscribed ..." lines).
std::vector<std::string> data_lines(const std::string& out) {
    std::vector<std::string> lines;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);)
        if (l.rfind("Client ", 0) != 0 && l.rfind("Subscribed (mid: ", 0) != 0) lines.push_back(l);
    return lines;
}

run_result pub(const args& a, const std::string& input = {}) {
    return run_tool(tool("mqpub"), a, input, 30s);
}

}  // namespace

TEST_CASE("interop: publish and subscribe at QoS 0, 1 and 2", "[e2e][interop]") {
    interop_broker b;
    for (int qos : {0, 1, 2}) {
        const std::string q = std::to_string(qos);
        const std::string t = b.topic("qos" + q);
        auto sub = subscriber(b.at({"-t", t, "-q", q, "-C", "1", "-F", "%q %p"}));
        auto r = pub(b.at({"-t", t, "-q", q, "-m", "m" + q}));
        INFO(b.name() << " QoS " << qos << ": " << describe(r));
        const bool downgraded = qos == 2 && b.differs("qos2-is-qos1");
        if (downgraded) {
            // RabbitMQ 3.x answers the QoS 2 PUBLISH with PUBACK: mqpub says so, as mosquitto_pub
            // exits 2; the message is delivered all the same, at QoS 1.
            CHECK(r.exit_code == 2);
            CHECK(r.err.find("protocol error: the broker answered a QoS 2 PUBLISH (Mid: 1) with PUBACK (it may "
                             "not support QoS 2: try -q 1)") != std::string::npos);
        } else {
            CHECK(r.exit_code == 0);
            CHECK(r.err.empty());
        }
        auto s = sub->wait(15s);
        INFO(describe(s));
        CHECK(data_lines(s.out) == std::vector<std::string>{(downgraded ? "1" : q) + " m" + q});
        // The granted QoS, as mosquitto_sub -d shows it.
        CHECK(s.out.find("Subscribed (mid: 1): " + std::string(downgraded ? "1" : q) + "\n") != std::string::npos);
    }
}

TEST_CASE("interop: retained messages reach new subscribers and -r -n clears them", "[e2e][interop][retain]") {
    interop_broker b;
    const std::string base = b.topic("retained");
    const std::string t = base + "/room";
    auto set = pub(b.at({"-t", t, "-q", "1", "-r", "-m", "kept"}));
    REQUIRE(set.exit_code == 0);
    auto exact = run_tool(tool("mqsub"), b.at({"-t", t, "-C", "1", "-W", "10", "-F", "%r %p"}));
    INFO(b.name() << ": " << describe(exact));
    CHECK(exact.out == "1 kept\n");
    auto wild = run_tool(tool("mqsub"), b.at({"-t", base + "/#", "-C", "1", "-W", "2", "-F", "%r %p"}));
    INFO(describe(wild));
    if (b.differs("no-retained-wildcard")) {
        CHECK(wild.exit_code == 27);  // RabbitMQ 3.x: retained messages go to exact-topic subscriptions only
        CHECK(wild.out.empty());
    } else {
        CHECK(wild.out == "1 kept\n");
    }
    REQUIRE(pub(b.at({"-t", t, "-q", "1", "-r", "-n"})).exit_code == 0);
    auto cleared = run_tool(tool("mqsub"), b.at({"-t", t, "-C", "1", "-W", "2"}));
    CHECK(cleared.exit_code == 27);
    CHECK(cleared.out.empty());
}

TEST_CASE("interop: the will is published when a client dies, not when it disconnects", "[e2e][interop][will]") {
    interop_broker b;
    const std::string t = b.topic("will");
    auto watcher = subscriber(b.at({"-t", t + "/#", "-C", "1", "-v"}));
    // A clean DISCONNECT: no will. Had it come, the watcher would print it first.
    auto clean = pub(b.at({"-t", b.topic("x"), "-m", "x", "--will-topic", t + "/clean", "--will-payload", "wrong"}));
    REQUIRE(clean.exit_code == 0);
    auto doomed = subscriber(b.at(
        {"-t", b.topic("nothing"), "--will-topic", t + "/doomed", "--will-payload", "offline", "--will-qos", "1"}));
    doomed->signal(SIGKILL);
    auto r = watcher->wait(20s);
    INFO(b.name() << ": " << describe(r));
    CHECK(data_lines(r.out) == std::vector<std::string>{t + "/doomed offline"});
}

TEST_CASE("interop: -d shows the QoS 1 handshake as mosquitto_pub and mosquitto_sub do", "[e2e][interop][debug]") {
    interop_broker b;
    const std::string t = b.topic("debug");
    auto sub = subscriber(b.at({"-t", t, "-q", "1", "-C", "1", "-i", "interop-sub"}));
    auto r = pub(b.at({"-t", t, "-q", "1", "-m", "x", "-d", "-i", "interop-pub"}));
    INFO(b.name() << ": " << describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out ==
          "Client interop-pub sending CONNECT\n"
          "Client interop-pub received CONNACK (0)\n"
          "Client interop-pub sending PUBLISH (d0, q1, r0, m1, '" +
              t +
              "', ... (1 bytes))\n"
              "Client interop-pub received PUBACK (Mid: 1, RC:0)\n"
              "Client interop-pub sending DISCONNECT\n");
    auto s = sub->wait(15s);
    INFO(describe(s));
    // Brokers number their own packets differently (aedes at random): the rest is mosquitto's.
    const std::regex shown(
        "Client interop-sub sending CONNECT\n"
        "Client interop-sub received CONNACK \\(0\\)\n"
        "Client interop-sub sending SUBSCRIBE \\(Mid: 1, Topic: [^,]+, QoS: 1, Options: 0x00\\)\n"
        "Client interop-sub received SUBACK\n"
        "Subscribed \\(mid: 1\\): 1\n"
        "Client interop-sub received PUBLISH \\(d0, q1, r0, m([0-9]+), '[^']+', \\.\\.\\. \\(1 "
        "bytes\\)\\)\n"
        "Client interop-sub sending PUBACK \\(m\\1, rc0\\)\n"
        "x\n"
        "Client interop-sub sending DISCONNECT\n");
    CHECK(std::regex_match(s.out, shown));
}

TEST_CASE("interop: mqpub -l at QoS 1 delivers every line, in order", "[e2e][interop][stdin]") {
    interop_broker b;
    const std::string t = b.topic("lines");
    constexpr int n = 2000;
    std::string input;
    std::vector<std::string> want;
    for (int i = 1; i <= n; ++i) {
        input += "line " + std::to_string(i) + "\n";
        want.push_back("line " + std::to_string(i));
    }
    auto sub = subscriber(b.at({"-t", t, "-q", "1", "-C", std::to_string(n)}));
    auto r = pub(b.at({"-t", t, "-q", "1", "-l"}), input);
    INFO(b.name() << ": " << describe(r));
    CHECK(r.exit_code == 0);
    auto s = sub->wait(30s);
    CHECK_FALSE(s.timed_out);
    CHECK(data_lines(s.out) == want);
}

TEST_CASE("interop: MQTT v5 where the broker has it, and a clear error where it does not", "[e2e][interop][v5]") {
    interop_broker b;
    const std::string t = b.topic("v5");
    if (b.differs("v5-refused") || b.differs("v5-closed")) {
        auto r = pub(b.at({"-V", "5", "-t", t, "-m", "x"}));
        INFO(b.name() << ": " << describe(r));
        if (b.differs("v5-refused")) {  // aedes 1.2: 3.1.1's CONNACK 1, as mosquitto_pub: 132
            CHECK(r.exit_code == 132);
            CHECK(r.err ==
                  "mqpub: error: unsupported protocol version\nmqpub: hint: the broker speaks MQTT 3.1.1 "
                  "or 3.1 only: leave out -V 5 (or give -V 311)\n");
        } else {  // RabbitMQ 3.x closes the connection: 7, as mosquitto_pub
            CHECK(r.exit_code == 7);
            CHECK(r.err.find("the broker closed the connection without answering the MQTT CONNECT") !=
                  std::string::npos);
            CHECK(r.err.find("hint: some brokers (RabbitMQ 3.x) close an MQTT v5 CONNECT: try -V 311") !=
                  std::string::npos);
        }
        return;
    }
    auto sub = subscriber(b.at({"-V", "5", "-t", t, "-C", "1", "-F", "%P|%p"}));
    auto r = pub(b.at({"-V", "5", "-t", t, "-q", "1", "-m", "body", "-D", "publish", "user-property", "room", "lab"}));
    INFO(b.name() << ": " << describe(r));
    CHECK(r.exit_code == 0);
    CHECK(data_lines(sub->wait(15s).out) == std::vector<std::string>{"room:lab|body"});
}

TEST_CASE("interop: publish and subscribe over WebSockets", "[e2e][interop][ws]") {
    interop_broker b;
    if (!b.has_ws()) {
        WARN(b.name() << " has no WebSocket listener here: skipped");
        return;
    }
    const std::string t = b.topic("ws");
    auto sub = subscriber(b.at_ws({"-t", t, "-q", "1", "-C", "1"}));
    auto r = pub(b.at_ws({"-t", t, "-q", "1", "-m", "over ws"}));
    INFO(b.name() << ": " << describe(r));
    CHECK(r.exit_code == 0);
    CHECK(data_lines(sub->wait(15s).out) == std::vector<std::string>{"over ws"});
}

TEST_CASE("interop: a user name and password, right and wrong", "[e2e][interop][auth]") {
    interop_broker b;
    const std::string t = b.topic("auth");
    auto right = pub(b.at_auth({"-t", t, "-q", "1", "-m", "x", "-u", b.user(), "-P", b.password()}));
    INFO(b.name() << ": " << describe(right));
    CHECK(right.exit_code == 0);
    for (const args& creds : {args{"-u", b.user(), "-P", "wrong"}, args{"-u", "nobody", "-P", "x"}, args{}}) {
        args a = b.at_auth({"-t", t, "-m", "x"});
        a.insert(a.end(), creds.begin(), creds.end());
        auto r = pub(a);
        INFO(describe(r));
        // MQTT 3.1.1's refusals: 4 bad user name or password (aedes, RabbitMQ), 5 not authorised
        // (mosquitto); the code is the broker's, as mosquitto_pub exits.
        CHECK((r.exit_code == 4 || r.exit_code == 5));
        CHECK(r.err.rfind("mqpub: error: connection refused: ", 0) == 0);
        CHECK(r.err.find("mqpub: hint: ") != std::string::npos);
    }
    if (!b.has_ws()) return;
    auto ws = pub(b.at_ws({"-t", t, "-m", "x", "-u", b.user(), "-P", "wrong"}, true));
    INFO(describe(ws));
    if (b.differs("ws-auth-closes")) {
        // RabbitMQ's web_mqtt closes the WebSocket (close code 1002 "unauthenticated"), no CONNACK.
        CHECK(ws.exit_code == 7);
        CHECK(ws.err.find("took the WebSocket connection on path") != std::string::npos);
        CHECK(ws.err.find("hint: RabbitMQ closes it so on a wrong user name or password") != std::string::npos);
    } else {
        CHECK((ws.exit_code == 4 || ws.exit_code == 5));
    }
    auto ws_right = pub(b.at_ws({"-t", t, "-q", "1", "-m", "x", "-u", b.user(), "-P", b.password()}, true));
    INFO(describe(ws_right));
    CHECK(ws_right.exit_code == 0);
}

TEST_CASE("interop: a '.' in a topic", "[e2e][interop]") {
    interop_broker b;
    const std::string base = b.topic("dots");
    auto sub = subscriber(b.at({"-t", base + "/#", "-C", "1", "-F", "%t"}));
    REQUIRE(pub(b.at({"-t", base + "/a.b", "-q", "1", "-m", "x"})).exit_code == 0);
    auto s = sub->wait(15s);
    INFO(b.name() << ": " << describe(s));
    // RabbitMQ maps MQTT's '/' to AMQP's '.', and back: a '.' arrives as '/'.
    CHECK(data_lines(s.out) == std::vector<std::string>{base + (b.differs("dot-is-slash") ? "/a/b" : "/a.b")});
}
