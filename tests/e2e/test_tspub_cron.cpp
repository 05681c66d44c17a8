// End-to-end tests of tspub --confirm and --spool against the ThingSpeak stand-in: confirmed updates, updates that
// are not confirmed (rate limit, no subscribe authorisation, a field not enabled, a refused subscription), and a
// spool that survives a broker that is down, concurrent runs, a damaged file and a full disk.
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/scripted_broker.hpp"
#include "support/thingspeak_standin.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <dirent.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

const std::string feed_topic = "channels/" + ts::channel + "/subscribe";

args device() {
    return {"-i", "tsdev", "-u", ts::device_user, "-P", ts::device_password};
}

/// tspub's arguments for the stand-in's channel on `port`, as its device.
args at(int port, args a, const args& who = device()) {
    a.insert(a.begin(), {"-h", "127.0.0.1", "-p", std::to_string(port), "--no-tls", "--channel", ts::channel});
    a.insert(a.end(), who.begin(), who.end());
    return a;
}

run_result tspub(const ts_home& home, const args& a, const std::string& input = {}) {
    return run_tool(tool("tspub"), a, input, 30s, home.env());
}

args plus_args(args a, const args& more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
}

/// Waits until the wall clock's second changes, so that two readings get different created_at
/// (ThingSpeak keeps one entry per created_at, to the second).
std::time_t next_second() {
    std::time_t start = std::time(nullptr);
    while (std::time(nullptr) == start) std::this_thread::sleep_for(10ms);
    return std::time(nullptr);
}

std::string utc(std::time_t t) {
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return out;
}

/// The files of a directory, sorted (dot files left out).
std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') names.emplace_back(e->d_name);
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("tspub --confirm: subscribes first, waits for the update on the feed, -v prints entry_id and created_at",
          "[e2e][tspub][confirm]") {
    thingspeak_standin standin;
    ts_home home;
    auto r = tspub(home, at(standin.port(), {"--confirm", "-v", "field1=23.5", "field2=41", "status=ok"}));
    INFO(describe(r) << standin.report());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    REQUIRE(standin.entries().size() == 1);
    const ts_entry e = standin.entries()[0];
    CHECK(e.values == std::map<std::string, std::string>{{"field1", "23.5"}, {"field2", "41"}, {"status", "ok"}});
    CHECK(r.out == "entry_id=1 created_at=" + e.created_at + "\n");
    // One connection, the device's own: SUBSCRIBE to the feed (and its SUBACK) before the PUBLISH.
    const std::string log = standin.mqtt().log();
    auto subscribed = log.find("Sending SUBACK to tsdev");
    auto published = log.find("Received PUBLISH from tsdev");
    CHECK(log.find("tsdev 0 " + feed_topic) != std::string::npos);
    CHECK(subscribed != std::string::npos);
    CHECK(published != std::string::npos);
    CHECK(subscribed < published);
    CHECK(count_of(log, "as tsdev (") == 1);
}

TEST_CASE("tspub --confirm: --field, --stdin and --confirm=SECONDS", "[e2e][tspub][confirm]") {
    thingspeak_standin standin(standin_options{0, {1, 2, 3, 4, 5, 6, 7, 8}});
    ts_home home;
    auto single = tspub(home, at(standin.port(), {"--confirm=5", "-v", "--field", "3", "-4.5"}));
    INFO(describe(single) << standin.report());
    CHECK(single.exit_code == 0);
    CHECK(single.out.rfind("entry_id=1 created_at=", 0) == 0);
    auto batch = tspub(home, at(standin.port(), {"--confirm", "-v", "--stdin", "--min-interval", "0.2", "--wait"}),
                       "field1=1\nfield1=2 status=\"two words\"\n");
    INFO(describe(batch));
    CHECK(batch.exit_code == 0);
    auto out = lines_of(batch.out);
    REQUIRE(out.size() == 2);
    CHECK(out[0].rfind("entry_id=2 created_at=", 0) == 0);
    CHECK(out[1].rfind("entry_id=3 created_at=", 0) == 0);
    CHECK(standin.entries().at(2).values.at("status") == "two words");
}

