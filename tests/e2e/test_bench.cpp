// End-to-end tests of mqbench against a real mosquitto: every scenario, loss accounting, workers, merge, errors.
#include "support/broker.hpp"
#include "support/process.hpp"

#include "core/json.hpp"

#include "catch_compat.hpp"

#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;
using mqkit::json;

namespace {

args on(const broker& b, args a) {
    a.insert(a.end(), {"-h", b.host(), "-p", std::to_string(b.port()), "--no-progress"});
    return a;
}

run_result mqbench(const broker& b, args a, std::chrono::milliseconds timeout = 30s) {
    return run_tool(tool("mqbench"), on(b, std::move(a)), {}, timeout);
}

json read_json(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    auto j = json::parse(ss.str());
    REQUIRE(j);
    return *j;
}

double total(const json& r, const char* key) {
    return r.find("totals")->number_or(key, -1);
}

double loss(const json& r, const char* qos, const char* key) {
    const json* q = r.find("loss")->find(qos);
    return q ? q->number_or(key, -1) : -1;
}

}  // namespace

TEST_CASE("mqbench pubsub at QoS 1 and 2: every message arrives once, counts add up", "[e2e][bench]") {
    // Under ASan mosquitto 2.0.11 once never sent the last few dozen of 600 QoS 2 messages to each
    // subscriber, though they had completed everything sent (see no_inflight_quota).
    broker_options opts;
    opts.no_inflight_quota = true;
    broker b(opts);
    for (const char* qos : {"1", "2"}) {
        std::string file = b.dir() + "/pubsub" + qos + ".json";
        // No --rate: a rate not reached on a loaded machine makes the run "degraded" (exit 3), which
        // is not what this test is about (seen at 3000 msg/s: 2608 reached). Rates: the tests below.
        auto r = mqbench(
            b, {"pubsub", "-c", "3", "--subscribers", "2", "-q", qos, "-n", "200", "--workers", "1", "--json", file});
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.find("end to end") != std::string::npos);
        json j = read_json(file);
        CHECK(total(j, "connections") == 5);
        CHECK(total(j, "sent") == 600);
        CHECK(total(j, "acked") == 600);
        CHECK(total(j, "received") == 1200);  // each subscriber sees every publisher
        std::string key = std::string("qos") + qos;
        CHECK(loss(j, key.c_str(), "expected") == 1200);
        CHECK(loss(j, key.c_str(), "lost") == 0);
        CHECK(loss(j, key.c_str(), "duplicated") == 0);
        const json* e2e = j.find("latency")->find("e2e_latency_us");
        CHECK(e2e->number_or("count", -1) == 1200);
        CHECK(e2e->number_or("p50", -1) > 0);
        CHECK(e2e->number_or("p99", -1) >= e2e->number_or("p50", -1));
        CHECK(j.find("latency")->find("ack_latency_us")->number_or("count", -1) == 600);
        CHECK(j.find("series")->items().size() >= 1);
    }
}

TEST_CASE("mqbench pubsub with local workers merges their reports", "[e2e][bench]") {
    // Unpaced, queues build up at the broker: without the in-flight quota mosquitto 2.0.11 does
    // not strand QoS 1 messages behind it (see no_inflight_quota; 39 of 800 were, once).
    broker_options opts;
    opts.no_inflight_quota = true;
    broker b(opts);
    std::string file = b.dir() + "/workers.json";
    std::string csv = b.dir() + "/workers.csv";
    std::string svg = b.dir() + "/workers.svg";
    // No --rate, as above: the merge is what this test is about.
    auto r = mqbench(b, {"-c", "4", "--subscribers", "2", "-q", "1", "-n", "100", "--workers", "2", "--json", file,
                         "--csv", csv, "--plot", svg});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json j = read_json(file);
    CHECK(j.number_or("processes", -1) == 2);
    CHECK(total(j, "sent") == 400);
    CHECK(total(j, "received") == 800);
    CHECK(loss(j, "qos1", "lost") == 0);
    CHECK(j.find("publishers")->items().size() == 4);
    CHECK(j.find("subscribers")->items().size() == 2);
    std::ifstream c(csv);
    std::string header;
    std::getline(c, header);
    CHECK(header.rfind("t_s,unix_s,connections", 0) == 0);
    std::ifstream s(svg);
    std::string first;
    std::getline(s, first);
    CHECK(first.rfind("<svg", 0) == 0);
    CHECK(b.log().find("mqbench-") != std::string::npos);
}

