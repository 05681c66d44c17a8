// mqsub's output against mosquitto_sub's, byte for byte: -v, -N, every -F specifier, %j/%J,
// --pretty. mqsub follows mosquitto_sub 2.1: it is compared with Debian's mosquitto_sub (2.0.11)
// where 2.0 and 2.1 print the same, with mosquitto_sub 2.1 when a build of it is at hand
// (MQKIT_MOSQUITTO21_ROOT), and with the bytes 2.1 prints, written here, everywhere.
#include "support/broker.hpp"
#include "support/process.hpp"

#include "catch_compat.hpp"

#include <unistd.h>

#include <cstdlib>
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

/// mosquitto_sub 2.1 from a mosquitto 2.1 build tree ($MQKIT_MOSQUITTO21_ROOT, else the CMake
/// cache variable of that name), or "" when there is none.
std::string mosquitto21_sub() {
    const char* env = std::getenv("MQKIT_MOSQUITTO21_ROOT");
    std::string root = env && *env ? env : MQKIT_MOSQUITTO21_ROOT;
    if (root.empty()) return "";
    std::string sub = root + "/client/mosquitto_sub";
    return ::access(sub.c_str(), X_OK) == 0 ? sub : "";
}

/// The 2.1 reference, or "" after a warning that the comparison is left out.
std::string reference21() {
    std::string sub = mosquitto21_sub();
    if (sub.empty())
        WARN(
            "no mosquitto_sub 2.1 (set MQKIT_MOSQUITTO21_ROOT to a mosquitto 2.1 build tree): "
            "mqsub is checked against the expected bytes only");
    return sub;
}

args at(const broker& b, args a) {
    a.insert(a.begin(), {"-h", b.host(), "-p", std::to_string(b.port())});
    return a;
}

/// The time a message arrived differs between two subscribers; everything else must not.
std::string without_times(const std::string& s) {
    static const std::regex tst("\"tst\":\\s*\"[^\"]*\"");
    return std::regex_replace(s, tst, "\"tst\":\"T\"");
}

/// The bytes of a float or double in this machine's order, as mosquitto_sub's %f/%d read them.
template <typename T>
std::string bytes_of(T value) {
    return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

struct message {
    args pub_args;
    std::string stdin_data;
};

/// Runs each of `programs` once per entry of `output_flags` against one broker, publishes
/// `retained` (before anyone subscribes, so that they arrive with the retain flag) and then
/// `messages` with mosquitto_pub, and returns every subscriber's result: [flags][program].
/// Subscriptions stay at QoS 1 or below: at QoS 2 libmosquitto hands a message over at PUBREL and
/// Paho at PUBLISH, so the two may legitimately print a QoS 2 message and the next QoS 0 one in
/// different orders.
std::vector<std::vector<run_result>> subscribe(const std::vector<std::string>& programs,
                                               const std::vector<args>& output_flags,
                                               const std::vector<message>& messages, const args& extra,
                                               const std::vector<message>& retained = {}) {
    broker b;
    auto publish = [&](const message& m) {
        auto r = run_tool(ref_pub, at(b, m.pub_args), m.stdin_data);
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
    };
    for (const auto& m : retained) publish(m);
    std::vector<std::vector<std::unique_ptr<background_process>>> subs;
    for (const auto& flags : output_flags) {
        subs.emplace_back();
        for (const auto& program : programs) {
            std::string id = "sub" + std::to_string(subs.size()) + "-" + std::to_string(subs.back().size());
            args a{"-t", "f/#", "-C", std::to_string(retained.size() + messages.size()), "-i", id};
            a.insert(a.end(), extra.begin(), extra.end());
            a.insert(a.end(), flags.begin(), flags.end());
            subs.back().push_back(std::make_unique<background_process>(program, at(b, a)));
            REQUIRE(b.wait_for_log("Sending SUBACK to " + id, 10s));
        }
    }
    for (const auto& m : messages) publish(m);
    std::vector<std::vector<run_result>> results;
    for (auto& row : subs) {
        results.emplace_back();
        for (auto& p : row) results.back().push_back(p->wait(15s));
    }
    return results;
}

std::string shown(const args& flags) {
    std::string s;
    for (const auto& f : flags) s += "'" + f + "' ";
    return s;
}

/// mqsub and `reference` (a mosquitto_sub) print the same bytes, apart from time stamps.
void compare(const std::string& reference, const std::vector<args>& output_flags, const std::vector<message>& messages,
             const args& extra, const std::vector<message>& retained = {}) {
    auto results = subscribe({tool("mqsub"), reference}, output_flags, messages, extra, retained);
    for (std::size_t i = 0; i < output_flags.size(); ++i) {
        const run_result& ours = results[i][0];
        const run_result& ref = results[i][1];
        INFO("output flags: " << shown(output_flags[i]));
        INFO("mqsub: " << describe(ours));
        INFO(reference << ": " << describe(ref));
        CHECK(ours.exit_code == ref.exit_code);
        CHECK(without_times(ours.out) == without_times(ref.out));
    }
}

/// Output flags and the bytes mosquitto_sub 2.1 prints with them.
struct expectation {
    args flags;
    std::string out;  ///< with every "tst" value as "T"
};

/// mqsub prints exactly the expected bytes; returns the results for further checks.
std::vector<run_result> expect(const std::vector<expectation>& cases, const std::vector<message>& messages,
                               const args& extra, const std::vector<message>& retained = {}) {
    std::vector<args> flags;
    for (const auto& c : cases) flags.push_back(c.flags);
    auto results = subscribe({tool("mqsub")}, flags, messages, extra, retained);
    std::vector<run_result> ours;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO("output flags: " << shown(cases[i].flags));
        INFO("mqsub: " << describe(results[i][0]));
        CHECK(results[i][0].exit_code == 0);
        CHECK(without_times(results[i][0].out) == cases[i].out);
        ours.push_back(results[i][0]);
    }
    return ours;
}