TEST_CASE("tspub --confirm: an update the rate limit dropped is not confirmed: exit 9 after the time given",
          "[e2e][tspub][confirm][rate]") {
    thingspeak_standin standin(standin_options{60, {1, 2, 3, 4, 5, 6, 7, 8}});
    ts_home home;
    REQUIRE(tspub(home, at(standin.port(), {"--confirm", "--min-interval", "0", "field1=1"})).exit_code == 0);
    auto start = std::chrono::steady_clock::now();
    auto r = tspub(home, at(standin.port(), {"--confirm=2", "--min-interval", "0", "field1=2"}));
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(describe(r) << standin.report());
    CHECK(r.exit_code == 9);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "tspub: error: not confirmed: the update did not appear on " + feed_topic +
              " within 2 s; likely causes: ThingSpeak's rate limit (another update to the channel less than 15 s "
              "before, on a free account), a field not enabled in the channel's settings, or the device not "
              "authorised to subscribe to the channel\n");
    CHECK(took >= 2.0);
    CHECK(took < 10.0);
    auto decisions = standin.decisions();
    CHECK(decisions.back() == "dropped (rate limit): field1=2");
}

TEST_CASE("tspub --confirm: a device that may not subscribe, a field not enabled: exit 9", "[e2e][tspub][confirm]") {
    thingspeak_standin standin(standin_options{0, {1, 2}});
    ts_home home;
    SECTION("the device is authorised to publish only: the update is stored but never seen") {
        args who{"-i", "pubdev", "-u", ts::publish_only_user, "-P", ts::publish_only_password};
        auto r = tspub(home, at(standin.port(), {"--confirm=1", "field1=1"}, who));
        INFO(describe(r) << standin.report());
        CHECK(r.exit_code == 9);
        CHECK(r.err.find("the device not authorised to subscribe to the channel") != std::string::npos);
        CHECK(standin.entries().size() == 1);
    }
    SECTION("field3 is not enabled: the entry holds field1 only, which is not the update sent") {
        auto r = tspub(home, at(standin.port(), {"--confirm=1", "field1=1", "field3=3"}));
        INFO(describe(r) << standin.report());
        CHECK(r.exit_code == 9);
        CHECK(r.err.find("within 1 s (it showed 1 other update); likely causes:") != std::string::npos);
        REQUIRE(standin.entries().size() == 1);
        CHECK(standin.entries()[0].values == std::map<std::string, std::string>{{"field1", "1"}});
    }
}

TEST_CASE("tspub --confirm: a refused subscription sends nothing and exits 9", "[e2e][tspub][confirm]") {
    std::atomic<int> after_suback{-1};
    scripted_broker fake([&](wire& w) {
        if (!w.accept()) return;
        std::string sub = w.read_until(SUBSCRIBE);
        w.send(packet(SUBACK << 4, u16(packet_id(sub)) + std::string(1, '\x80')));
        after_suback = type_of(w.read(5s));  // DISCONNECT, not PUBLISH
    });
    ts_home home;
    auto r = tspub(home, at(fake.port(), {"--confirm", "field1=1"}));
    INFO(describe(r));
    CHECK(r.exit_code == 9);
    CHECK(r.err ==
          "tspub: error: --confirm: the broker refused the subscription to " + feed_topic +
              ": the device is not authorised to subscribe to channel " + ts::channel +
              "; nothing was sent\ntspub: hint: authorise the MQTT device to subscribe to the channel in ThingSpeak "
              "(Devices > MQTT), or leave out --confirm\n");
    CHECK(after_suback != PUBLISH);
    CHECK(read_text_file(home.state_file()).empty());  // the rate-limit slot was given back
}