TEST_CASE("mqbench pub: QoS 1 publishes are all acknowledged, with latency", "[e2e][bench]") {
    broker b;
    std::string file = b.dir() + "/pub.json";
    auto r = mqbench(b, {"pub", "-c", "2", "-q", "1", "-n", "150", "-t", "bench/%c", "--json", file});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json j = read_json(file);
    CHECK(total(j, "sent") == 300);
    CHECK(total(j, "acked") == 300);
    CHECK(total(j, "publish_failures") == 0);
    CHECK(j.find("latency")->find("ack_latency_us")->number_or("count", -1) == 300);
    const auto& pubs = j.find("publishers")->items();
    REQUIRE(pubs.size() == 2);
    CHECK(pubs[0].items()[1].as_string().rfind("bench/mqbench-", 0) == 0);  // %c is the client id
    CHECK(pubs[0].items()[3].as_number() == 150);
}

TEST_CASE("mqbench sub counts what a separate mqbench pub sends", "[e2e][bench]") {
    broker b;
    std::string file = b.dir() + "/sub.json";
    background_process sub(tool("mqbench"), on(b, {"sub", "-c", "2", "-t", "load/#", "-n", "50", "-q", "1", "--prefix",
                                                   "e2esub", "--workers", "1", "--json", file}));
    REQUIRE(b.wait_for_log("Sending SUBACK to e2esub-s0", 10s));
    REQUIRE(b.wait_for_log("Sending SUBACK to e2esub-s1", 10s));
    auto pub = mqbench(b, {"pub", "-c", "1", "-n", "50", "-q", "1", "-t", "load/%i", "-s", "64"});
    INFO(describe(pub));
    REQUIRE(pub.exit_code == 0);
    auto r = sub.wait(20s);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json j = read_json(file);
    CHECK(total(j, "received") == 100);
    CHECK(total(j, "foreign_received") == 0);
    CHECK(j.find("latency")->find("e2e_latency_us")->number_or("count", -1) == 100);
}

TEST_CASE("mqbench conn opens every connection and reports memory", "[e2e][bench]") {
    broker b;
    std::string file = b.dir() + "/conn.json";
    auto r = mqbench(b, {"conn", "-c", "60", "--workers", "2", "--json", file});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("connect rate") != std::string::npos);
    json j = read_json(file);
    CHECK(total(j, "connections") == 60);
    CHECK(total(j, "connect_failures") == 0);
    CHECK(total(j, "rss_bytes") > 0);
    CHECK(j.find("latency")->find("connect_latency_us")->number_or("count", -1) == 60);
}

TEST_CASE("mqbench with two workers: each worker's drain waits for every message meant for it", "[e2e][bench]") {
    // The parent tells each worker how many messages its subscribers are due ("drain N"), from
    // the filters and publisher counts the workers report. It used to ignore both and send
    // "drain 0": subscribers stopped at once and messages on their way were counted as lost
    // (7,215 of 40,000 here; found on armhf). No broker limit drops anything.
    broker_options opts;
    opts.no_inflight_quota = true;
    opts.extra_config = "max_queued_messages 0\n";
    broker b(opts);
    for (int round = 0; round < 3; ++round) {
        std::string file = b.dir() + "/drain" + std::to_string(round) + ".json";
        auto r = mqbench(b, {"pubsub", "-c", "40", "--subscribers", "2", "-q", "1", "-n", "500", "--workers", "2",
                             "--prefix", "drain" + std::to_string(round), "--json", file});
        INFO("round " << round << ": " << describe(r));
        REQUIRE(r.exit_code == 0);
        json j = read_json(file);
        CHECK(total(j, "received") == 40000);
        CHECK(loss(j, "qos1", "expected") == 40000);
        CHECK(loss(j, "qos1", "lost") == 0);
    }
}

TEST_CASE("mqbench merge of two host parts equals one combined run", "[e2e][bench]") {
    broker b;
    // Publisher i pairs with subscriber i, so each part is complete on its own. No --rate: a rate
    // not reached on a loaded machine would make a part "degraded" (exit 3), which is not what
    // this test is about.
    args common{"-c", "4",  "--subscribers", "4", "-t", "pair/%i", "--filter", "pair/%i", "-q", "1",
                "-n", "80", "--workers",     "1"};
    auto part = [&](const std::string& name, args extra) {
        args a = common;
        a.insert(a.end(), extra.begin(), extra.end());
        a.insert(a.end(), {"--json", b.dir() + "/" + name});
        return mqbench(b, a);
    };
    auto a = part("a.json", {"--worker-index", "0", "--worker-count", "2"});
    INFO(describe(a));
    REQUIRE(a.exit_code == 0);
    auto c = part("b.json", {"--worker-index", "1", "--worker-count", "2"});
    INFO(describe(c));
    REQUIRE(c.exit_code == 0);
    auto whole = part("whole.json", {});
    INFO(describe(whole));
    REQUIRE(whole.exit_code == 0);

    std::string merged = b.dir() + "/merged.json";
    auto m = run_tool(tool("mqbench"), {"merge", b.dir() + "/a.json", b.dir() + "/b.json", "--json", merged});
    INFO(describe(m));
    REQUIRE(m.exit_code == 0);
    CHECK(m.out.find("2 processes") != std::string::npos);
    json mj = read_json(merged);
    json wj = read_json(b.dir() + "/whole.json");
    CHECK(read_json(b.dir() + "/a.json").find("totals")->number_or("sent", -1) == 160);
    for (const char* key : {"connections", "sent", "acked", "received", "connect_failures"}) {
        INFO(key);
        CHECK(total(mj, key) == total(wj, key));
    }
    CHECK(loss(mj, "qos1", "expected") == loss(wj, "qos1", "expected"));
    CHECK(loss(mj, "qos1", "expected") == 320);
    CHECK(loss(mj, "qos1", "lost") == 0);
    CHECK(mj.find("latency")->find("e2e_latency_us")->number_or("count", -1) == 320);
    CHECK(mj.find("publishers")->items().size() == 4);
}