/// Both references, where each applies: Debian's 2.0 when `same_in_20`, and 2.1 when present.
void compare_all(bool same_in_20, const std::vector<args>& output_flags, const std::vector<message>& messages,
                 const args& extra, const std::vector<message>& retained = {}) {
    if (same_in_20) compare(ref_sub, output_flags, messages, extra, retained);
    if (auto sub21 = reference21(); !sub21.empty()) compare(sub21, output_flags, messages, extra, retained);
}

const std::vector<message> v3_messages{
    {{"-t", "f/text", "-m", "hello world"}},
    {{"-t", "f/empty", "-n"}},
    {{"-t", "f/binary", "-s"}, std::string("bin\0ary\xff\x01\n", 10)},
    // -0: cJSON 1.7.15 (Debian 12) prints -0, 1.7.18 (Debian 13) 0; mqkit and mosquitto_sub print
    // JSON through the same system cJSON, so they agree on either.
    {{"-t", "f/json", "-m",
      R"({"t": 21.5, "a":[1, 2.50, {"b":null,"c":true}], "s":"x\u00e9\n\"q\"", "big":1e300, "n":-0})"}},
    {{"-t", "f/notjson", "-m", "{bad json"}},
    {{"-t", "f/number", "-m", "42"}},
    {{"-t", "f/q1", "-m", "at least once", "-q", "1"}},
    {{"-t", "f/q2", "-m", "exactly once", "-q", "2"}},
    {{"-t", "f/ctl", "-m", "tab\there \x1b[1m"}},
};

const std::vector<message> retained_messages{
    {{"-t", "f/kept", "-m", "kept", "-r", "-q", "1"}},
};

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
      "1",
      "-D",
      "publish",
      "message-expiry-interval",
      "3600"}},
    {{"-V", "5", "-t", "f/plain", "-m", "no properties", "-q", "1"}},
};

const std::vector<message> number_messages{
    {{"-t", "f/float", "-s"}, bytes_of(0.70710677f)},
    {{"-t", "f/double", "-s"}, bytes_of(2.718281828459045)},
    {{"-t", "f/text", "-m", "abc"}},
};

}  // namespace