TEST_CASE(
    "tspub --spool: three runs while the broker is down, then one more: all four arrive in order, with their "
    "original times",
    "[e2e][tspub][spool]") {
    thingspeak_standin standin(standin_options{1, {1, 2, 3, 4, 5, 6, 7, 8}});
    ts_home home;
    const std::string spool = home.dir + "/spool";
    const args cron{"--spool", spool, "--confirm=10", "--min-interval", "1.5", "-v"};
    standin.stop_broker();
    std::vector<std::time_t> taken;
    for (int i = 1; i <= 3; ++i) {
        taken.push_back(next_second());
        auto r = tspub(home, at(standin.port(), plus_args(cron, {"field1=" + std::to_string(i)})));
        INFO(describe(r));
        CHECK(r.exit_code == 6);
        CHECK(r.out.empty());
        CHECK(r.err == "tspub: error: cannot connect to 127.0.0.1:" + std::to_string(standin.port()) +
                           ": Connection refused; " + std::to_string(i) +
                           (i == 1 ? " reading waits" : " readings wait") + " in the spool " + spool + "\n");
    }
    auto list = tspub(home, {"--spool", spool, "--list"});
    INFO(describe(list));
    CHECK(list.exit_code == 0);
    auto listed = lines_of(list.out);
    REQUIRE(listed.size() == 4);
    CHECK(listed[0] == "channel created_at state attempts values file");
    for (int i = 0; i < 3; ++i)
        CHECK(listed[i + 1].rfind(ts::channel + " " + utc(taken[i]) + " waiting 0 field1=" + std::to_string(i + 1) +
                                      " " + ts::channel + "-",
                                  0) == 0);

    standin.start_broker();
    taken.push_back(next_second());
    auto r = tspub(home, at(standin.port(), plus_args(cron, {"field1=4"})));
    INFO(describe(r) << standin.report());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    auto entries = standin.entries();
    REQUIRE(entries.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(entries[i].values.at("field1") == std::to_string(i + 1));
        CHECK(entries[i].created_at == utc(taken[i]));
        CHECK(entries[i].entry_id == static_cast<long>(i + 1));
    }
    auto out = lines_of(r.out);
    REQUIRE(out.size() == 4);
    for (std::size_t i = 0; i < 4; ++i)
        CHECK(out[i] == "entry_id=" + std::to_string(i + 1) + " created_at=" + utc(taken[i]));
    CHECK(files_in(spool).empty());
    CHECK(tspub(home, {"--spool", spool, "--list"}).out.empty());
}

TEST_CASE("tspub --spool: a run that finds the spool being sent leaves its reading to that run",
          "[e2e][tspub][spool][concurrency]") {
    thingspeak_standin standin(standin_options{1, {1, 2, 3, 4, 5, 6, 7, 8}});
    ts_home home;
    const std::string spool = home.dir + "/spool";
    const int nowhere = broker::free_port();
    for (int i = 1; i <= 2; ++i) {
        next_second();
        CHECK(tspub(home, at(nowhere, {"--spool", spool, "field1=" + std::to_string(i)})).exit_code == 6);
    }
    // A sends the two waiting readings and its own, 2.5 s apart: it holds the lock for 5 s or more.
    next_second();
    background_process a(tool("tspub"), at(standin.port(), {"--spool", spool, "--min-interval", "2.5", "field1=3"}),
                         home.env());
    REQUIRE(standin.wait_for_entries(1, 10s));
    next_second();
    auto b = tspub(home, at(standin.port(), {"--spool", spool, "--min-interval", "2.5", "-v", "field1=4"}));
    INFO(describe(b) << standin.report());
    CHECK(b.exit_code == 0);
    CHECK(b.out == "queued in " + spool + ": another tspub run is sending channel " + ts::channel + "'s spool\n");
    CHECK(b.err.empty());
    auto ra = a.wait(30s);
    INFO(describe(ra));
    CHECK(ra.exit_code == 0);
    auto entries = standin.entries();
    REQUIRE(entries.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) CHECK(entries[i].values.at("field1") == std::to_string(i + 1));
    CHECK(files_in(spool).empty());
}