TEST_CASE("mqbench errors: unreachable broker, bad arguments, bad reports", "[e2e][bench]") {
    int port = broker::free_port();
    std::string dir = "/tmp";
    std::string file = dir + "/mqbench-e2e-unreachable-" + std::to_string(port) + ".json";
    auto r = run_tool(tool("mqbench"), {"pub", "-h", "127.0.0.1", "-p", std::to_string(port), "-c", "2", "-n", "1",
                                        "--workers", "1", "--no-progress", "--json", file});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("mqbench: error: cannot connect to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
    json j = read_json(file);  // the partial report is still written
    CHECK(j.find("status")->number_or("exit_code", -1) == 1);
    CHECK(j.find("totals")->number_or("connect_failures", -1) == 2);
    std::remove(file.c_str());

    auto bad = run_tool(tool("mqbench"), {"bogus"});
    CHECK(bad.exit_code == 1);
    CHECK(bad.err ==
          "mqbench: error: unknown scenario 'bogus'\n"
          "mqbench: hint: use pubsub, pub, sub, conn or merge as the first word\n");
    auto help = run_tool(tool("mqbench"), {"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--worker-count") != std::string::npos);

    auto missing = run_tool(tool("mqbench"), {"merge", "/nonexistent/x.json"});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.rfind("mqbench: error: cannot read '/nonexistent/x.json'", 0) == 0);
}

TEST_CASE("mqbench: a broker connection limit and a low fd limit are reported", "[e2e][bench]") {
    broker_options opts;
    opts.extra_config = "max_connections 5\n";
    broker b(opts);
    std::string file = b.dir() + "/limit.json";
    auto r = mqbench(b, {"conn", "-c", "12", "--workers", "1", "--json", file});
    INFO(describe(r) + b.log());
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("mqbench: error: ") != std::string::npos);
    CHECK(r.err.find("connections failed") != std::string::npos);
    json j = read_json(file);
    CHECK(total(j, "connections") + total(j, "connect_failures") == 12);
    CHECK(total(j, "connect_failures") >= 7);

    auto fd = run_tool("/bin/sh", {"-c",
                                   "ulimit -n 40 && ulimit -Hn 40 && exec \"$0\" conn -c 200 --workers 1 "
                                   "--no-progress -h 127.0.0.1 -p " +
                                       std::to_string(b.port()),
                                   tool("mqbench")});
    INFO(describe(fd));
    CHECK(fd.exit_code == 1);
    CHECK(fd.err.find("mqbench: error: file descriptor limit too low") != std::string::npos);
    CHECK(fd.err.find("mqbench: hint: ") != std::string::npos);
}

TEST_CASE("mqbench: SIGINT or SIGTERM ends a run early with its results written (130/143)", "[e2e][bench]") {
    // SIGINT through the parent of two worker processes, SIGTERM to a single process (its engine
    // reports the stop itself): each says which signal it was.
    for (auto [sig, code, said, not_said, workers] : {std::tuple{SIGINT, 130, "interrupted", "terminated", 2},
                                                      std::tuple{SIGTERM, 143, "terminated", "interrupted", 1}}) {
        broker b;
        std::string file = b.dir() + "/stop.json";
        background_process run(tool("mqbench"),
                               on(b, {"pubsub", "-c", "2", "-q", "1", "--rate", "200", "--duration", "60", "--workers",
                                      std::to_string(workers), "--prefix", "stop", "--json", file}));
        REQUIRE(b.wait_for_log("as stop-p1 ", 10s));
        REQUIRE(b.wait_for_log("as stop-p0 ", 10s));
        run.signal(sig);
        auto r = run.wait(20s);
        INFO(said << ": " << describe(r));
        CHECK(r.exit_code == code);
        CHECK(r.err.find(std::string("mqbench: error: ") + said) != std::string::npos);
        CHECK(r.err.find(not_said) == std::string::npos);
        json j = read_json(file);
        CHECK(j.number_or("processes", -1) == workers);
        CHECK(total(j, "connections") == 3);
        CHECK(j.find("status")->number_or("exit_code", -1) == code);
    }
}