TEST_CASE("mqsub prints payloads, -v and -N exactly like mosquitto_sub", "[e2e][compat][format]") {
    compare_all(true, {{}, {"-v"}, {"-N"}, {"-v", "-N"}}, v3_messages, {"-q", "1"});
}

TEST_CASE("mqsub -F specifiers, widths and escapes match mosquitto_sub", "[e2e][compat][format]") {
    // What mosquitto_sub 2.0 and 2.1 print alike (2.0 differs in %x/%X with a width).
    compare_all(true,
                {{"-F", "%t|%p|%q|%r|%l|%m|%x|%X|%%"},
                 {"-F", "%10t|%-10t|%.2t|%5.2t|%05l|%-5l.|%5p|%-p|%3p|%-05p|%-x"},
                 {"-F", "\\t\\\\%%@@\\e\\a\\v\\r\\0end"},
                 {"-F", "%A|%C|%E|%F|%S|%R|%D|%P|%5A|%05E|%5C|%-5F|"},
                 {"-F", "%t", "-N"}},
                v3_messages, {"-q", "1"});
}

TEST_CASE("mqsub -F follows mosquitto_sub 2.1: hex widths and groups, floats, separators", "[e2e][compat][format]") {
    compare_all(
        false,
        {{"-F", "%.1x|%.2x|%.2:x|%.3x|%18x|%-18x|%020x|%08x|%4x|%5.2_X|%20.2 x|%-20.4:X|%020.2:x|%-4x|%10x|%3X"},
         {"-F", "[%f][%10.2f][%-10.1f|][%010.3f][%.0f][%.3f]"},
         {"-F", "[%d][%.3d][%-8.2d][%08.2d][%.0d]"},
         {"-F", "%5-t|% t|%0-t|%..x|%@p|%05C|%-05A|%5C|%5%"}},
        [] {
            auto all = v3_messages;
            all.insert(all.end(), number_messages.begin(), number_messages.end());
            return all;
        }(),
        {"-q", "1"});
}

TEST_CASE("mqsub %j and %J (plain and --pretty) match mosquitto_sub 2.1's cJSON output",
          "[e2e][compat][format][json]") {
    compare_all(false, {{"-F", "%j"}, {"-F", "%J"}, {"-F", "%j", "--pretty"}, {"-F", "[%J]", "--pretty"}}, v3_messages,
                {"-q", "1"}, retained_messages);
}

TEST_CASE("mqsub shows MQTT v5 properties like mosquitto_sub (%P %C %R %D %F %E and %j)", "[e2e][compat][format][v5]") {
    compare_all(true, {{"-F", "%P|%C|%R|%D|%F|%5F|%-3F|%A|%S|%E|%p"}, {"-F", "%J"}}, v5_messages,
                {"-V", "5", "-q", "1"});
    compare_all(false, {{"-F", "%j"}, {"-F", "%j", "--pretty"}}, v5_messages, {"-V", "5", "-q", "1"});
}

TEST_CASE("mqsub -F %x/%X print mosquitto_sub 2.1's bytes: width in payload bytes, nibble groups", "[e2e][format]") {
    // mosquitto_sub 2.0 halved the bytes shown when a width was given (%18x: "            6d6573")
    // and refused a separator (%.2:x).
    const std::vector<message> text{{{"-t", "f/x", "-m", "message"}}};
    expect({{{"-F", "[%.1x][%.2x][%.2:x][%.3x]"},
             "[6 d 6 5 7 3 7 3 6 1 6 7 6 5][6d 65 73 73 61 67 65][6d:65:73:73:61:67:65][6d6 573 736 167 65]\n"},
            {{"-F", "[%18x][%-18x][%020x][%08x][%4x][%-4x][%-x]"},
             "[    6d657373616765][6d657373616765    ][0000006d657373616765][6d657373616765][6d657373]"
             "[6d657373    ][6d657373616765       ]\n"},
            {{"-F", "[%5.2_X][%20.2 x][%-20.4:X][%020.2:x]"},
             "[6D_65_73_73_61][         6d 65 73 73 61 67 65][6D65:7373:6167:65      ]"
             "[00:00:00:6d:65:73:73:61:67:65]\n"}},
           text, {});
}

