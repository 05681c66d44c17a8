// End-to-end tests of mqrr against a real mosquitto: a responder in this process (an mqkit::session,
// as any program linking libmqkit would write one) answers on the request's response topic.
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/scripted_broker.hpp"
#include "support/tools.hpp"

#include "mqkit/session.hpp"

#include "catch_compat.hpp"

#include <atomic>
#include <csignal>
#include <limits>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

run_result mqrr(const broker& b, std::vector<std::string> a, const std::string& input = {}, const env_list& env = {}) {
    return run_tool(tool("mqrr"), with_port(b, std::move(a)), input, std::chrono::seconds(20), env);
}

/// Answers every request on `request_topic` with "re:<payload>" on its MQTT v5 response topic (or
/// on `fixed_reply` under MQTT 3.1.1), and remembers what each request carried.
class responder {
public:
    responder(const broker& b, const std::string& request_topic, mqkit::mqtt_version version = mqkit::mqtt_version::v5,
              std::string fixed_reply = {})
        : session_(config(b, version)), fixed_reply_(std::move(fixed_reply)) {
        session_.on_message([this](const mqkit::received_message& m) {
            std::string to;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                response_topics_.push_back(m.response_topic.value_or("(none)"));
                correlation_.push_back(m.correlation_data.value_or("(none)"));
                to = m.response_topic.value_or(fixed_reply_);
            }
            // From the receive thread: no window, the session must not wait here.
            if (!to.empty())
                session_.publish(to, "re:" + m.payload, m.qos, false, std::numeric_limits<std::size_t>::max());
        });
        session_.connect();
        REQUIRE(session_.subscribe({request_topic}, 1) == std::vector<int>{1});
    }
    std::vector<std::string> response_topics() {
        std::lock_guard<std::mutex> lock(mutex_);
        return response_topics_;
    }
    std::vector<std::string> correlation() {
        std::lock_guard<std::mutex> lock(mutex_);
        return correlation_;
    }

private:
    static mqkit::connection_config config(const broker& b, mqkit::mqtt_version version) {
        mqkit::connection_config c;
        c.host = b.host();
        c.port = b.port();
        c.version = version;
        c.client_id = "responder";
        return c;
    }

    mqkit::session session_;
    std::string fixed_reply_;
    std::mutex mutex_;
    std::vector<std::string> response_topics_;
    std::vector<std::string> correlation_;
};

}  // namespace

TEST_CASE("mqrr: the request carries the response topic, the answer is printed", "[e2e][rr]") {
    broker b;
    responder svc(b, "svc/req");
    for (const char* qos : {"0", "1", "2"}) {
        auto r = mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-m", "ping", "-q", qos});
        INFO("QoS " << qos << ": " << describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out == "re:ping\n");
        CHECK(r.err.empty());
    }
    // MQTT v5 by default; no correlation data unless given (as mosquitto_rr).
    CHECK(svc.response_topics() == std::vector<std::string>{"svc/resp", "svc/resp", "svc/resp"});
    CHECK(svc.correlation() == std::vector<std::string>{"(none)", "(none)", "(none)"});
    auto corr = mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-m", "x", "-D", "publish", "correlation-data", "c-42"});
    CHECK(corr.out == "re:x\n");
    CHECK(svc.correlation().back() == "c-42");
    // The broker assigned the client id (mqrr sent an empty one).
    CHECK(b.log().find("New client connected from 127.0.0.1") != std::string::npos);
    CHECK(b.log().find(" as auto-") != std::string::npos);
}

