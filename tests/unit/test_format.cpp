// Unit tests for mqsub's output formatter (-v, -N, -F, as mosquitto_sub 2.1) and the cJSON-backed JSON value.
#include "core/json.hpp"
#include "mqkit/error.hpp"
#include "mqkit/format.hpp"

#include "catch_compat.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace mqkit;

namespace {

/// 2024-03-05 06:07:08.123456789 UTC, rendered in UTC.
received_message sample() {
    setenv("TZ", "UTC", 1);
    tzset();
    received_message m;
    m.topic = "lab/temp";
    m.payload = "21.5";
    m.qos = 1;
    m.mid = 7;
    m.received_at =
        std::chrono::system_clock::time_point(std::chrono::seconds(1709618828)) + std::chrono::nanoseconds(123456789);
    return m;
}

std::string render(const received_message& m, const std::string& format, bool eol = true, bool pretty = false) {
    output_options o;
    o.format = format;
    o.eol = eol;
    o.pretty = pretty;
    std::string out;
    render_message(out, m, output_plan(o));
    return out;
}

/// The bytes of a float or double as this machine stores it (mosquitto_sub reads them so).
template <typename T>
std::string bytes_of(T value) {
    return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

std::string format_error(const std::string& format) {
    try {
        validate_format(format);
    } catch (const usage_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("plain, -v and -N output follow mosquitto_sub's rules", "[format]") {
    received_message m = sample();
    output_options o;
    auto render_with = [&] {
        std::string out;
        CHECK_FALSE(render_message(out, m, output_plan(o)).any());
        return out;
    };
    CHECK(render_with() == "21.5\n");
    o.verbose = true;
    CHECK(render_with() == "lab/temp 21.5\n");
    m.payload.clear();
    CHECK(render_with() == "lab/temp (null)\n");  // mosquitto's words for an empty payload with -v
    o.verbose = false;
    CHECK(render_with().empty());  // and nothing at all without -v
    o.eol = false;
    m.payload = "x";
    CHECK(render_with() == "x");
}

TEST_CASE("mqsub -F time specifiers use the arrival time", "[format]") {
    received_message m = sample();
    CHECK(render(m, "%I") == "2024-03-05T06:07:08+0000\n");
    CHECK(render(m, "%U") == "1709618828.123456789\n");
    CHECK(render(m, "@Y-@m-@d @H:@M:@S.@N @@") == "2024-03-05 06:07:08.123456789 @\n");
    // mosquitto 2.1: "retain" is a JSON boolean, and "tst" has no 'Z' before the offset.
    CHECK(render(m, "%j") == R"({"tst":"2024-03-05T06:07:08.123456+0000","topic":"lab/temp","qos":1,"retain":false,)"
                             R"("payloadlen":4,"mid":7,"payload":"21.5"})"
                             "\n");
    m.retained = true;
    CHECK(render(m, "%j").find(R"("retain":true,)") != std::string::npos);
}

TEST_CASE("mqsub -F field widths, precision and the payload quirks", "[format]") {
    received_message m = sample();
    CHECK(render(m, "[%10t][%-10t][%.3t][%6.3t]") == "[  lab/temp][lab/temp  ][lab][   lab]\n");
    CHECK(render(m, "[%5l][%-5l][%05l][%05m][%-05m]") == "[    4][4    ][00004][00007][7    ]\n");
    CHECK(render(m, "[%6p][%2p][%-p][%06p]") == "[  21.5][21][21.5    ][0021.5]\n");
    CHECK(render(m, "%q%r%%|%5%|%-%", false) == "10%|%|%");
    CHECK(render(m, "\\t\\\\\\0|\\a\\e\\r\\v") == std::string("\t\\\0|\a\x1b\r\v\n", 9));
}

TEST_CASE("mqsub -F %x and %X: width in payload bytes, groups of nibbles (mosquitto 2.1)", "[format]") {
    received_message m = sample();  // "21.5": 4 bytes, 8 hex digits
    // 2.0 halved the bytes shown whenever a width was given: %8x printed "    3231".
    CHECK(render(m, "[%x][%X][%8x][%10x][%3x][%-3x][%-x]") ==
          "[32312e35][32312E35][32312e35][  32312e35][32312e][32312e   ][32312e35    ]\n");
    m.payload = "message";
    const std::vector<std::pair<std::string, std::string>> cases{
        {"%.1x", "6 d 6 5 7 3 7 3 6 1 6 7 6 5"},
        {"%.2x", "6d 65 73 73 61 67 65"},
        {"%.2:x", "6d:65:73:73:61:67:65"},
        {"%.3x", "6d6 573 736 167 65"},
        {"%18x", "    6d657373616765"},
        {"%-18x", "6d657373616765    "},
        {"%020x", "0000006d657373616765"},
        {"%08x", "6d657373616765"},
        {"%4x", "6d657373"},
        {"%5.2_X", "6D_65_73_73_61"},
        {"%20.2 x", "         6d 65 73 73 61 67 65"},  // separators follow the padding too
        {"%-20.4:X", "6D65:7373:6167:65      "},
        {"%020.2:x", "00:00:00:6d:65:73:73:61:67:65"},
        {"%.0x|%.x", "6d657373616765|6d657373616765"},
    };
    for (const auto& [format, expected] : cases) {
        INFO(format);
        CHECK(render(m, format) == expected + "\n");
    }
}

TEST_CASE("mqsub -F %f and %d print an IEEE 754 float or double payload (mosquitto 2.1)", "[format]") {
    received_message m = sample();
    m.payload = bytes_of(0.70710677f);
    CHECK(render(m, "%.3f") == "0.707\n");
    CHECK(render(m, "[%f][%10.2f][%-10.1f|][%010.3f][%.0f]") == "[0.707107][      0.71][0.7       |][000000.707][1]\n");
    m.payload = bytes_of(2.718281828459045);
    CHECK(render(m, "%.3d|%d|%.0d|%-8.2d|%08.2d") == "2.718|2.718282|3|2.72    |00002.72\n");
    m.payload = bytes_of(-1.0 / 0.0);
    CHECK(render(m, "[%d][%06d]") == "[-inf][  -inf]\n");  // printf's rules: no zeros before inf

    // The wrong length prints nothing for that conversion (and a warning), the rest as usual.
    m.payload = "abc";
    output_options o;
    o.format = "[%f][%d][%t]";
    std::string out;
    render_problems problems = render_message(out, m, output_plan(o));
    CHECK(out == "[][][lab/temp]\n");
    CHECK(problems.not_float);
    CHECK(problems.not_double);
    CHECK_FALSE(problems.invalid_json);
    CHECK(problems.messages("lab/temp") ==
          std::vector<std::string>{"the payload on topic 'lab/temp' is not a 4-byte float (%f)",
                                   "the payload on topic 'lab/temp' is not an 8-byte double (%d)"});
}

TEST_CASE("mqsub -F MQTT v5 properties, absent and present", "[format][v5]") {
    received_message m = sample();
    // An absent %C is filled with the pad character, '0' too (2.1; 2.0 always used blanks).
    CHECK(render(m, "[%C][%5C][%05C][%E][%03F][%-03A][%P][%R][%5R][%D]") == "[][     ][00000][][000][000][][][][]\n");
    m.content_type = "text/plain";
    m.user_properties = {{"room", "lab"}, {"unit", "C"}};
    m.correlation_data = std::string("id\0x", 4);
    m.payload_format_indicator = 1;
    m.message_expiry = 4294967295U;  // printed through an int, as mosquitto does
    m.property_order = {3, 38, 2, 38, 9, 1};
    CHECK(render(m, "[%C][%P][%F][%E][%05E][%-5E][%5E]") ==
          "[text/plain][room:lab unit:C][1][-1][-0001][-1   ][   -1]\n");
    CHECK(render(m, "%D") == std::string("id\0x\n", 5));
    // 2.1: the user properties are one array of one-member objects, where the first one arrived.
    CHECK(render(m, "%j").find(R"("properties":{"content-type":"text/plain","user-properties":[{"room":"lab"},)"
                               R"({"unit":"C"}],"message-expiry-interval":4294967295,"correlation-data":"id",)"
                               R"("payload-format-indicator":1},)") != std::string::npos);
}

TEST_CASE("mqsub -F strings mosquitto_sub refuses are refused, with the position", "[format]") {
    CHECK(format_error("%t %p").empty());
    CHECK(format_error("%-05p %.3t @@ \\n").empty());
    // 2.1 takes one separator character before any conversion ("%.2:x"; ignored unless %x/%X).
    CHECK(format_error("%5-t % t %0-t %..x %@p %\\q %.2:x %-20.4 X").empty());
    CHECK(format_error("%f%d%10.3f%-08.2d").empty());
    CHECK(format_error("abc%") == "-F/--format: incomplete format specifier '%' at byte 4");
    CHECK(format_error("%-") == "-F/--format: incomplete format specifier '%-' at byte 1");
    CHECK(format_error("%10") == "-F/--format: incomplete format specifier '%10' at byte 1");
    CHECK(format_error("%5.2:") == "-F/--format: incomplete format specifier '%5.2:' at byte 1");
    CHECK(format_error("x %z") == "-F/--format: invalid format specifier '%z' at byte 3");
    CHECK(format_error("%5.2k") == "-F/--format: invalid format specifier '%5.2k' at byte 1");
    CHECK(format_error("%.2:k") == "-F/--format: invalid format specifier '%.2:k' at byte 1");
    CHECK(format_error("%0-5l") == "-F/--format: invalid format specifier '%0-5' at byte 1");
    CHECK(format_error("%::x") == "-F/--format: invalid format specifier '%::' at byte 1");
    CHECK(format_error("time @") == "-F/--format: incomplete time specifier '@' (write @@ for a literal @) at byte 6");
    CHECK(format_error("a\\") == "-F/--format: incomplete escape '\\' (write \\\\ for a literal \\) at byte 2");
    CHECK(format_error("\\q") == "-F/--format: invalid escape '\\q' at byte 1");
}

TEST_CASE("a -F format is compiled once into steps", "[format]") {
    auto steps = compile_format("a%%b\\n@@%-08.3:xz@N@H%t");
    REQUIRE(steps.size() == 6);
    CHECK(steps[0].what == format_step::kind::text);
    CHECK(steps[0].text == "a%b\n@");  // plain text, %%, escapes and @@ in one step
    CHECK(steps[1].what == format_step::kind::field);
    CHECK(steps[1].letter == 'x');
    CHECK(steps[1].options.left);
    CHECK(steps[1].options.pad == '0');
    CHECK(steps[1].options.width == 8);
    CHECK(steps[1].options.precision == 3);
    CHECK(steps[1].options.separator == ':');
    CHECK(steps[2].text == "z");
    CHECK(steps[3].what == format_step::kind::nanoseconds);
    CHECK(steps[4].what == format_step::kind::time);
    CHECK(steps[4].text == "%H");
    CHECK(steps[5].letter == 't');
    CHECK(steps[5].options.precision == -1);
    CHECK(compile_format("").empty());

    // The local time (localtime_r) is worked out per message only when a step shows it.
    auto local = [](const char* format) {
        output_options o;
        o.format = format;
        return output_plan(o).needs_local_time();
    };
    CHECK_FALSE(local("%t %p %U @N @@"));
    CHECK(local("%I"));
    CHECK(local("%j"));
    CHECK(local("%J"));
    CHECK(local("@H"));
    CHECK_FALSE(output_plan().needs_local_time());
}

TEST_CASE("%J embeds a JSON payload and reports one that is not JSON", "[format][json]") {
    received_message m = sample();
    m.payload = R"( {"a": [1, 2.50], "b": "\u00e9"} )";
    CHECK(render(m, "%J").find(R"("payload":{"a":[1,2.5],"b":"é"}})") != std::string::npos);
    m.payload = "{oops";
    output_options o;
    o.format = "[%J]";
    const output_plan plan(o);
    std::string out;
    CHECK(render_message(out, m, plan).invalid_json);
    CHECK(out == "[]\n");
    m.payload = std::string("1\0", 2);  // cJSON stops at the NUL, then finds it is not at the end
    out.clear();
    auto problems = render_message(out, m, plan);
    CHECK(problems.invalid_json);
    CHECK(problems.messages("t") == std::vector<std::string>{"the payload on topic 't' is not valid JSON (%J)"});
}

TEST_CASE("JSON is parsed with cJSON's rules", "[json]") {
    CHECK(json::parse(" {\"a\":1} \n"));
    CHECK(json::parse("[]"));
    CHECK(json::parse("\"\\ud83d\\ude00\"")->as_string() == "\xF0\x9F\x98\x80");
    CHECK_FALSE(json::parse(""));
    CHECK_FALSE(json::parse("{\"a\":1} x"));
    CHECK_FALSE(json::parse("[1,]"));
    CHECK_FALSE(json::parse("{\"a\" 1}"));
    CHECK_FALSE(json::parse("\"\\x\""));
    CHECK_FALSE(json::parse("\"\\udc00\""));  // a lone low surrogate
    CHECK_FALSE(json::parse("nul"));
    CHECK_FALSE(json::parse(std::string(1001, '[') + std::string(1001, ']')));  // nesting limit
    CHECK(json::parse(std::string(999, '[') + std::string(999, ']')));
    auto dup = json::parse(R"({"k":1,"k":2})");
    REQUIRE(dup);
    CHECK(dup->members().size() == 2);  // duplicates kept, in order
    CHECK(dup->find("k")->as_number() == 1);
}

TEST_CASE("JSON is printed as the system's cJSON prints it", "[json]") {
    // cJSON 1.7.16 and later (Debian 13) print -0 as 0; 1.7.15 (Debian 12) as -0. mosquitto_sub
    // prints what the cJSON it is linked to prints, and so does mqkit.
    const std::string version(cjson_version());
    INFO("cJSON " << version);
    int major = 0, minor = 0, patch = 0;
    REQUIRE(std::sscanf(version.c_str(), "%d.%d.%d", &major, &minor, &patch) == 3);
    const std::string zero = std::make_tuple(major, minor, patch) < std::make_tuple(1, 7, 16) ? "-0" : "0";
    CHECK(json::parse(R"({"n":[0,-0,42,2.5,1e300,0.1,123456789012345678]})")->dump() ==
          R"({"n":[0,)" + zero + R"(,42,2.5,1e+300,0.1,1.2345678901234568e+17]})");
    CHECK(json::parse("\"tab\\t \\u0001 / \\\"\"")->dump() == "\"tab\\t \\u0001 / \\\"\"");
    CHECK(json::parse(R"({"a":{"b":[1,{"c":{}}]},"d":[]})")->dump(true) ==
          "{\n\t\"a\":\t{\n\t\t\"b\":\t[1, {\n\t\t\t\t\"c\":\t{\n\t\t\t\t}\n\t\t\t}]\n\t},\n\t\"d\":\t[]\n}");
    json o = json::object();
    o.add("x", json::number(1.5));
    CHECK(o.number_or("x", 0) == 1.5);
    CHECK(o.number_or("y", -1) == -1);
    std::string quoted;
    json_quote(quoted, std::string("a\"\\\x01\xc3\xa9\0tail", 10));
    CHECK(quoted == "\"a\\\"\\\\\\u0001\xc3\xa9\"");  // cut at the NUL, as a C string
}