TEST_CASE("tspub --spool: a damaged file is set aside (exit 10) and the rest still goes out", "[e2e][tspub][spool]") {
    thingspeak_standin standin(standin_options{0, {1, 2, 3, 4, 5, 6, 7, 8}});
    ts_home home;
    const std::string spool = home.dir + "/spool";
    const std::string damaged = ts::channel + "-20200101T000000.000000Z-1-1.entry";
    home.write(spool + "/" + damaged, "tspub-spool 1\nchannel " + ts::channel + "\ncreated_at yesterday\n");
    auto r = tspub(home, at(standin.port(), {"--spool", spool, "--min-interval", "0", "field1=5"}));
    INFO(describe(r) << standin.report());
    CHECK(standin.wait_for_entries(1, 10s));
    CHECK(r.exit_code == 10);
    CHECK(r.err == "tspub: warning: spool: '" + spool + "/" + damaged + "' is damaged (bad created_at 'yesterday'); " +
                       "set aside as " + damaged + ".bad\n" + "tspub: error: spool: a damaged file was set aside in " +
                       spool + "\ntspub: hint: tspub --spool " + spool + " --list shows it\n");
    REQUIRE(standin.entries().size() == 1);
    CHECK(standin.entries()[0].values.at("field1") == "5");
    CHECK(files_in(spool) == std::vector<std::string>{damaged + ".bad"});
    auto list = tspub(home, {"--spool", spool, "--list"});
    CHECK(list.out == "channel created_at state attempts values file\n- - damaged - - " + damaged +
                          ".bad: bad created_at 'yesterday'\n");
    // The next run has nothing to complain about.
    CHECK(tspub(home, at(standin.port(), {"--spool", spool, "--min-interval", "0", "field1=6"})).exit_code == 0);
}

TEST_CASE("tspub --spool: a full disk is exit 10, the reading is sent without the spool, or shown in the error",
          "[e2e][tspub][spool][errors]") {
    thingspeak_standin standin(standin_options{0, {1, 2, 3, 4, 5, 6, 7, 8}});
    ts_home home;
    const std::string spool = home.dir + "/spool";
    REQUIRE(tspub(home, at(broker::free_port(), {"--spool", spool, "--min-interval", "0", "field1=1"})).exit_code == 6);
    const std::string waiting = files_in(spool).at(0);
    // No file may grow (ulimit -f 0; SIGXFSZ ignored so that write() fails with EFBIG): as a full disk.
    auto full_disk = [&](int port, const std::string& value) {
        std::string cmd = "trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\"";
        args a{"-c", cmd, tool("tspub")};
        for (auto& w : at(port, {"--spool", spool, "--min-interval", "0", "field1=" + value})) a.push_back(w);
        return run_tool("/bin/bash", a, {}, 30s, home.env());
    };
    SECTION("the broker is up: what waited goes first, then the new reading, directly") {
        auto r = full_disk(standin.port(), "2");
        INFO(describe(r) << standin.report());
        CHECK(r.exit_code == 10);
        CHECK(r.err.rfind("tspub: error: spool: cannot write '" + spool + "/" + ts::channel + "-", 0) == 0);
        CHECK(r.err.find(".entry': File too large; 1 reading was sent without it\n") != std::string::npos);
        CHECK(standin.wait_for_entries(2, 10s));
        REQUIRE(standin.entries().size() == 2);
        CHECK(standin.entries()[0].values.at("field1") == "1");
        CHECK(standin.entries()[1].values.at("field1") == "2");
        CHECK(files_in(spool).empty());
    }
    SECTION("the broker is down too: the error holds the reading, and what waited is still there") {
        auto r = full_disk(broker::free_port(), "3");
        INFO(describe(r));
        CHECK(r.exit_code == 10);
        CHECK(r.err.find("File too large; not sent either (cannot connect to 127.0.0.1:") != std::string::npos);
        CHECK(r.err.find("; lost: field1=3&created_at=") != std::string::npos);
        CHECK(files_in(spool) == std::vector<std::string>{waiting});
    }
}

