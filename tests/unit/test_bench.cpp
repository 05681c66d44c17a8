// Unit tests of mqbench's pure parts: histogram and percentiles, pacer, templates, stamps, sequence tracking,
// report JSON and merge, and the command line; and set_nodelay() on this process's own loopback sockets.
#include "bench/bench.hpp"
#include "bench/bench_engine.hpp"
#include "loopback.hpp"
#include "mqkit/error.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "catch_compat.hpp"

#include <algorithm>
#include <cmath>
#include <random>

using namespace mqkit;
using namespace mqkit::bench;

TEST_CASE("histogram: small values are exact and percentiles follow the nearest-rank rule", "[bench][histogram]") {
    histogram h;
    for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
    CHECK(h.count() == 100);
    CHECK(h.min() == 1);
    CHECK(h.max() == 100);
    CHECK(h.mean() == Approx(50.5));
    CHECK(h.percentile(50) == 50);
    CHECK(h.percentile(90) == 90);
    CHECK(h.percentile(99) == 99);
    CHECK(h.percentile(99.9) == 100);
    CHECK(h.percentile(100) == 100);
    CHECK(h.percentile(0) == 1);
    CHECK(histogram{}.percentile(50) == 0);
}

TEST_CASE("histogram: buckets tile the range and keep every value within 1/64", "[bench][histogram]") {
    for (std::size_t i = 0; i + 1 < histogram::index_of(histogram::max_value) + 1; ++i) {
        INFO(i);
        REQUIRE(histogram::lowest_of(i + 1) == histogram::highest_of(i) + 1);
        REQUIRE(histogram::index_of(histogram::lowest_of(i)) == i);
        REQUIRE(histogram::index_of(histogram::highest_of(i)) == i);
    }
    for (std::uint64_t v : {127ULL, 128ULL, 1000ULL, 123456ULL, 9876543ULL, 4000000000ULL}) {
        std::size_t i = histogram::index_of(v);
        CHECK(histogram::lowest_of(i) <= v);
        CHECK(histogram::highest_of(i) >= v);
        double width = static_cast<double>(histogram::highest_of(i) - histogram::lowest_of(i) + 1);
        CHECK(width / static_cast<double>(v) <= 1.0 / 64 + 1e-12);
    }
    histogram big;
    big.record(histogram::max_value * 4);
    CHECK(big.max() == histogram::max_value);
}

TEST_CASE("histogram: percentiles of a large sample stay within the bucket error", "[bench][histogram]") {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(7.0, 1.0);  // around 1 ms in microseconds
    std::vector<std::uint64_t> values;
    histogram h;
    for (int i = 0; i < 200000; ++i) {
        auto v = static_cast<std::uint64_t>(dist(rng));
        values.push_back(v);
        h.record(v);
    }
    std::sort(values.begin(), values.end());
    for (double q : {50.0, 90.0, 99.0, 99.9}) {
        auto rank = static_cast<std::size_t>(std::ceil(q / 100 * static_cast<double>(values.size())));
        double exact = static_cast<double>(values[rank - 1]);
        INFO(q);
        CHECK(static_cast<double>(h.percentile(q)) >= exact);
        CHECK(static_cast<double>(h.percentile(q)) <= exact * (1 + 1.0 / 64) + 1);
    }
    CHECK(h.max() == values.back());
}

TEST_CASE("histogram: merging equals recording everything in one, and JSON round-trips", "[bench][histogram]") {
    histogram a, b, all;
    for (std::uint64_t v = 0; v < 5000; v += 7) {
        (v % 2 ? a : b).record(v * 13);
        all.record(v * 13);
    }
    histogram m = a;
    m.merge(b);
    CHECK(m.count() == all.count());
    CHECK(m.min() == all.min());
    CHECK(m.max() == all.max());
    CHECK(m.buckets() == all.buckets());
    for (double q : {1.0, 50.0, 99.0, 99.9}) CHECK(m.percentile(q) == all.percentile(q));

    histogram back = histogram::from_json(all.to_json());
    CHECK(back.buckets() == all.buckets());
    CHECK(back.percentile(99) == all.percentile(99));
    CHECK(back.mean() == Approx(all.mean()));

    json bad = *json::parse(R"({"count":3,"min":0,"max":0,"sum":0,"buckets":[[1,2]]})");
    CHECK_THROWS_AS(histogram::from_json(bad), error);  // count does not match the buckets
    CHECK_THROWS_AS(histogram::from_json(*json::parse(R"({"count":1,"buckets":[["x",1]]})")), error);
}

