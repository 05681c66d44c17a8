// End-to-end tests of the lab tools against a real mosquitto: mqsub --stats, mqpub --template/--seed,
// --repeat 0 ended by SIGINT, and every script of examples/lab run as a student would run it.
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

/// A stats line without its timing-dependent fields (t= and rate=).
std::string without_timing(const std::string& line) {
    static const std::regex timing(R"( (t|rate)=[0-9.]+)");
    return std::regex_replace(line, timing, "");
}

/// The value of `key=` in a stats line ("" if absent).
std::string field(const std::string& line, const std::string& key) {
    auto at = line.find(" " + key + "=");
    if (at == std::string::npos) return "";
    at += key.size() + 2;
    return line.substr(at, line.find(' ', at) - at);
}

/// The last line that contains `needle`.
std::string last_line_with(const std::string& text, const std::string& needle) {
    std::string found;
    for (const auto& l : lines_of(text))
        if (l.find(needle) != std::string::npos) found = l;
    return found;
}

std::string examples_dir() {
    std::string here = __FILE__;  // .../tests/e2e/test_lab.cpp
    return here.substr(0, here.rfind("/tests/")) + "/examples/lab";
}

/// Runs one lab script with bash, as the README says, against mqkit's freshly built binaries.
run_result run_example(const std::string& script, env_list env = {}) {
    env.emplace_back("MQKIT_BIN", MQKIT_BIN_DIR);
    env.emplace_back("NO_COLOR", "1");
    return run_tool("bash", {examples_dir() + "/" + script}, {}, 50s, env);
}

/// What a program wrote to a terminal `columns` wide: runs it with a pseudo-terminal as stdout
/// while `during()` runs, until it exits. Returns the bytes and sets `status` (waitpid status).
std::string run_on_terminal(const std::string& exe, const args& a, const env_list& env, unsigned short columns,
                            const std::function<void()>& during, int& status) {
    int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(slave >= 0);
    winsize ws{};
    ws.ws_col = columns;
    ws.ws_row = 24;
    REQUIRE(::ioctl(slave, TIOCSWINSZ, &ws) == 0);
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    pid_t pid = spawn_process(exe, a, devnull, slave, devnull, env);
    ::close(slave);
    ::close(devnull);
    during();
    std::string out;
    char buf[4096];
    for (int idle = 0; idle < 200;) {  // until the terminal closes (EIO), at most ~20 s of silence
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) {
            ++idle;
            continue;
        }
        ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(master);
    ::waitpid(pid, &status, 0);
    return out;
}

/// The text of terminal output without ANSI escape sequences and carriage returns.
std::string plain_text(const std::string& tty) {
    static const std::regex ansi("\x1b\\[[0-9;]*[A-Za-z]|\r");
    return std::regex_replace(tty, ansi, "");
}

}  // namespace

TEST_CASE("mqsub --stats on a terminal redraws a table in place, fitted to the width", "[e2e][lab][stats]") {
    broker b;
    for (const char* term : {"xterm", "dumb"}) {
        INFO("TERM=" << term);
        const std::string id = std::string("tty-") + term;
        int status = 0;
        std::string tty = run_on_terminal(
            tool("mqsub"), with_port(b, {"-t", "lab/#", "--stats", "-C", "3", "--interval", "0.2", "-i", id}),
            {{"TERM", term}, {"LANG", "C.UTF-8"}, {"LC_ALL", ""}, {"LC_CTYPE", ""}, {"NO_COLOR", ""}}, 60,
            [&] {
                REQUIRE(b.wait_for_log("Sending SUBACK to " + id, 10s));
                for (const char* v : {"1", "8", "on"})
                    REQUIRE(mqpub(b, {"-t", "lab/sensor/with/a/rather/long/name", "-m", v, "-q", "1"}).exit_code == 0);
            },
            status);
        INFO(tty);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        const bool ansi = std::string(term) != "dumb";
        CHECK((tty.find("\x1b[H") != std::string::npos) == ansi);        // cursor home: redrawn in place
        CHECK((tty.find("\x1b[1mTOPIC") != std::string::npos) == ansi);  // bold header unless NO_COLOR/dumb
        const std::string text = plain_text(tty);
        CHECK(text.find("\u2026") != std::string::npos);        // the long topic is cut with an ellipsis (UTF-8 locale)
        CHECK(text.find("\u2581\u2588") != std::string::npos);  // sparkline of 1 and 8
        CHECK(text.find("1 non-numeric message counted, not averaged") != std::string::npos);
        for (const auto& line : lines_of(text)) {
            std::size_t cols = 0;
            for (unsigned char c : line) cols += (c & 0xC0) != 0x80;
            INFO(line);
            CHECK(cols <= 60);
        }
    }
    int status = 0;
    std::string tty = run_on_terminal(
        tool("mqsub"), with_port(b, {"-t", "x", "--stats", "-W", "1", "-i", "tty-nc"}),
        {{"TERM", "xterm"}, {"NO_COLOR", "1"}, {"LC_ALL", "C"}}, 80, [] {}, status);
    CHECK(WEXITSTATUS(status) == 27);
    CHECK(tty.find("\x1b[H") != std::string::npos);
    CHECK(tty.find("\x1b[1m") == std::string::npos);  // NO_COLOR: no bold
}

