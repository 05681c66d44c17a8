// mqsub's output against mosquitto_sub's, byte for byte: -v, -N, every -F specifier, %j/%J, --pretty.
#include "support/broker.hpp"
#include "support/process.hpp"

#include "catch_compat.hpp"

#include <memory>
#include <regex>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

const std::string ref_sub = MOSQUITTO_SUB_EXECUTABLE;
const std::string ref_pub = MOSQUITTO_PUB_EXECUTABLE;

args at(const broker& b, args a) {
    a.insert(a.begin(), {"-h", b.host(), "-p", std::to_string(b.port())});
    return a;
}

/// The time a message arrived differs between two subscribers; everything else must not.
std::string without_times(const std::string& s) {
    static const std::regex tst("\"tst\":\\s*\"[^\"]*\"");
    return std::regex_replace(s, tst, "\"tst\":\"T\"");
}

struct message {
    args pub_args;
    std::string stdin_data;
};

/// Runs mqsub and mosquitto_sub with the same output flags against one broker, publishes
/// `messages` with mosquitto_pub, and checks both printed the same bytes. Subscriptions stay at
/// QoS 1 or below: at QoS 2 libmosquitto hands a message over at PUBREL and Paho at PUBLISH, so
/// the two may legitimately print a QoS 2 message and the next QoS 0 one in different orders.
void compare(const std::vector<args>& output_flags, const std::vector<message>& messages, const args& extra = {}) {
    broker b;
    struct pair {
        args flags;
        std::unique_ptr<background_process> ours, ref;
    };
    std::vector<pair> subs;
    int n = 0;
    for (const auto& flags : output_flags) {
        pair p{flags, nullptr, nullptr};
        for (bool ours : {true, false}) {
            std::string id = (ours ? "ours" : "ref") + std::to_string(n);
            args a{"-t", "f/#", "-C", std::to_string(messages.size()), "-i", id};
            a.insert(a.end(), extra.begin(), extra.end());
            a.insert(a.end(), flags.begin(), flags.end());
            auto proc = std::make_unique<background_process>(ours ? tool("mqsub") : ref_sub, at(b, a));
            REQUIRE(b.wait_for_log("Sending SUBACK to " + id, 10s));
            (ours ? p.ours : p.ref) = std::move(proc);
        }
        subs.push_back(std::move(p));
        ++n;
    }
    for (const auto& m : messages) {
        auto r = run_tool(ref_pub, at(b, m.pub_args), m.stdin_data);
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
    }
    for (auto& s : subs) {
        auto ours = s.ours->wait(15s);
        auto ref = s.ref->wait(15s);
        std::string shown;
        for (const auto& f : s.flags) shown += "'" + f + "' ";
        INFO("output flags: " << shown);
        INFO("mqsub: " << describe(ours));
        INFO("mosquitto_sub: " << describe(ref));
        CHECK(ours.exit_code == ref.exit_code);
        CHECK(without_times(ours.out) == without_times(ref.out));
    }
}

const std::vector<message> v3_messages{
    {{"-t", "f/text", "-m", "hello world"}},
    {{"-t", "f/empty", "-n"}},
    {{"-t", "f/binary", "-s"}, std::string("bin\0ary\xff\x01\n", 10)},
    // No -0 here: mosquitto_sub prints it as its libcjson does, "-0" with cJSON 1.7.15 (Debian 12)
    // and "0" with 1.7.18 (Debian 13); mqkit prints cJSON 1.7.15's "-0" (unit test "%j").
    {{"-t", "f/json", "-m",
      R"({"t": 21.5, "a":[1, 2.50, {"b":null,"c":true}], "s":"x\u00e9\n\"q\"", "big":1e300, "n":-1})"}},
    {{"-t", "f/notjson", "-m", "{bad json"}},
    {{"-t", "f/number", "-m", "42"}},
    {{"-t", "f/q1", "-m", "at least once", "-q", "1"}},
    {{"-t", "f/q2", "-m", "exactly once", "-q", "2"}},
    {{"-t", "f/ctl", "-m", "tab\there \x1b[1m"}},
};

}  // namespace

TEST_CASE("mqsub prints payloads, -v and -N exactly like mosquitto_sub", "[e2e][compat][format]") {
    compare({{}, {"-v"}, {"-N"}, {"-v", "-N"}}, v3_messages, {"-q", "1"});
}

TEST_CASE("mqsub -F specifiers, widths and escapes match mosquitto_sub", "[e2e][compat][format]") {
    compare({{"-F", "%t|%p|%q|%r|%l|%m|%x|%X|%%"},
             {"-F", "%10t|%-10t|%.2t|%5.2t|%05l|%-5l.|%5p|%-p|%10x|%3p|%-05p|%3X"},
             {"-F", "\\t\\\\%%@@\\e\\a\\v\\r\\0end"},
             {"-F", "%A|%C|%E|%F|%S|%R|%D|%P|%5A|%05E|%5C|%-5F|"},
             {"-F", "%t", "-N"}},
            v3_messages, {"-q", "1"});
}

TEST_CASE("mqsub %j and %J (plain and --pretty) match mosquitto_sub's cJSON output", "[e2e][compat][format][json]") {
    compare({{"-F", "%j"}, {"-F", "%J"}, {"-F", "%j", "--pretty"}, {"-F", "[%J]", "--pretty"}}, v3_messages,
            {"-q", "1"});
}

TEST_CASE("mqsub shows MQTT v5 properties like mosquitto_sub (%P %C %R %D %F and %j)", "[e2e][compat][format][v5]") {
    const std::vector<message> v5_messages{
        {{"-V",
          "5",
          "-t",
          "f/props",
          "-m",
          "with properties",
          "-D",
          "publish",
          "user-property",
          "room",
          "lab",
          "-D",
          "publish",
          "user-property",
          "unit",
          "C",
          "-D",
          "publish",
          "content-type",
          "text/plain",
          "-D",
          "publish",
          "response-topic",
          "reply/here",
          "-D",
          "publish",
          "correlation-data",
          "abc123",
          "-D",
          "publish",
          "payload-format-indicator",
          "1"}},
        {{"-V", "5", "-t", "f/plain", "-m", "no properties", "-q", "1"}},
    };
    compare({{"-F", "%P|%C|%R|%D|%F|%5F|%-3F|%A|%S|%E|%p"}, {"-F", "%j"}, {"-F", "%J"}, {"-F", "%j", "--pretty"}},
            v5_messages, {"-V", "5", "-q", "1"});
}
