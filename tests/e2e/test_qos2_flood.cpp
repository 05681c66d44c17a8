// mqsub at QoS 2 against a broker that sends many QoS 2 messages ahead of their PUBRELs (README
// "Known Paho behaviour": Paho C walks every incoming QoS 2 message in flight for each new one; the
// QoS 2 receive index, lib/src/mqtt/workarounds/qos2_receive.cpp, answers that lookup at once).
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/scripted_broker.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

/// What the flooding broker measured.
struct flood_result {
    std::mutex mutex;
    std::condition_variable changed;
    int pubrecs = 0;
    double pubrec_seconds = -1;  // from the first PUBLISH written to the last PUBREC read
};

/// Counts the client's PUBRECs until it goes.
void count_acks(wire& w, flood_result& r) {
    for (std::string p; !(p = w.read(60s)).empty() && type_of(p) != DISCONNECT;) {
        std::lock_guard<std::mutex> lock(r.mutex);
        if (type_of(p) == PUBREC) ++r.pubrecs;
        r.changed.notify_all();
    }
}

/// Writes packets `make(1)` .. `make(n)` in batches.
template <class F>
void send_all(wire& w, int n, F make) {
    std::string batch;
    for (int id = 1; id <= n; ++id) {
        batch += make(id);
        if (batch.size() >= 64 * 1024 || id == n) {
            w.send(batch);
            batch.clear();
        }
    }
}

/// A broker that grants the subscription, writes `n` QoS 2 PUBLISHes ("reading 1" ...) at once,
/// and the PUBRELs once every PUBREC is in: what mosquitto 2.0.11 does to a QoS 2 subscriber that
/// fell behind, as many messages in flight as the test asks for.
scripted_broker::script flood(int n, flood_result& r) {
    return [n, &r](wire& w) {
        if (!w.accept()) return;
        const std::string sub = w.read_until(SUBSCRIBE);
        if (sub.empty()) return;
        w.send(w.suback(packet_id(sub), std::string(1, '\2')));
        std::thread reader([&] { count_acks(w, r); });
        const auto start = std::chrono::steady_clock::now();
        send_all(w, n, [&](int id) { return w.publish("flood", "reading " + std::to_string(id), 2, id); });
        bool all = false;
        {
            std::unique_lock<std::mutex> lock(r.mutex);
            all = r.changed.wait_for(lock, 120s, [&] { return r.pubrecs >= n; });
            if (all) r.pubrec_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        }
        if (all) send_all(w, n, [&](int id) { return w.ack(PUBREL, id); });
        reader.join();
    };
}

struct flood_run {
    run_result sub;
    double pubrec_seconds;
};

/// `mqsub -q 2 -C n` against the flooding broker.
flood_run run_flood(int n, const env_list& env = {}) {
    flood_result r;
    scripted_broker b(flood(n, r));
    auto sub = run_tool(tool("mqsub"),
                        {"-h", "127.0.0.1", "-p", std::to_string(b.port()), "-q", "2", "-t", "flood", "-C",
                         std::to_string(n), "-W", "50"},
                        {}, 55s, env);
    std::lock_guard<std::mutex> lock(r.mutex);
    return {sub, r.pubrec_seconds};
}

std::size_t lines(const std::string& s) {
    std::size_t n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

}  // namespace

TEST_CASE("mqsub -q 2 keeps up with 40000 QoS 2 messages in flight before their PUBRELs", "[e2e][reliability]") {
    // mosquitto 2.0.11 lets a QoS 2 subscriber that fell behind have tens of thousands of messages
    // in flight; Paho C's lookup of each new one walked them all, and mqsub crawled (a few hundred
    // messages a second) until -W ended it. Measured here: ~0.3 s to PUBREC all 40,000 with the
    // receive index, 10-20 s without (Paho fault test below). A build without the index is spared
    // the wait: 10,000 take it ~1 s.
#ifdef MQKIT_HAS_PROTOCOL_GUARD
    constexpr int n = 40000;
#else
    constexpr int n = 10000;
#endif
    auto run = run_flood(n);
    INFO(describe(run.sub));
    REQUIRE(run.sub.exit_code == 0);
    CHECK(lines(run.sub.out) == static_cast<std::size_t>(n));
#ifdef MQKIT_HAS_PROTOCOL_GUARD
    INFO("all PUBRECs after " << run.pubrec_seconds << " s");
    CHECK(run.pubrec_seconds >= 0);
    CHECK(run.pubrec_seconds < 5);
#endif
}

TEST_CASE("50000 lines through mqpub -l -q 2 into mqsub -q 2 three times: none stalls", "[e2e][reliability]") {
    // bench/compare.py's end-to-end scenario, against mosquitto's default in-flight quota. Before
    // the receive index, mqsub stalled in ~1 of 10 such runs (3 of 10 with the workarounds off).
#ifndef MQKIT_HAS_PROTOCOL_GUARD
    // Without the receive index mqsub keeps Paho C's fault, and on mosquitto 2.0.11 stalls in some
    // runs (README, Known Paho behaviour): the [paho-fault] test shows it where it can be compared.
    WARN("skipped: no QoS 2 receive index in this build (workarounds off)");
    return;
#endif
    constexpr int n = 50000;
#if defined(__SANITIZE_ADDRESS__)
    // Under AddressSanitizer mqsub takes 10-15 s for the 50,000: one round, with a wider limit.
    constexpr int rounds = 1, limit = 45;
#else
    constexpr int rounds = 3, limit = 15;  // each takes ~3-6 s here
#endif
    std::string input;
    for (int i = 0; i < n; ++i) input += "reading " + std::to_string(i) + "\n";
    // As bench/compare.py's broker: no limit on the messages queued for a client (mosquitto's
    // default of 1,000 drops the rest when mqsub falls behind, and it waits for them until -W).
    broker_options opts;
    opts.extra_config = "max_queued_messages 0\n";
    broker b(opts);
    for (int round = 1; round <= rounds; ++round) {
        const std::string id = "stall-" + std::to_string(round);
        auto sub =
            start_sub(b, id, {"-q", "2", "-t", "e2e/stall", "-C", std::to_string(n), "-W", std::to_string(limit)});
        auto pub = mqpub(b, {"-q", "2", "-t", "e2e/stall", "-l"}, input);
        INFO("round " << round << ": " << describe(pub));
        REQUIRE(pub.exit_code == 0);
        auto r = sub->wait(std::chrono::seconds(limit + 5));
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out == input);
    }
}

#ifdef MQKIT_HAS_PROTOCOL_GUARD
TEST_CASE("Paho fault: Paho C walks every QoS 2 message in flight for each new one (QoS 2 receive index)",
          "[e2e][paho-fault]") {
    // The flood of the test above (25,000 messages ahead of their PUBRELs), with and without the
    // index: Paho C's lookup of each new packet id walks the whole list of those in flight
    // (quadratic), so without the index the PUBRECs take many times longer (measured: 7.7 s
    // against 0.28 s; under AddressSanitizer 3.9 s against 0.44 s).
    constexpr int n = 25000;
    auto on = run_flood(n);
    auto off = run_flood(n, {{"MQKIT_PAHO_WORKAROUNDS", "off"}});
    INFO("all PUBRECs after " << on.pubrec_seconds << " s with the index, " << off.pubrec_seconds << " s without");
    INFO(describe(off.sub));
    REQUIRE(on.pubrec_seconds >= 0);
    CHECK((off.pubrec_seconds < 0 || off.pubrec_seconds > 4 * on.pubrec_seconds));
}
#endif