TEST_CASE("mqsub --stats prints count and min/mean/max per topic and for all topics", "[e2e][lab][stats]") {
    broker b;
    auto sub = start_sub(b, "stats", {"-t", "lab/#", "--stats", "-C", "6", "--interval", "60"});
    for (const char* v : {"10", "20", "30", "40"})
        REQUIRE(mqpub(b, {"-t", "lab/a", "-m", v, "-q", "1"}).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "lab/b", "-m", "on", "-q", "1"}).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "lab/b", "-m", " 5\n", "-q", "1"}).exit_code == 0);
    auto r = sub->wait(10s);
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    // -C 6 ends it after the sixth message; the refresh at the end is the only one (--interval 60).
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 3);
    CHECK(without_timing(lines[0]) ==
          R"(stats topic="lab/a" count=4 text=0 window=4 numeric=4 min=10 mean=25 max=40 last="40")");
    CHECK(without_timing(lines[1]) ==
          R"(stats topic="lab/b" count=2 text=1 window=2 numeric=1 min=5 mean=5 max=5 last=" 5\n")");
    CHECK(without_timing(lines[2]) ==
          "stats all topics=2 count=6 text=1 window=6 numeric=5 min=5 mean=21 max=40 last_mean=22.5");
    CHECK(std::stod(field(lines[2], "rate")) > 0);
}

TEST_CASE("mqsub --stats --field refreshes periodically and averages a nested JSON field", "[e2e][lab][stats]") {
    broker b;
    auto sub = start_sub(b, "fstats", {"-t", "lab/+/json", "--stats", "--field", "sensor.temp", "--interval", "0.2"});
    // With nothing received it still prints the all line at every refresh.
    REQUIRE(sub->wait_for_output("stats t=", 10s));
    CHECK(sub->out().find("all topics=0 count=0") != std::string::npos);
    for (const char* v : {R"({"sensor": {"temp": 18.5}})", R"({"sensor": {"temp": 21.5}})", R"({"sensor": {}})"})
        REQUIRE(mqpub(b, {"-t", "lab/g1/json", "-m", v, "-q", "1"}).exit_code == 0);
    REQUIRE(mqpub(b, {"-t", "lab/g2/json", "-m", R"({"sensor": {"temp": 20}})", "-q", "1"}).exit_code == 0);
    REQUIRE(sub->wait_for_output("all topics=2 count=4 text=1 window=4", 10s));
    sub->signal(SIGINT);
    auto r = sub->wait(10s);
    INFO(describe(r));
    CHECK(r.exit_code == 130);
    const std::string all = last_line_with(r.out, " all ");
    CHECK(without_timing(all) ==
          "stats all topics=2 count=4 text=1 window=4 numeric=3 min=18.5 mean=20 max=21.5 "
          "last_mean=20");  // g1's last message had no number: only g2's 20
    CHECK(without_timing(last_line_with(r.out, "lab/g1/json"))
              .find("count=3 text=1 window=3 numeric=2 min=18.5 "
                    "mean=20 max=21.5") != std::string::npos);
}

TEST_CASE("mqsub --stats -W ends with a last refresh and exit status 27", "[e2e][lab][stats]") {
    broker b;
    auto r = run_tool(tool("mqsub"), with_port(b, {"-t", "lab/#", "--stats", "-W", "1", "--interval", "60"}), {}, 10s);
    INFO(describe(r));
    CHECK(r.exit_code == 27);
    CHECK(without_timing(r.out) ==
          "stats all topics=0 count=0 text=0 window=0 numeric=0 min=- mean=- max=- last_mean=-\n");
    CHECK(r.err == "mqsub: error: timed out after 1 s (-W)\n");
}