TEST_CASE("mqsub -F %f/%d print a float or double payload as mosquitto_sub 2.1 does", "[e2e][format]") {
    auto results = expect({{{"-F", "[%f][%10.2f][%-10.1f|][%010.3f][%.0f]"},
                            "[0.707107][      0.71][0.7       |][000000.707][1]\n[][][|][][]\n[][][|][][]\n"},
                           {{"-F", "[%d][%.3d][%-8.2d][%08.2d][%.0d]"},
                            "[][][][][]\n[2.718282][2.718][2.72    ][00002.72][3]\n[][][][][]\n"}},
                          number_messages, {});
    // A payload of the wrong length: nothing for the conversion, a warning (mosquitto_sub prints
    // "requested float printing, but non-float data received", without a newline).
    CHECK(results[0].err.find("mqsub: warning: the payload on topic 'f/text' is not a 4-byte float (%f)\n") !=
          std::string::npos);
    CHECK(results[1].err.find("mqsub: warning: the payload on topic 'f/float' is not an 8-byte double (%d)\n") !=
          std::string::npos);
}

TEST_CASE("mqsub -F takes mosquitto_sub 2.1's grammar: a separator before any conversion, 0-padded %C",
          "[e2e][format]") {
    expect({{{"-F", "%5-t|% t|%0-t|%..x|%@p|%05C|%-05A|%5C|%5%|%-%"},
             "  f/x|f/x|f/x|6d657373616765|message|00000|00000|     |%|%\n"}},
           {{{"-t", "f/x", "-m", "message"}}}, {});
}

TEST_CASE("mqsub %j prints mosquitto_sub 2.1's JSON: retain as a boolean, tst without Z", "[e2e][format][json]") {
    auto results =
        expect({{{"-F", "%j"},
                 R"({"tst":"T","topic":"f/kept","qos":1,"retain":true,"payloadlen":4,"mid":1,"payload":"kept"})"
                 "\n"
                 R"({"tst":"T","topic":"f/text","qos":0,"retain":false,"payloadlen":11,"payload":"hello world"})"
                 "\n"
                 R"({"tst":"T","topic":"f/json","qos":0,"retain":false,"payloadlen":16,"payload":"{\"a\": [1, 2.50]}"})"
                 "\n"},
                {{"-F", "%J", "--pretty"},
                 "\n\n{\n\t\"tst\":\"T\",\n\t\"topic\":\t\"f/json\",\n\t\"qos\":\t0,\n\t\"retain\":\tfalse,\n"
                 "\t\"payloadlen\":\t16,\n\t\"payload\":\t{\n\t\t\"a\":\t[1, 2.5]\n\t}\n}\n"}},
               {{{"-t", "f/text", "-m", "hello world"}}, {{"-t", "f/json", "-m", R"({"a": [1, 2.50]})"}}}, {"-q", "1"},
               retained_messages);
    // "2024-03-05T06:07:08.123456+0000": 2.0.11 and 2.0.12 had a 'Z' before the offset.
    static const std::regex tst(R"("tst":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}")");
    CHECK(std::regex_search(results[0].out, tst));
}

TEST_CASE("mqsub %j prints MQTT v5 user properties as mosquitto_sub 2.1: an array of one-member objects",
          "[e2e][format][json][v5]") {
    expect({{{"-F", "%j"},
             R"({"tst":"T","topic":"f/props","qos":0,"retain":false,"payloadlen":15,"properties":{)"
             R"("user-properties":[{"room":"lab"},{"unit":"C"}],"content-type":"text/plain",)"
             R"("response-topic":"reply/here","correlation-data":"abc123","payload-format-indicator":1,)"
             R"("message-expiry-interval":3600},"payload":"with properties"})"
             "\n"
             R"({"tst":"T","topic":"f/plain","qos":1,"retain":false,"payloadlen":13,"mid":1,)"
             R"("payload":"no properties"})"
             "\n"}},
           v5_messages, {"-V", "5", "-q", "1"});
}