TEST_CASE("mqrr: -v, -N, -F and --latency print as mosquitto_rr does", "[e2e][rr]") {
    broker b;
    responder svc(b, "svc/req");
    CHECK(mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-m", "a", "-v"}).out == "svc/resp re:a\n");
    CHECK(mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-m", "b", "-N"}).out == "re:b");
    CHECK(mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-m", "c", "-F", "%t|%p|%q"}).out == "svc/resp|re:c|0\n");
    auto l = mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-m", "d", "--latency"});
    INFO(describe(l));
    CHECK(l.exit_code == 0);
    CHECK(std::regex_match(
        l.out, std::regex("re:d\nLatency: ([0-9]+\\.[0-9]{6}(ms|\xC2\xB5s)|[0-9]+ns|[0-9]+\\.[0-9]{9})\n")));
}

TEST_CASE("mqrr: the request from -f, -s and -n", "[e2e][rr]") {
    broker b;
    responder svc(b, "svc/req");
    temp_file f(0, "from a file");
    CHECK(mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-f", f.path()}).out == "re:from a file\n");
    CHECK(mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-s"}, "all of\nstdin").out == "re:all of\nstdin\n");
    auto n = mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-n"});
    CHECK(n.exit_code == 0);
    CHECK(n.out == "re:\n");
    auto empty = mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-s"}, "");
    CHECK(empty.exit_code == 1);
    CHECK(empty.err.rfind("mqrr: error: -s/--stdin-file: standard input is empty", 0) == 0);
}

TEST_CASE("mqrr under MQTT 3.1.1: no response-topic property, the responder knows where to answer", "[e2e][rr]") {
    broker b;
    responder svc(b, "svc/req", mqkit::mqtt_version::v311, "svc/fixed");
    auto r = mqrr(b, {"-t", "svc/req", "-e", "svc/fixed", "-m", "old", "-V", "311"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "re:old\n");
    CHECK(svc.response_topics() == std::vector<std::string>{"(none)"});
}

TEST_CASE("mqrr: -W without an answer exits 27, and a retained response counts unless -R", "[e2e][rr]") {
    broker b;
    auto none = mqrr(b, {"-t", "nobody/req", "-e", "nobody/resp", "-m", "x", "-W", "1"});
    CHECK(none.exit_code == 27);
    CHECK(none.out.empty());
    CHECK(none.err == "mqrr: error: no response on 'nobody/resp' within 1 s (-W)\n");
    REQUIRE(mqpub(b, {"-t", "stale/resp", "-m", "old answer", "-r"}).exit_code == 0);
    auto retained = mqrr(b, {"-t", "stale/req", "-e", "stale/resp", "-m", "x", "-W", "5"});
    CHECK(retained.exit_code == 0);
    CHECK(retained.out == "old answer\n");
    for (const char* flag : {"-R", "--retain-handling=never"}) {
        auto skipped = mqrr(b, {"-t", "stale/req", "-e", "stale/resp", "-m", "x", "-W", "1", flag});
        INFO(flag << ": " << describe(skipped));
        CHECK(skipped.exit_code == 27);
        CHECK(skipped.out.empty());
    }
    // -R asks the broker not to send it (SUBSCRIBE options 0x20), as mosquitto_rr 2.1 does.
    auto d = mqrr(b, {"-t", "stale/req", "-e", "stale/resp", "-m", "x", "-W", "1", "-R", "-d"});
    CHECK(d.out.find("sending SUBSCRIBE (Mid: 1, Topic: stale/resp, QoS: 0, Options: 0x20)\n") != std::string::npos);
}

TEST_CASE("mqrr: refusals and lost connections", "[e2e][rr][errors]") {
    broker_options o;
    o.users = {{"alice", "secret"}};
    o.allow_anonymous = false;
    o.acl = "user alice\ntopic readwrite svc/#\n";
    broker b(o);
    auto anon = mqrr(b, {"-t", "svc/req", "-e", "svc/resp", "-m", "x"});
    CHECK(anon.exit_code == 135);  // MQTT v5 CONNACK: not authorized, as mosquitto_rr
    CHECK(anon.err.rfind("mqrr: error: not authorized", 0) == 0);
    auto waiting = std::make_unique<background_process>(
        tool("mqrr"),
        with_port(b, {"-u", "alice", "-P", "secret", "-t", "svc/req", "-e", "svc/resp", "-m", "x", "-i", "waiting"}));
    REQUIRE(b.wait_for_log("Received PUBLISH from waiting", 10s));
    b.stop();
    auto lost = waiting->wait(10s);
    INFO(describe(lost));
    CHECK(lost.exit_code == 7);
    CHECK(lost.err ==
          "mqrr: error: connection to 127.0.0.1:" + std::to_string(b.port()) + " lost before the response\n");
}

TEST_CASE("mqrr: a refused subscription to the response topic exits 1, without sending the request",
          "[e2e][rr][errors]") {
    // mosquitto 2.0 grants any SUBSCRIBE and applies its ACL when delivering: a scripted broker refuses.
    std::atomic<int> publishes{0};
    scripted_broker b([&publishes](wire& w) {
        if (!w.accept()) return;
        std::string sub = w.read_until(SUBSCRIBE);
        if (sub.empty()) return;
        w.send(packet(SUBACK << 4, u16(packet_id(sub)) + std::string(1, '\0') + "\x87"));  // v5: not authorized
        for (std::string p; !(p = w.read()).empty() && type_of(p) != DISCONNECT;)
            if (type_of(p) == PUBLISH) ++publishes;
    });
    auto r = run_tool(tool("mqrr"), {"-h", "127.0.0.1", "-p", std::to_string(b.port()), "-t", "svc/req", "-e",
                                     "elsewhere", "-m", "x", "-W", "5"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err ==
          "mqrr: error: the broker refused the subscription to the response topic 'elsewhere' (not "
          "authorized)\nmqrr: hint: check the broker's ACL for this user and the -e topic\n");
    CHECK(publishes == 0);
}

TEST_CASE("mqrr: SIGINT while waiting disconnects cleanly and exits 130", "[e2e][rr][signals]") {
    broker b;
    auto rr = std::make_unique<background_process>(
        tool("mqrr"), with_port(b, {"-t", "svc/req", "-e", "svc/resp", "-m", "x", "-i", "patient"}));
    REQUIRE(b.wait_for_log("Received PUBLISH from patient", 10s));
    rr->signal(SIGINT);
    auto r = rr->wait(10s);
    CHECK(r.exit_code == 130);
    CHECK(b.wait_for_log("Received DISCONNECT from patient", 10s));
}