TEST_CASE("mqpub --template --repeat --seed publishes fresh, reproducible values", "[e2e][lab][template]") {
    broker b;
    const args publish = {"-t",         "lab/sim",  "-m", "n={seq} pm={rand:0:1000} t={randf:18:25:1} {{ok}}",
                          "--template", "--repeat", "5",  "-q",
                          "1"};
    auto run_once = [&](const std::string& id, const std::string& seed) {
        auto sub = start_sub(b, id, {"-t", "lab/sim", "-C", "5"});
        args a = publish;
        a.insert(a.end(), {"--seed", seed});
        auto p = mqpub(b, a);
        INFO(describe(p));
        CHECK(p.exit_code == 0);
        auto r = sub->wait(10s);
        CHECK(r.exit_code == 0);
        return r.out;
    };
    const std::string first = run_once("sim1", "42");
    INFO(first);
    const std::regex line(R"(n=(\d) pm=(\d+) t=(\d+\.\d) \{ok\})");
    auto lines = lines_of(first);
    REQUIRE(lines.size() == 5);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::smatch m;
        REQUIRE(std::regex_match(lines[i], m, line));
        CHECK(m[1] == std::to_string(i + 1));
        CHECK(std::stoi(m[2]) <= 1000);
        CHECK(std::stod(m[3]) >= 18.0);
        CHECK(std::stod(m[3]) <= 25.0);
    }
    CHECK(run_once("sim2", "42") == first);  // same seed, same payloads
    CHECK(run_once("sim3", "43") != first);
}

TEST_CASE("mqpub without --template sends placeholders byte for byte", "[e2e][lab][template]") {
    broker b;
    auto sub = start_sub(b, "raw", {"-t", "lab/raw", "-C", "1"});
    REQUIRE(mqpub(b, {"-t", "lab/raw", "-m", "{rand:0:9} {{ {seq"}).exit_code == 0);
    auto r = sub->wait(10s);
    CHECK(r.out == "{rand:0:9} {{ {seq\n");
}

TEST_CASE("mqpub --template refuses a malformed template before connecting", "[e2e][lab][template]") {
    broker b;
    auto r = mqpub(b, {"-i", "badtpl", "-t", "lab/x", "-m", "abcd{foo}", "--template"});
    CHECK(r.exit_code == 1);
    CHECK(lines_of(r.err).at(0) == "mqpub: error: --template: unknown placeholder '{foo}' at byte 5");
    CHECK(lines_of(r.err).size() == 2);  // plus one hint line
    CHECK(b.log().find("badtpl") == std::string::npos);
}

TEST_CASE("mqpub -l --template renders each line, a malformed line stops it", "[e2e][lab][template]") {
    broker b;
    auto sub = start_sub(b, "lines", {"-t", "lab/lines", "-C", "2"});
    auto p = mqpub(b, {"-t", "lab/lines", "-l", "--template", "-q", "1"}, "a {seq}\n\nb {seq} {{x}}\n");
    INFO(describe(p));
    CHECK(p.exit_code == 0);
    auto r = sub->wait(10s);
    CHECK(r.out == "a 1\nb 2 {x}\n");

    auto bad = mqpub(b, {"-t", "lab/lines", "-l", "--template", "-q", "1"}, "ok\n\n{bad}\n");
    CHECK(bad.exit_code == 1);
    CHECK(lines_of(bad.err).at(0) == "mqpub: error: --template: line 3: unknown placeholder '{bad}' at byte 1");
}

TEST_CASE("mqpub --repeat 0 publishes until SIGINT, then disconnects cleanly and exits 130", "[e2e][lab][template]") {
    broker b;
    auto sub = start_sub(b, "forever-sub", {"-t", "lab/forever"});
    background_process pub(
        tool("mqpub"), with_port(b, {"-i", "forever", "-t", "lab/forever", "-m", "{seq}", "--template", "--repeat", "0",
                                     "--repeat-delay", "0.05", "-q", "1", "-d"}));
    REQUIRE(sub->wait_for_lines(4, 10s));
    pub.signal(SIGINT);
    auto r = pub.wait(10s);
    INFO(describe(r));
    CHECK(r.exit_code == 130);
    CHECK(r.err.empty());
    const std::string last = "Client forever sending DISCONNECT\n";
    REQUIRE(r.out.size() > last.size());
    CHECK(r.out.substr(r.out.size() - last.size()) == last);
    CHECK(b.wait_for_log("Received DISCONNECT from forever", 10s));
    CHECK(sub->out().substr(0, 8) == "1\n2\n3\n4\n");
}

TEST_CASE("lab script 01: subscribe, then publish", "[e2e][lab][examples]") {
    auto r = run_example("01-first-exercises.sh");
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("terminal 1 printed:\n    Very well!\n    Me too\n") != std::string::npos);
    CHECK(r.out.find("    i/LOVE/C Not so much\n") != std::string::npos);
}

