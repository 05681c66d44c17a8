// End-to-end tests of tssub against the ThingSpeak stand-in: each update as it arrives (plain, CSV, JSON, one
// field), -C, -W, --stats, a reconnect, a refused subscription and bad arguments.
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/scripted_broker.hpp"
#include "support/thingspeak_standin.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <chrono>
#include <csignal>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

args reader(int port, args a, const std::string& id = "tsreader") {
    a.insert(a.begin(), {"-h", "127.0.0.1", "-p", std::to_string(port), "--no-tls", "--channel", ts::channel, "-i", id,
                         "-u", ts::device_user, "-P", ts::device_password});
    return a;
}

/// tssub in the background, returned once the broker acknowledged its subscription.
std::unique_ptr<background_process> start_tssub(thingspeak_standin& s, const ts_home& home, const args& a) {
    auto p = std::make_unique<background_process>(tool("tssub"), reader(s.port(), a), home.env());
    REQUIRE(s.mqtt().wait_for_log("Sending SUBACK to tsreader", 10s));
    return p;
}

/// One update through tspub (the stand-in's rate must allow it).
void publish(thingspeak_standin& s, const ts_home& home, const args& values) {
    args a{"-h",
           "127.0.0.1",
           "-p",
           std::to_string(s.port()),
           "--no-tls",
           "--channel",
           ts::channel,
           "--min-interval",
           "0",
           "-i",
           "tsdev",
           "-u",
           ts::device_user,
           "-P",
           ts::device_password};
    a.insert(a.end(), values.begin(), values.end());
    auto r = run_tool(tool("tspub"), a, {}, 20s, home.env());
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
}

const standin_options no_rate{0, {1, 2, 3, 4, 5, 6, 7, 8}};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("tssub: each update as it arrives, 'created_at field1=... status=\"...\"', -C ends it", "[e2e][tssub]") {
    thingspeak_standin standin(no_rate);
    ts_home home;
    auto sub = start_tssub(standin, home, {"-C", "2"});
    publish(standin, home, {"field1=23.5", "field2=41", "status=door open", "lat=47.37"});
    publish(standin, home, {"--field", "3", "-1"});
    auto r = sub->wait(10s);
    INFO(describe(r) << standin.report());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    auto entries = standin.entries();
    REQUIRE(entries.size() == 2);
    CHECK(r.out == entries[0].created_at + " field1=23.5 field2=41 latitude=47.37 status=\"door open\"\n" +
                       entries[1].created_at + " field3=-1\n");
}

TEST_CASE("tssub --csv: ThingSpeak's export columns, which tspub --stdin reads back", "[e2e][tssub][csv]") {
    thingspeak_standin standin(no_rate);
    ts_home home;
    auto sub = start_tssub(standin, home, {"--csv", "-C", "2"});
    publish(standin, home, {"field1=1.5", "field2=2,7"});
    publish(standin, home, {"field8=8", "status=say \"hi\""});
    auto r = sub->wait(10s);
    INFO(describe(r) << standin.report());
    CHECK(r.exit_code == 0);
    auto entries = standin.entries();
    REQUIRE(entries.size() == 2);
    CHECK(r.out ==
          "created_at,entry_id,field1,field2,field3,field4,field5,field6,field7,field8,latitude,longitude,elevation,"
          "status\n" +
              entries[0].created_at + ",1,1.5,\"2,7\",,,,,,,,,,\n" + entries[1].created_at +
              ",2,,,,,,,,8,,,,\"say \"\"hi\"\"\"\n");
    auto back = run_tool(tool("tspub"), {"--channel", "1", "--stdin", "--dry-run", "-i", "x", "-u", "y", "-P", "z"},
                         r.out, 20s, home.env());
    INFO(describe(back));
    CHECK(back.exit_code == 0);
    CHECK(back.out.find("payload: created_at=" + entries[0].created_at.substr(0, 10)) != std::string::npos);
    CHECK(back.out.find("&field1=1.5&field2=2%2C7\n") != std::string::npos);
    CHECK(back.out.find("&field8=8&status=say+%22hi%22\n") != std::string::npos);
}

TEST_CASE("tssub --json: one object a line, --field N: that field's raw values", "[e2e][tssub]") {
    thingspeak_standin standin(standin_options{0, {1, 2}});
    ts_home home;
    SECTION("--json") {
        auto sub = start_tssub(standin, home, {"--json", "-C", "1"});
        publish(standin, home, {"field1=1", "status=ok"});
        auto r = sub->wait(10s);
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out == "{\"channel_id\":1234567,\"created_at\":\"" + standin.entries().at(0).created_at +
                           "\",\"entry_id\":1,\"field1\":\"1\",\"field2\":null,\"status\":\"ok\"}\n");
    }
    SECTION("--field 2") {
        auto sub = start_tssub(standin, home, {"--field", "2", "-C", "2"});
        publish(standin, home, {"field1=1", "field2=two words"});
        publish(standin, home, {"field1=3"});  // no field2: nothing on .../fields/field2
        publish(standin, home, {"field2=-4"});
        auto r = sub->wait(10s);
        INFO(describe(r) << standin.report());
        CHECK(r.exit_code == 0);
        CHECK(r.out == "two words\n-4\n");
        CHECK(standin.mqtt().log().find("tsreader 0 channels/1234567/subscribe/fields/field2") != std::string::npos);
    }
}

TEST_CASE("tssub -W: exit 27 when the time runs out, as mqsub", "[e2e][tssub]") {
    thingspeak_standin standin(no_rate);
    ts_home home;
    auto r = run_tool(tool("tssub"), reader(standin.port(), {"-W", "1"}), {}, 20s, home.env());
    CHECK(r.exit_code == 27);
    CHECK(r.out.empty());
    CHECK(r.err == "tssub: error: timed out after 1 s (-W)\n");
}