TEST_CASE("histogram: values recorded high first then low, or merged from apart, land in their buckets",
          "[bench][histogram]") {
    // The histogram holds only the buckets between its lowest and highest value: recording below
    // that range, or merging one that lies above or below it, must widen it without moving a count.
    const std::vector<std::uint64_t> high = {50'000, 50'100, 61'000, 4'000'000};
    const std::vector<std::uint64_t> low = {3, 127, 128, 900};
    histogram h, all, up, down, hi, lo;
    for (auto v : high) h.record(v), all.record(v), hi.record(v);
    for (auto v : low) h.record(v), all.record(v, 1), lo.record(v);
    up = lo;
    up.merge(hi);
    down = hi;
    down.merge(lo);
    for (const histogram* m : {&h, &up, &down}) {
        CHECK(m->buckets() == all.buckets());
        CHECK(m->count() == 8);
        CHECK(m->min() == 3);
        CHECK(m->max() == 4'000'000);
        CHECK(m->percentile(50) == all.percentile(50));
        CHECK(m->percentile(100) == 4'000'000);
    }
    CHECK(all.percentile(50) / 8 == 900 / 8);  // 900's bucket: 896-903
    CHECK(all.buckets().front() == std::pair<std::uint64_t, std::uint64_t>{3, 1});
    CHECK(histogram::from_json(down.to_json()).buckets() == all.buckets());
    histogram empty;
    empty.merge(histogram{});
    CHECK(empty.count() == 0);
    CHECK(empty.percentile(50) == 0);
}

TEST_CASE("pacer: events are evenly spaced, with a linear ramp first", "[bench][pacer]") {
    pacer flat(100, 0);
    CHECK(flat.due(0) == 0);
    CHECK(flat.due(1) == Approx(0.01));
    CHECK(flat.due(250) == Approx(2.5));
    CHECK(flat.due_by(0) == 1);
    CHECK(flat.due_by(1.0) == 101);
    CHECK(flat.due_by(-1) == 0);

    pacer ramp(100, 2);  // 0 -> 100/s over 2 s: 100 events during the ramp
    CHECK(ramp.due(100) == Approx(2.0));
    CHECK(ramp.due(25) == Approx(1.0));  // N(t) = 25 t^2
    CHECK(ramp.due(200) == Approx(3.0));
    for (std::uint64_t n : {1ULL, 10ULL, 99ULL, 100ULL, 150ULL, 1000ULL}) CHECK(ramp.due_by(ramp.due(n)) >= n + 1);
    CHECK(ramp.due_by(1.0) == 26);
    CHECK(pacer(0, 0).unlimited());
}

TEST_CASE("topic templates: %i, %c, %% and the default filter", "[bench][template]") {
    CHECK(expand_template("bench/%i", 7, "id") == "bench/7");
    CHECK(expand_template("a/%c/%i/%%", 3, "mqbench-1-p3") == "a/mqbench-1-p3/3/%");
    CHECK(expand_template("plain", 1, "x") == "plain");
    CHECK(template_problem("bench/%i").empty());
    CHECK(template_problem("bench/%x") == "unknown placeholder '%x' (use %i client index, %c client id, %% percent)");
    CHECK_FALSE(template_problem("bench/%").empty());
    CHECK(default_filter("mqbench/%i") == "mqbench/#");
    CHECK(default_filter("a/b/%c/x") == "a/b/#");
    CHECK(default_filter("%i/x") == "#");
    CHECK(default_filter("fixed/topic") == "fixed/topic");
}

TEST_CASE("payload stamps round-trip and foreign payloads are recognised", "[bench][stamp]") {
    std::string payload(40, 'x');
    write_stamp(payload, stamp{12345, 0x0102030405060708ULL, 1732526954123456ULL, true});
    auto s = read_stamp(payload);
    REQUIRE(s);
    CHECK(s->publisher == 12345);
    CHECK(s->seq == 0x0102030405060708ULL);
    CHECK(s->sent_us == 1732526954123456ULL);
    CHECK(s->warmup);
    CHECK(payload.substr(24) == std::string(16, 'x'));
    CHECK_FALSE(read_stamp("hello world, not a stamp at all"));
    CHECK_FALSE(read_stamp(payload.substr(0, 23)));
}

TEST_CASE("sequence tracker: fresh, out of order and duplicate", "[bench][seq]") {
    seq_tracker t;
    using v = seq_tracker::verdict;
    CHECK(t.see(0) == v::fresh);
    CHECK(t.see(1) == v::fresh);
    CHECK(t.see(1) == v::duplicate);
    CHECK(t.see(5) == v::fresh);  // 2, 3, 4 missing
    CHECK(t.see(3) == v::out_of_order);
    CHECK(t.see(3) == v::duplicate);
    CHECK(t.see(2) == v::out_of_order);
    CHECK(t.see(4) == v::out_of_order);
    CHECK(t.see(0) == v::duplicate);
    CHECK(t.see(6) == v::fresh);
    CHECK(t.unique() == 7);
    seq_tracker late;
    CHECK(late.see(3) == v::fresh);  // 0-2 not seen (yet)
    CHECK(late.see(0) == v::out_of_order);
    CHECK(late.unique() == 2);
}

namespace {

report sample_report(std::int64_t start_s, std::uint64_t sent, std::uint64_t received, long pub_index) {
    report r;
    r.config = json::object();
    r.config.add("mode", json::string("pubsub"));
    r.start_us = start_s * 1000000;
    r.measure_start_us = r.start_us + 100000;
    r.measure_end_us = r.start_us + 2100000;
    r.end_us = r.start_us + 2500000;
    r.connect_attempts = 2;
    r.connects = 2;
    r.connect_span_us = 50000;
    r.sent = sent;
    r.acked = sent;
    r.received = received;
    r.rss_delta_bytes = 40960;
    r.errors["connection lost"] = 1;
    r.connect_failures["refused"] = 1;
    for (std::uint64_t i = 0; i < received; ++i) r.e2e_latency.record(100 + i * 3);
    r.ack_latency.record(50);
    r.connect_latency.record(2000);
    for (int s = 0; s < 3; ++s) {
        second_sample x;
        x.unix_s = start_s + s;
        x.sent = sent / 3;
        x.received = received / 3;
        x.connections = 2;
        x.latency.record(static_cast<std::uint64_t>(100 * (s + 1)));
        r.series.push_back(x);
    }
    r.publishers.push_back({pub_index, "t/" + std::to_string(pub_index), 1, sent});
    subscriber_record sub{pub_index, "t/#", 1, {}};
    sub.counts.unique[1] = received;
    sub.counts.duplicated[1] = 1;
    r.subscribers.push_back(sub);
    return r;
}

}  // namespace

TEST_CASE("report: loss per QoS comes from publishers and matching subscribers", "[bench][report]") {
    report r;
    r.publishers = {{0, "a/0", 1, 100}, {1, "a/1", 1, 50}, {2, "b/2", 0, 70}};
    subscriber_record s0{0, "a/#", 1, {}};
    s0.counts.unique[1] = 148;
    s0.counts.out_of_order[1] = 3;
    subscriber_record s1{1, "#", 2, {}};
    s1.counts.unique[1] = 150;
    s1.counts.unique[0] = 60;
    s1.counts.duplicated[0] = 2;
    r.subscribers = {s0, s1};
    auto loss = r.loss();
    REQUIRE(loss.size() == 2);
    CHECK(loss[1].expected == 300);
    CHECK(loss[1].received == 298);
    CHECK(loss[1].lost == 2);
    CHECK(loss[1].out_of_order == 3);
    CHECK(loss[0].expected == 70);
    CHECK(loss[0].lost == 10);
    CHECK(loss[0].duplicated == 2);
}

TEST_CASE("report: JSON round trip keeps everything merge needs", "[bench][report]") {
    report r = sample_report(1700000000, 300, 300, 0);
    json j = r.to_json();
    CHECK(j.find("totals")->number_or("sent", -1) == 300);
    CHECK(j.find("totals")->number_or("sent_rate_msg_per_s", -1) == Approx(150));
    CHECK(j.find("totals")->number_or("rss_per_connection_bytes", -1) == 20480);
    CHECK(j.find("latency")->find("e2e_latency_us")->number_or("p50", -1) ==
          static_cast<double>(r.e2e_latency.percentile(50)));
    CHECK(j.find("loss")->find("qos1")->number_or("lost", -1) == 0);
    report back = report::from_json(*json::parse(j.dump()));
    CHECK(back.to_json().dump() == j.dump());
    CHECK_THROWS_AS(report::from_json(*json::parse(R"({"hello":1})")), error);
}

TEST_CASE("merge: counts add, histograms merge and seconds line up", "[bench][report]") {
    report a = sample_report(1700000000, 300, 300, 0);
    report b = sample_report(1700000001, 600, 597, 1);
    report m = merge({a, b});
    CHECK(m.processes == 2);
    CHECK(m.sent == 900);
    CHECK(m.received == 897);
    CHECK(m.connects == 4);
    CHECK(m.errors.at("connection lost") == 2);
    CHECK(m.connect_failures.at("refused") == 2);
    CHECK(m.rss_delta_bytes == 81920);
    CHECK(m.start_us == a.start_us);
    CHECK(m.end_us == b.end_us);
    histogram all = a.e2e_latency;
    all.merge(b.e2e_latency);
    CHECK(m.e2e_latency.buckets() == all.buckets());
    CHECK(m.e2e_latency.percentile(99) == all.percentile(99));
    REQUIRE(m.series.size() == 4);  // seconds 0-2 and 1-3 overlap in 1 and 2
    CHECK(m.series[0].sent == 100);
    CHECK(m.series[1].sent == 300);
    CHECK(m.series[1].connections == 4);
    CHECK(m.series[1].latency.count() == 2);
    CHECK(m.series[3].sent == 200);
    // Subscriber 0 (t/#) sees both publishers, subscriber 1 too: 2 x 900 expected.
    auto loss = m.loss();
    CHECK(loss[1].expected == 1800);
    CHECK(loss[1].received == 897);
    // Merging the JSON forms gives the same as merging the reports.
    report mj = merge({report::from_json(a.to_json()), report::from_json(b.to_json())});
    CHECK(mj.to_json().dump() == m.to_json().dump());
}

TEST_CASE("report renderings: CSV, summary, histogram text, SVG", "[bench][report]") {
    report r = sample_report(1700000000, 300, 300, 0);
    std::string csv = series_csv(r);
    CHECK(csv.rfind("t_s,unix_s,connections,", 0) == 0);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 4);
    CHECK(csv.find("\n2,1700000002,2,0,0,100,0,100,0,300,300\n") != std::string::npos);
    std::string text = summary_text(r);
    CHECK(text.find("mqbench pubsub") != std::string::npos);
    CHECK(text.find("lost (QoS 1)") != std::string::npos);
    CHECK(text.find("end to end") != std::string::npos);
    std::string bars = histogram_text(r.e2e_latency, "e2e");
    CHECK(bars.find('#') != std::string::npos);
    CHECK(histogram_text(histogram{}, "empty").empty());
    std::string svg = plot_svg(r);
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(svg.find("<polyline") != std::string::npos);
    CHECK(human_us(850) == "850us");
    CHECK(human_us(1250) == "1.25ms");
    CHECK(human_us(2500000) == "2.50s");
}