TEST_CASE("lab script 02: topics are case sensitive", "[e2e][lab][examples]") {
    auto r = run_example("02-case-sensitivity.sh");
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("only the exact match:\n    i/LOVE/Python sent to i/LOVE/Python\n") != std::string::npos);
    CHECK(r.out.find("    i/love/python") == std::string::npos);
}

TEST_CASE("lab script 03: one message per line of standard input", "[e2e][lab][examples]") {
    auto r = run_example("03-stdin-lines.sh");
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("was not sent):\n    first line\n    second line\n    third line\n") != std::string::npos);
}

TEST_CASE("lab script 04: the QoS 0, 1 and 2 handshakes with -d", "[e2e][lab][examples]") {
    auto r = run_example("04-qos-debug.sh");
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Client lab-qos0 sending PUBLISH (d0, q0, r0, m1, 'i/LOVE/Python', ... (7 bytes))\n"
                     "Client lab-qos0 sending DISCONNECT\n") != std::string::npos);
    CHECK(r.out.find("Client lab-qos1 received PUBACK (Mid: 1, RC:0)\n") != std::string::npos);
    CHECK(r.out.find("Client lab-qos2 received PUBREC (Mid: 1)\nClient lab-qos2 sending PUBREL (m1)\n"
                     "Client lab-qos2 received PUBCOMP (Mid: 1, RC:0)\n") != std::string::npos);
    CHECK(r.out.find("Client lab-qos-sub received PUBLISH (d0, q2, r0, m1, 'i/LOVE/Python', ... (7 bytes))\n") !=
          std::string::npos);
}

TEST_CASE("lab script 05: the three retained cases", "[e2e][lab][examples]") {
    auto r = run_example("05-retained.sh");
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    // Published before subscribing: the late subscriber gets the stored value, flagged retained.
    CHECK(r.out.find("late subscriber received: lab/retained first value (retained flag: 1)\n") != std::string::npos);
    // Published while subscribed: a live message (flag 0), and it becomes the stored value.
    CHECK(r.out.find("    lab/retained first value (retained flag: 1)\n"
                     "    lab/retained second value (retained flag: 0)\n") != std::string::npos);
    CHECK(r.out.find("late subscriber received: lab/retained second value (retained flag: 1)\n") != std::string::npos);
    // Deleted with -r -n: nothing after deletion.
    CHECK(r.out.find("late subscriber received: nothing (exit status 27: timed out)\n") != std::string::npos);
}

TEST_CASE("lab script 06: LED colour commands", "[e2e][lab][examples]") {
    auto r = run_example("06-led-colour.sh");
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("    LED: colour red (255,0,0)\n    LED: colour green (0,255,0)\n"
                     "    LED: unknown colour 'purple', ignored\n    LED: colour blue (0,0,255)\n") !=
          std::string::npos);
    CHECK(r.out.find("late LED: colour green (0,255,0)\n") != std::string::npos);
}

TEST_CASE("lab script 07: several groups' readings averaged by mqsub --stats", "[e2e][lab][examples]") {
    auto r = run_example("07-averaging-dashboard.sh", {{"LAB_MESSAGES", "15"}});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    const std::string pm = last_line_with(r.out, " all topics=3 ");
    REQUIRE_FALSE(pm.empty());
    CHECK(field(pm, "count") == "15");
    CHECK(field(pm, "numeric") == "15");
    CHECK(std::stod(field(pm, "min")) >= 0);
    CHECK(std::stod(field(pm, "max")) <= 1000);
    CHECK(std::stod(field(pm, "mean")) >= std::stod(field(pm, "min")));
    CHECK(std::stod(field(pm, "mean")) <= std::stod(field(pm, "max")));
    const std::string json = last_line_with(r.out, " all topics=2 ");
    REQUIRE_FALSE(json.empty());
    CHECK(field(json, "numeric") == "15");
    CHECK(std::stod(field(json, "min")) >= 18.0);
    CHECK(std::stod(field(json, "max")) <= 25.0);
    std::size_t stopped = 0;
    for (const auto& l : lines_of(r.out))
        if (l.find("exited with status 130") != std::string::npos) ++stopped;
    CHECK(stopped == 5);
}

TEST_CASE("lab script 08: ThingSpeak publish against a local stand-in", "[e2e][lab][examples]") {
    auto r = run_example("08-thingspeak-local.sh");
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("skipped") == std::string::npos);
    CHECK(r.out.find("    channels/1234567/publish field1=23.5&field2=45\n") != std::string::npos);
}