TEST_CASE("tssub --stats: mqsub's live view with the channel's fields as rows", "[e2e][tssub][stats]") {
    thingspeak_standin standin(no_rate);
    ts_home home;
    auto sub = start_tssub(standin, home, {"--stats", "--interval", "0.2", "-C", "3"});
    publish(standin, home, {"field1=10", "field2=a"});
    publish(standin, home, {"field1=20"});
    publish(standin, home, {"field1=30", "field2=5"});
    auto r = sub->wait(10s);
    INFO(describe(r) << standin.report());
    CHECK(r.exit_code == 0);
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() >= 3);
    const std::string field1 = lines[lines.size() - 3], field2 = lines[lines.size() - 2], all = lines.back();
    CHECK(field1.find(" topic=\"field1\" count=3 text=0 window=3 ") != std::string::npos);
    CHECK(field1.find(" numeric=3 min=10 mean=20 max=30 last=\"30\"") != std::string::npos);
    CHECK(field2.find(" topic=\"field2\" count=2 text=1 ") != std::string::npos);
    CHECK(all.find(" all topics=2 count=5 ") != std::string::npos);
}

TEST_CASE("tssub: subscribes again after the broker restarts", "[e2e][tssub][reconnect]") {
    thingspeak_standin standin(no_rate);
    ts_home home;
    auto sub = start_tssub(standin, home, {"-C", "2"});
    publish(standin, home, {"field1=1"});
    REQUIRE(sub->wait_for_lines(1, 10s));
    standin.stop_broker();
    standin.start_broker();
    // The broker log goes on in the same file: wait for the second SUBACK to tssub.
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (count_of(standin.mqtt().log(), "Sending SUBACK to tsreader") < 2 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);  // polling the log, as broker::wait_for_log does
    REQUIRE(count_of(standin.mqtt().log(), "Sending SUBACK to tsreader") >= 2);
    publish(standin, home, {"field1=2"});
    auto r = sub->wait(10s);
    INFO(describe(r) << standin.report());
    CHECK(r.exit_code == 0);
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 2);
    CHECK(lines[1].find(" field1=2") != std::string::npos);
}

TEST_CASE("tssub: a refused subscription is exit 4, SIGINT is 130", "[e2e][tssub][errors]") {
    scripted_broker fake([](wire& w) {
        if (!w.accept()) return;
        std::string sub = w.read_until(SUBSCRIBE);
        w.send(packet(SUBACK << 4, u16(packet_id(sub)) + std::string(1, '\x80')));
    });
    ts_home home;
    auto r = run_tool(tool("tssub"), reader(fake.port(), {}), {}, 20s, home.env());
    CHECK(r.exit_code == 4);
    CHECK(r.err ==
          "tssub: error: the broker refused the subscription to channels/1234567/subscribe: the device is not "
          "authorised to subscribe to channel 1234567\ntssub: hint: authorise the MQTT device to subscribe "
          "to the channel in ThingSpeak (Devices > MQTT)\n");

    thingspeak_standin standin(no_rate);
    auto sub = start_tssub(standin, home, {});
    sub->signal(SIGINT);
    auto s = sub->wait(10s);
    CHECK(s.exit_code == 130);
    CHECK(s.err.empty());
}

TEST_CASE("tssub: credentials as tspub's, bad arguments exit 2", "[e2e][tssub][errors]") {
    ts_home home;
    auto none = run_tool(tool("tssub"), {"--channel", ts::channel}, {}, 20s, home.env());
    CHECK(none.exit_code == 3);
    CHECK(none.err.rfind("tssub: error: missing MQTT client id, username and password; looked in: -i/-u/-P, ", 0) == 0);
    const std::vector<std::pair<args, std::string>> cases{
        {{}, "tssub: error: no channel: give --channel ID or set THINGSPEAK_CHANNEL_ID\n"},
        {{"--channel", "x1"},
         "tssub: error: --channel: channel id 'x1' is not a number\ntssub: hint: a ThingSpeak channel id is digits "
         "only, "
         "e.g. 1234567\n"},
        {{"--channel", "1", "--field", "9"},
         "tssub: error: --field: field number 9 is outside 1-8\ntssub: hint: a ThingSpeak channel has "
         "field1..field8\n"},
        {{"--channel", "1", "--csv", "--json"}, "tssub: error: --csv and --json: choose one\n"},
        {{"--channel", "1", "--field", "1", "--json"},
         "tssub: error: --field prints one field's raw values; --json needs the whole feed\ntssub: hint: leave out "
         "--field\n"},
        {{"--channel", "1", "--window", "5"}, "tssub: error: --window needs --stats\n"},
        {{"--channel", "1", "--stats", "--csv"},
         "tssub: error: --csv cannot be used with --stats: the statistics replace the update output\n"},
        {{"--channel", "1", "extra"},
         "tssub: error: unexpected argument 'extra'\ntssub: hint: quote a value that "
         "holds spaces, e.g. -m 'hello world'\n"},
    };
    for (const auto& [a, expected] : cases) {
        auto r = run_tool(tool("tssub"), a, {}, 20s, home.env());
        INFO(describe(r));
        CHECK(r.exit_code == 2);
        CHECK(r.err == expected);
    }
    auto help = run_tool(tool("tssub"), {"--help"}, {}, 20s, home.env());
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("Usage: tssub --channel ID") != std::string::npos);
    CHECK(help.out.find("  27   -W: the time limit ran out") != std::string::npos);
}