namespace {

bench_config parse(std::vector<std::string> args) {
    return parse_bench(args, nullptr, process_identity{4242, "host"}).config;
}

std::string parse_error(std::vector<std::string> args) {
    try {
        parse_bench(args, nullptr, process_identity{4242, "host"});
    } catch (const usage_error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("mqbench command line: scenario word, defaults and emqtt-bench letters", "[bench][cli]") {
    bench_config d = parse({});
    CHECK(d.kind == mode::pubsub);
    CHECK(d.clients == 10);
    CHECK(d.subscribers == 1);
    CHECK(d.duration == 10);
    CHECK(d.topic == "mqbench/%i");
    CHECK(d.filter == "mqbench/#");
    CHECK(d.prefix == "mqbench-4242");
    CHECK(d.workers == 0);
    CHECK(d.conn.host == "localhost");

    bench_config p = parse({"pub", "-c", "5",   "-q", "2",         "-s", "10",   "-r", "-t", "x/%c",       "-n",
                            "7",   "-I", "100", "-h", "127.0.0.1", "-p", "1884", "-V", "5",  "--inflight", "8"});
    CHECK(p.kind == mode::pub);
    CHECK(p.clients == 5);
    CHECK(p.qos == 2);
    CHECK(p.size == 10);
    CHECK(p.retain);
    CHECK(p.count == 7);
    CHECK(p.duration == 0);
    CHECK(p.rate == Approx(50));  // 5 clients every 100 ms
    CHECK(p.conn.port == 1884);
    CHECK(p.conn.version == mqtt_version::v5);
    CHECK(p.inflight == 8);

    bench_config s = parse({"sub", "-t", "a/+/b", "-c", "3"});
    CHECK(s.kind == mode::sub);
    CHECK(s.topic == "a/+/b");
    CHECK(s.duration == 0);
    CHECK(parse({"sub"}).topic == "mqbench/#");

    bench_config c = parse({"conn", "-c", "100", "--rate", "50", "--duration=2"});
    CHECK(c.connect_rate == 50);
    CHECK(c.duration == 2);

    bench_config w = parse({"--worker-index", "2", "--worker-count", "3", "--workers", "4"});
    CHECK(w.worker_index == 2);
    CHECK(w.worker_count == 3);
    CHECK(w.workers == 4);

    bench_config m = parse({"merge", "a.json", "--json", "out.json", "b.json"});
    CHECK(m.kind == mode::merge);
    CHECK(m.merge_files == std::vector<std::string>{"a.json", "b.json"});
    CHECK(m.json_file == "out.json");

    CHECK(parse_bench({"pub", "--help"}).action == cli_action::help);
}

TEST_CASE("mqbench command line: bad input names the flag", "[bench][cli]") {
    CHECK(parse_error({"bogus"}) == "unknown scenario 'bogus'");
    CHECK(parse_error({"-s", "10"}).find("pubsub needs at least 24 bytes") != std::string::npos);
    CHECK(parse_error({"-c", "0"}) == "-c/--clients: 0 is out of range (1-1000000)");
    CHECK(parse_error({"-I", "10", "--rate", "5"}).find("give one") != std::string::npos);
    CHECK(parse_error({"--ramp-up", "5"}).find("--ramp-up needs a rate") != std::string::npos);
    CHECK(parse_error({"--worker-index", "3", "--worker-count", "3"}).find("is not below") != std::string::npos);
    CHECK(parse_error({"-t", "a/%q"}).find("unknown placeholder '%q'") != std::string::npos);
    CHECK(parse_error({"pub", "-t", "a/+"}).find("invalid topic") != std::string::npos);
    CHECK(parse_error({"-q", "3"}) == "-q/--qos: invalid QoS '3' (use 0, 1 or 2)");
    CHECK(parse_error({"--duration", "abc"}) == "--duration: 'abc' is not a number");
    CHECK(parse_error({"merge"}).find("no report files") != std::string::npos);
    CHECK(parse_error({"sub", "--subscribers", "3"}).find("--subscribers is for pubsub") != std::string::npos);
    CHECK(parse_error({"-i", "x"}).find("unknown option '-i'") != std::string::npos);
}

TEST_CASE("mqbench set_nodelay: TCP_NODELAY on exactly this process's sockets connected to the port",
          "[bench][nodelay]") {
    // Two loopback listeners; a client connected to each; the accepted ends stay open too.
    auto nodelay = [](int fd) {
        int on = -1;
        socklen_t len = sizeof on;
        REQUIRE(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0);
        return on != 0;
    };
    sockaddr_in broker{}, other{};
    const int broker_listener = mqkit_test::loopback_listener(broker);
    const int other_listener = mqkit_test::loopback_listener(other);
    const int to_broker = mqkit_test::connect_to(broker);
    const int to_other = mqkit_test::connect_to(other);
    const int accepted = ::accept4(broker_listener, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(accepted >= 0);
    // Far above the first descriptors, as with thousands of connections.
    const int high = ::fcntl(to_broker, F_DUPFD_CLOEXEC, 900);
    REQUIRE(high >= 900);
    REQUIRE_FALSE(nodelay(to_broker));

    mqkit::bench::detail::set_nodelay(ntohs(broker.sin_port));

    CHECK(nodelay(to_broker));
    CHECK(nodelay(high));
    CHECK_FALSE(nodelay(to_other));  // another port
    CHECK_FALSE(nodelay(accepted));  // its peer is the client's port, not the broker's
    for (int fd : {high, accepted, to_other, to_broker, other_listener, broker_listener}) ::close(fd);
}
