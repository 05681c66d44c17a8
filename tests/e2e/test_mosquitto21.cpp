// End-to-end tests of what mosquitto 2.1 added to its clients, in mqpub and mqsub: -o, the
// mosquitto_* config files, -x switching to MQTT v5, the empty client id, --retain-handling,
// --message-rate, -w, -M, -U alone, and mqpub --topic-per-line (replaying what mqsub -v recorded).
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

/// A private temporary directory (a HOME or XDG_CONFIG_HOME for the tools), removed afterwards.
class temp_dir {
public:
    temp_dir() {
        char name[] = "/tmp/mqkit-e2e-dir-XXXXXX";
        REQUIRE(::mkdtemp(name));
        path_ = name;
    }
    ~temp_dir() { (void)std::system(("rm -rf '" + path_ + "'").c_str()); }
    std::string write(const std::string& name, const std::string& text) const {
        const std::string p = path_ + "/" + name;
        std::ofstream(p) << text;
        return p;
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

/// The environment of a tool whose config files live in `home` only.
env_list config_home(const temp_dir& home) {
    return {{"HOME", home.path()}, {"XDG_CONFIG_HOME", home.path() + "/.config"}};
}

}  // namespace

TEST_CASE("options file: -o reads options from a file, instead of the config file", "[e2e][config]") {
    broker b;
    temp_dir dir;
    ::mkdir((dir.path() + "/.config").c_str(), 0700);
    dir.write(".config/mqpub", "-t from/config\n");
    const std::string opts = dir.write("opts.conf", "-h " + b.host() + "\n-p " + std::to_string(b.port()) +
                                                        "\n-V mqttv311\n-q 1\n-t 03/pub/qos1/test\n-m message\n");
    auto sub = start_sub(b, "o-sub", {"-t", "#", "-v", "-C", "1", "-q", "1"});
    auto pub = run_tool(tool("mqpub"), {"-o", opts}, {}, 20s, config_home(dir));
    INFO(describe(pub));
    CHECK(pub.exit_code == 0);
    auto r = sub->wait(10s);
    CHECK(r.out == "03/pub/qos1/test message\n");  // not from/config: -o replaces the config file
    auto missing =
        run_tool(tool("mqpub"), {"-o", dir.path() + "/nope", "-t", "a", "-m", "b"}, {}, 20s, config_home(dir));
    CHECK(missing.exit_code == 1);
    CHECK(missing.err == "mqpub: error: cannot read -o " + dir.path() + "/nope: No such file or directory\n");
    auto twice = run_tool(tool("mqsub"), {"-o", opts, "-o", opts}, {}, 20s, config_home(dir));
    CHECK(twice.exit_code == 1);
    CHECK(twice.err == "mqsub: error: -o/--options-file given more than once; give one options file\n");
}

TEST_CASE("config files: ~/.config/mosquitto_sub and mosquitto_pub are read when mqsub's and mqpub's own are absent",
          "[e2e][config]") {
    broker b;
    temp_dir home;
    ::mkdir((home.path() + "/.config").c_str(), 0700);
    home.write(".config/mosquitto_sub", "-t env/config/file/sub\n");
    home.write(".config/mosquitto_pub", "-t env/config/file/sub\n-m message\n");
    // HOME alone, as mosquitto's 02-subscribe-env test runs it (no XDG_CONFIG_HOME).
    auto sub = std::make_unique<background_process>(tool("mqsub"), with_port(b, {"-C", "1", "-i", "env-sub"}),
                                                    env_list{{"HOME", home.path()}, {"XDG_CONFIG_HOME", ""}});
    REQUIRE(b.wait_for_log("Sending SUBACK to env-sub", 10s));
    auto pub =
        run_tool(tool("mqpub"), with_port(b, {}), {}, 20s, env_list{{"HOME", home.path()}, {"XDG_CONFIG_HOME", ""}});
    INFO(describe(pub));
    CHECK(pub.exit_code == 0);
    auto r = sub->wait(10s);
    INFO(describe(r));
    CHECK(r.out == "message\n");
    // mqkit's own file wins when it exists.
    home.write(".config/mqpub", "-t env/mine\n-m mine\n");
    auto sub2 = start_sub(b, "mine-sub", {"-t", "env/#", "-v", "-C", "1"});
    CHECK(run_tool(tool("mqpub"), with_port(b, {}), {}, 20s, config_home(home)).exit_code == 0);
    CHECK(sub2->wait(10s).out == "env/mine mine\n");
}

TEST_CASE("no -i: an empty client id, the broker assigns one, and -x switches to MQTT v5", "[e2e][session]") {
    broker b;
    CHECK(mqpub(b, {"-t", "a", "-m", "x"}).exit_code == 0);
    CHECK(b.wait_for_log(" as auto-", 10s));
    CHECK(b.log().find("(p2, c1, k60)") != std::string::npos);  // MQTT 3.1.1
    auto x = mqpub(b, {"-t", "a", "-m", "x", "-x", "60", "-i", "expiring"});
    INFO(describe(x));
    CHECK(x.exit_code == 0);
    CHECK(b.wait_for_log("as expiring (p5, c1, k60)", 10s));  // MQTT v5, without -V 5
    auto d = mqpub(b, {"-t", "a", "-m", "x", "-d"});
    // mosquitto 2.1.2 prints "null" on its own lines and "(null)" on the CONNACK line.
    CHECK(d.out.rfind("Client null sending CONNECT\nClient (null) received CONNACK (0)\nClient null sending PUBLISH",
                      0) == 0);
    // Under MQTT v5 the broker says which id it assigned, and -d shows it from CONNACK on.
    auto d5 = mqpub(b, {"-t", "a", "-m", "x", "-d", "-V", "5"});
    CHECK(
        std::regex_search(d5.out, std::regex("^Client null sending CONNECT\nClient (auto-[0-9A-F-]+) received CONNACK "
                                             "\\(0\\)\nClient \\1 sending PUBLISH")));
    auto infinite = mqpub(b, {"-t", "a", "-m", "x", "-x", "-1"});
    CHECK(infinite.exit_code == 1);
    CHECK(infinite.err.rfind("mqpub: error: -x/--session-expiry-interval keeps the session for ever", 0) == 0);
}

TEST_CASE("mqsub --retain-handling: always, new, never", "[e2e][retain]") {
    broker b;
    REQUIRE(mqpub(b, {"-t", "rh/t", "-m", "kept", "-r"}).exit_code == 0);
    auto always = run_tool(
        tool("mqsub"), with_port(b, {"-t", "rh/t", "-V", "5", "-C", "1", "-W", "5", "--retain-handling", "always"}));
    CHECK(always.exit_code == 0);
    CHECK(always.out == "kept\n");
    auto never =
        run_tool(tool("mqsub"), with_port(b, {"-t", "rh/t", "-V", "5", "-W", "1", "--retain-handling", "never"}));
    CHECK(never.exit_code == 27);
    CHECK(never.out.empty());
    // new: retained messages only for a subscription that did not exist yet, so a persistent
    // session subscribing again gets none.
    auto first = run_tool(tool("mqsub"), with_port(b, {"-t", "rh/t", "-V", "5", "-C", "1", "-W", "5", "-c", "-i",
                                                       "rh-keeper", "--retain-handling", "new"}));
    CHECK(first.out == "kept\n");
    auto again = run_tool(tool("mqsub"), with_port(b, {"-t", "rh/t", "-V", "5", "-W", "1", "-c", "-i", "rh-keeper",
                                                       "--retain-handling", "new", "-d"}));
    CHECK(again.exit_code == 27);
    CHECK(again.out.find("received PUBLISH") == std::string::npos);
    CHECK(again.out.find("Options: 0x10)") != std::string::npos);
    auto v3 = run_tool(tool("mqsub"), with_port(b, {"-t", "rh/t", "--retain-handling", "never"}));
    CHECK(v3.exit_code == 1);
    CHECK(v3.err ==
          "mqsub: error: --retain-handling is MQTT v5 only\nmqsub: hint: add -V 5 (MQTT 3.x brokers always "
          "send them)\n");
}

TEST_CASE("mqsub --message-rate prints messages per second instead of the messages", "[e2e][sub]") {
    broker b;
    auto sub = start_sub(b, "rate", {"-t", "rate/#", "--message-rate"});
    for (int i = 0; i < 5; ++i) REQUIRE(mqpub(b, {"-t", "rate/x", "-m", std::to_string(i)}).exit_code == 0);
    // The five messages arrive within a few seconds; each second's line counts those of that second.
    auto total = [&] {
        long sum = 0;
        const std::string out = sub->out();
        const std::regex line("([0-9]+) msgs/s\n");
        for (auto it = std::sregex_iterator(out.begin(), out.end(), line); it != std::sregex_iterator(); ++it)
            sum += std::stol((*it)[1]);
        CHECK(std::regex_match(out, std::regex("([0-9]+ msgs/s\n)*")));
        return sum;
    };
    long seen = 0;
    for (std::size_t lines = 1; lines <= 20 && seen < 5; ++lines) {
        REQUIRE(sub->wait_for_lines(lines, 5s));
        seen = total();
    }
    CHECK(seen == 5);
    sub->signal(SIGINT);
    auto r = sub->wait(10s);
    CHECK(r.exit_code == 130);
    CHECK(r.out.find("rate/x") == std::string::npos);
}

TEST_CASE("mqsub -w: a fixed line per topic on a terminal, plain lines otherwise", "[e2e][sub]") {
    broker b;
    auto plain = start_sub(b, "watch-plain", {"-t", "w/#", "-v", "-w", "-C", "3"});
    for (auto [t, m] : {std::pair{"w/a", "x1"}, {"w/b", "y1"}, {"w/a", "x2"}})
        REQUIRE(mqpub(b, {"-t", t, "-m", m}).exit_code == 0);
    CHECK(plain->wait(10s).out == "w/a x1\nw/b y1\nw/a x2\n");
    // On a terminal (script(1) gives mqsub one): mosquitto 2.1.2's bytes, plus mqkit's \x1b[2K.
    const std::string cmd =
        tool("mqsub") + " -h " + b.host() + " -p " + std::to_string(b.port()) + " -t 'w/#' -v -w -C 3 -i watch-tty";
    auto tty =
        std::make_unique<background_process>("script", args{"-qfec", cmd, "/dev/null"}, env_list{{"TERM", "xterm"}});
    REQUIRE(b.wait_for_log("Sending SUBACK to watch-tty", 10s));
    for (auto [t, m] : {std::pair{"w/a", "x1"}, {"w/b", "y1"}, {"w/a", "x2"}})
        REQUIRE(mqpub(b, {"-t", t, "-m", m}).exit_code == 0);
    auto r = tty->wait(10s);
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    // The terminal turns "\n" into "\r\n".
    CHECK(r.out == "\x1b[2J\x1b[1;1HBroker: " + b.host() + "\r\n" + "\x1b[2;1H\x1b[2Kw/a x1\r\n\x1b[2;1H\r\n" +
                       "\x1b[3;1H\x1b[2Kw/b y1\r\n\x1b[3;1H\r\n" + "\x1b[2;1H\x1b[2Kw/a x2\r\n\x1b[3;1H\r\n");
}

TEST_CASE("mqsub -M is accepted, and -U without -t only unsubscribes", "[e2e][sub][session]") {
    broker b;
    auto m = start_sub(b, "inflight", {"-t", "m/t", "-M", "5", "-C", "1"});
    REQUIRE(mqpub(b, {"-t", "m/t", "-m", "ok"}).exit_code == 0);
    CHECK(m->wait(10s).out == "ok\n");
    REQUIRE(run_tool(tool("mqsub"), with_port(b, {"-t", "u/t", "-c", "-i", "keeper", "-q", "1", "-E"})).exit_code == 0);
    auto u = run_tool(tool("mqsub"), with_port(b, {"-U", "u/t", "-c", "-i", "keeper", "-E"}));
    INFO(describe(u));
    CHECK(u.exit_code == 0);
    CHECK(b.wait_for_log("Received UNSUBSCRIBE from keeper", 10s));
    CHECK(b.log().find("Received SUBSCRIBE from keeper") != std::string::npos);
    // Nothing is queued for the session any more.
    REQUIRE(mqpub(b, {"-t", "u/t", "-m", "lost", "-q", "1"}).exit_code == 0);
    auto after = run_tool(tool("mqsub"), with_port(b, {"-t", "other", "-c", "-i", "keeper", "-W", "1"}));
    CHECK(after.exit_code == 27);
    CHECK(after.out.empty());
}

TEST_CASE("mqpub --topic-per-line replays what mqsub -v recorded", "[e2e][stdin]") {
    broker b;
    // Record a session: messages on several topics, one empty.
    auto rec = start_sub(b, "recorder", {"-t", "rec/#", "-v", "-C", "4", "-q", "1"});
    REQUIRE(mqpub(b, {"-t", "rec/a", "-m", "first message"}).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "rec/b/c", "-m", "  spaced  "}).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "rec/a", "-n"}).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "rec/d", "-m", "last"}).exit_code == 0);
    const std::string log = rec->wait(10s).out;
    REQUIRE(log == "rec/a first message\nrec/b/c   spaced  \nrec/a (null)\nrec/d last\n");
    // Replay it at QoS 1, retained: a second recorder sees the same lines.
    auto replay_sub = start_sub(b, "replayed", {"-t", "rec/#", "-v", "-C", "4", "-q", "1"});
    auto replay = mqpub(b, {"-l", "--topic-per-line", "-q", "1", "-r"}, log);
    INFO(describe(replay));
    CHECK(replay.exit_code == 0);
    CHECK(replay_sub->wait(10s).out == log);
    // Retained as asked: the last message of each topic stays (rec/a's empty one cleared it).
    auto kept = run_tool(tool("mqsub"), with_port(b, {"-t", "rec/#", "-v", "-W", "1"}));
    CHECK(kept.out.find("rec/b/c   spaced  \n") != std::string::npos);
    CHECK(kept.out.find("rec/d last\n") != std::string::npos);
    CHECK(kept.out.find("rec/a") == std::string::npos);
    // A line whose topic cannot be published to stops mqpub after the lines before it.
    auto sub = start_sub(b, "bad-line", {"-t", "ok/#", "-v", "-C", "1"});
    auto bad = mqpub(b, {"-l", "--topic-per-line"}, "ok/1 one\nbad/# two\nok/3 three\n");
    CHECK(bad.exit_code == 1);
    CHECK(bad.err ==
          "mqpub: error: --topic-per-line: line 2: invalid topic 'bad/#': a topic to publish to cannot "
          "contain the wildcards + or #\n");
    CHECK(sub->wait(10s).out == "ok/1 one\n");
}