TEST_CASE("mqbench: a rate it cannot reach is an error, with the report written", "[e2e][bench]") {
    broker b;
    std::string file = b.dir() + "/rate.json";
    // One QoS 2 publisher with one message in flight cannot do a million messages a second.
    auto r = mqbench(b, {"pub", "-c", "1", "-q", "2", "--inflight", "1", "--rate", "1000000", "--duration", "1",
                         "--workers", "1", "--json", file});
    INFO(describe(r));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("mqbench: error: target rate not reached") != std::string::npos);
    json j = read_json(file);
    CHECK(total(j, "sent") > 0);
    CHECK(total(j, "target_rate_msg_per_s") == 1000000);
    CHECK(j.find("status")->number_or("exit_code", -1) == 3);
}

TEST_CASE("mqbench: user name and password reach every worker, a wrong one is refused", "[e2e][bench]") {
    broker_options opts;
    opts.users = {{"bench", "s3cret"}};
    opts.allow_anonymous = false;
    broker b(opts);
    auto ok = mqbench(b, {"conn", "-c", "6", "--workers", "2", "-u", "bench", "-P", "s3cret"});
    INFO(describe(ok));
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("6  of 6 attempted") != std::string::npos);
    CHECK(ok.out.find("s3cret") == std::string::npos);
    CHECK(ok.err.find("s3cret") == std::string::npos);

    auto env = run_tool(tool("mqbench"), on(b, {"conn", "-c", "4", "--workers", "2", "-u", "bench"}), {}, 30s,
                        {{"MQKIT_PASSWORD", "s3cret"}});
    INFO(describe(env));
    CHECK(env.exit_code == 0);

    auto bad = mqbench(b, {"conn", "-c", "3", "--workers", "1", "-u", "bench", "-P", "wrong"});
    INFO(describe(bad));
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("mqbench: error: cannot connect to 127.0.0.1:") != std::string::npos);
    CHECK(bad.err.find("wrong") == std::string::npos);
    CHECK(bad.out.find("3 x ") != std::string::npos);  // failures by reason
}

TEST_CASE("mqbench --warmup leaves the first messages out of the latency figures only", "[e2e][bench]") {
    broker b;
    std::string file = b.dir() + "/warmup.json";
    auto r = mqbench(b, {"-c", "2", "-q", "1", "--rate", "400", "--duration", "2", "--warmup", "1", "--workers", "1",
                         "--json", file});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json j = read_json(file);
    double sent = total(j, "sent");
    double measured = j.find("latency")->find("e2e_latency_us")->number_or("count", -1);
    CHECK(sent > 600);
    CHECK(total(j, "received") == sent);  // loss accounting still covers every message
    CHECK(loss(j, "qos1", "lost") == 0);
    CHECK(measured > 0.25 * sent);
    CHECK(measured < 0.75 * sent);
}

TEST_CASE("mqbench pubsub over TLS with --cafile: every QoS 1 message arrives", "[e2e][bench][tls]") {
    broker_options o;
    o.tls = true;
    broker b(o);
    std::string file = b.dir() + "/tls.json";
    auto r = run_tool(tool("mqbench"),
                      {"pubsub",
                       "-h",
                       "127.0.0.1",
                       "-p",
                       std::to_string(b.tls_port()),
                       "--cafile",
                       b.ca_file(),
                       "--no-progress",
                       "-c",
                       "2",
                       "--subscribers",
                       "1",
                       "-q",
                       "1",
                       "-n",
                       "100",
                       "--rate",
                       "2000",
                       "--workers",
                       "1",
                       "--json",
                       file},
                      {}, 30s);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json j = read_json(file);
    CHECK(j.find("config")->find("tls")->as_bool());
    CHECK(total(j, "sent") == 200);
    CHECK(total(j, "received") == 200);
    CHECK(loss(j, "qos1", "lost") == 0);
    // A CA that did not sign the broker's certificate: no connection at all, exit 1.
    auto bad = run_tool(tool("mqbench"),
                        {"pubsub", "-h", "127.0.0.1", "-p", std::to_string(b.tls_port()), "--cafile", b.other_ca_file(),
                         "--no-progress", "-c", "1", "-n", "1", "--workers", "1"},
                        {}, 30s);
    INFO(describe(bad));
    CHECK(bad.exit_code == 1);
}