TEST_CASE("tspub --spool --confirm: an entry published 3 times without confirmation is set aside, not lost",
          "[e2e][tspub][spool][confirm]") {
    thingspeak_standin standin(standin_options{3600, {1, 2, 3, 4, 5, 6, 7, 8}});
    ts_home home;
    const std::string spool = home.dir + "/spool";
    const args cron{"--spool", spool, "--confirm=1", "--min-interval", "0"};
    REQUIRE(tspub(home, at(standin.port(), plus_args(cron, {"field1=1"}))).exit_code == 0);  // the last accepted
    std::vector<run_result> runs;
    for (int i = 2; i <= 4; ++i) {
        next_second();
        runs.push_back(tspub(home, at(standin.port(), plus_args(cron, {"field1=" + std::to_string(i)}))));
        INFO(describe(runs.back()));
        CHECK(runs.back().exit_code == 9);
    }
    CHECK(runs[2].err.find("tspub: warning: spool: the reading taken at ") == 0);
    CHECK(runs[2].err.find(" was published 3 times without being confirmed; set aside as ") != std::string::npos);
    auto list = lines_of(tspub(home, {"--spool", spool, "--list"}).out);
    INFO(tspub(home, {"--spool", spool, "--list"}).out << standin.report());
    REQUIRE(list.size() == 4);
    CHECK(list[1].find(" waiting 1 field1=3 ") != std::string::npos);
    CHECK(list[2].find(" waiting 0 field1=4 ") != std::string::npos);
    CHECK(list[3].find(" unconfirmed 3 field1=2 ") != std::string::npos);
    CHECK(list[3].find(".entry.unconfirmed") != std::string::npos);
}

TEST_CASE("tspub --spool --dry-run and bad combinations", "[e2e][tspub][spool][dry-run]") {
    ts_home home;
    const std::string spool = home.dir + "/spool";
    auto dry = tspub(home, at(1883, {"--spool", spool, "--confirm", "--dry-run", "--field", "2", "5"}));
    INFO(describe(dry));
    CHECK(dry.exit_code == 0);
    CHECK(dry.out.find("confirm: wait up to 20 s for the update on " + feed_topic + "\nspool: " + spool +
                       "\ntopic: channels/" + ts::channel + "/publish\npayload: field2=5&created_at=") !=
          std::string::npos);
    CHECK(files_in(home.dir).size() == 0);  // a dry run creates nothing (the spool included)
    auto list = tspub(home, {"--list"});
    CHECK(list.exit_code == 2);
    CHECK(list.err == "tspub: error: --list shows what waits in a spool: give --spool DIR\n");
    auto legacy = tspub(home, at(1883, {"--confirm", "--legacy-api-key", "KEY", "field1=1"}));
    CHECK(legacy.exit_code == 2);
    auto bad = tspub(home, at(1883, {"--confirm=0", "field1=1"}));
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.rfind("tspub: error: --confirm: ", 0) == 0);
}

TEST_CASE("tspub --spool: the reading is saved before anything else can fail (credentials, state directory)",
          "[e2e][tspub][spool][credentials]") {
    ts_home home;
    const std::string spool = home.dir + "/spool";
    args no_device{"-h",       "127.0.0.1", "-p",        std::to_string(broker::free_port()),
                   "--no-tls", "--channel", ts::channel, "--spool",
                   spool,      "field1=1"};
    auto r = tspub(home, no_device);
    INFO(describe(r));
    CHECK(r.exit_code == 3);
    CHECK(r.err.rfind("tspub: error: missing MQTT client id, username and password; looked in: ", 0) == 0);
    CHECK(r.err.find(" (not found); 1 reading waits in the spool " + spool + "\ntspub: hint: save the MQTT device's") !=
          std::string::npos);
    CHECK(files_in(spool).size() == 1);
}
