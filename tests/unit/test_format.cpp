// Unit tests for mqsub's output formatter (-v, -N, -F) and the cJSON-backed JSON value.
#include "core/json.hpp"
#include "mqkit/error.hpp"
#include "mqkit/format.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <tuple>

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
    render_message(out, m, o);
    return out;
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
    std::string out;
    render_message(out, m, o);
    CHECK(out == "21.5\n");
    o.verbose = true;
    out.clear();
    render_message(out, m, o);
    CHECK(out == "lab/temp 21.5\n");
    m.payload.clear();
    out.clear();
    render_message(out, m, o);
    CHECK(out == "lab/temp (null)\n");  // mosquitto's words for an empty payload with -v
    o.verbose = false;
    out.clear();
    render_message(out, m, o);
    CHECK(out.empty());  // and nothing at all without -v
    o.eol = false;
    m.payload = "x";
    out.clear();
    render_message(out, m, o);
    CHECK(out == "x");
}

TEST_CASE("mqsub -F time specifiers use the arrival time", "[format]") {
    received_message m = sample();
    CHECK(render(m, "%I") == "2024-03-05T06:07:08+0000\n");
    CHECK(render(m, "%U") == "1709618828.123456789\n");
    CHECK(render(m, "@Y-@m-@d @H:@M:@S.@N @@") == "2024-03-05 06:07:08.123456789 @\n");
    CHECK(render(m, "%j") == R"({"tst":"2024-03-05T06:07:08.123456Z+0000","topic":"lab/temp","qos":1,"retain":0,)"
                             R"("payloadlen":4,"mid":7,"payload":"21.5"})"
                             "\n");
}

TEST_CASE("mqsub -F field widths, precision and the payload quirks", "[format]") {
    received_message m = sample();
    CHECK(render(m, "[%10t][%-10t][%.3t][%6.3t]") == "[  lab/temp][lab/temp  ][lab][   lab]\n");
    CHECK(render(m, "[%5l][%-5l][%05l][%05m]") == "[    4][4    ][00004][00007]\n");
    CHECK(render(m, "[%6p][%2p][%-p]") == "[  21.5][21][21.5    ]\n");
    CHECK(render(m, "[%x][%X][%8x]") == "[32312e35][32312E35][    3231]\n");
    CHECK(render(m, "%q%r%%", false) == "10%");
    CHECK(render(m, "\\t\\\\\\0|") == std::string("\t\\\0|\n", 5));
}

TEST_CASE("mqsub -F MQTT v5 properties, absent and present", "[format][v5]") {
    received_message m = sample();
    CHECK(render(m, "[%C][%5C][%E][%03F][%P][%R][%D]") == "[][     ][][000][][][]\n");
    m.content_type = "text/plain";
    m.user_properties = {{"room", "lab"}, {"unit", "C"}};
    m.correlation_data = std::string("id\0x", 4);
    m.payload_format_indicator = 1;
    m.property_order = {3, 38, 38, 9, 1};
    CHECK(render(m, "[%C][%P][%F]") == "[text/plain][room:lab unit:C][1]\n");
    CHECK(render(m, "%D") == std::string("id\0x\n", 5));
    CHECK(render(m, "%j").find(R"("properties":{"content-type":"text/plain","user-properties":{"room":"lab",)"
                               R"("unit":"C"},"correlation-data":"id","payload-format-indicator":1},)") !=
          std::string::npos);
}

TEST_CASE("mqsub -F strings mosquitto_sub refuses are refused, with the position", "[format]") {
    CHECK(format_error("%t %p").empty());
    CHECK(format_error("%-05p %.3t @@ \\n").empty());
    CHECK(format_error("abc%") == "-F/--format: incomplete format specifier '%' at byte 4");
    CHECK(format_error("%-") == "-F/--format: incomplete format specifier '%-' at byte 1");
    CHECK(format_error("%10") == "-F/--format: incomplete format specifier '%10' at byte 1");
    CHECK(format_error("x %z") == "-F/--format: invalid format specifier '%z' at byte 3");
    CHECK(format_error("%5.2k") == "-F/--format: invalid format specifier '%5.2k' at byte 1");
    CHECK(format_error("time @") == "-F/--format: incomplete time specifier '@' (write @@ for a literal @) at byte 6");
    CHECK(format_error("a\\") == "-F/--format: incomplete escape '\\' (write \\\\ for a literal \\) at byte 2");
    CHECK(format_error("\\q") == "-F/--format: invalid escape '\\q' at byte 1");
}

TEST_CASE("%J embeds a JSON payload and reports one that is not JSON", "[format][json]") {
    received_message m = sample();
    m.payload = R"( {"a": [1, 2.50], "b": "\u00e9"} )";
    CHECK(render(m, "%J").find(R"("payload":{"a":[1,2.5],"b":"é"}})") != std::string::npos);
    m.payload = "{oops";
    output_options o;
    o.format = "[%J]";
    std::string out;
    CHECK_FALSE(render_message(out, m, o));
    CHECK(out == "[]\n");
    m.payload = std::string("1\0", 2);  // cJSON stops at the NUL, then finds it is not at the end
    out.clear();
    CHECK_FALSE(render_message(out, m, o));
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
