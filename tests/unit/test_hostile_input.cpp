// Unit tests for hostile input: every parser gives a clear error or a correct result, never a crash.
#include "cli/url.hpp"
#include "core/json.hpp"
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/format.hpp"
#include "mqkit/topic.hpp"

#include "catch_compat.hpp"

#include <string>
#include <vector>

using namespace mqkit;
using args = std::vector<std::string>;

namespace {

const process_identity who{4242, "testhost"};

template <class Parse>
std::string error_of(Parse&& parse) {
    try {
        parse();
    } catch (const error& e) {
        CHECK(e.status() == 1);
        return e.what();
    }
    return "";
}

std::string pub_error(const args& a) {
    return error_of([&] { parse_pub(a, nullptr, who); });
}
std::string sub_error(const args& a) {
    return error_of([&] { parse_sub(a, nullptr, who); });
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("hostile topics are refused with the reason", "[hostile][topic]") {
    CHECK(topic_name_problem(std::string("a\0b", 3)) == "topic contains a NUL byte at 1");
    CHECK(topic_name_problem("a/\xff") == "topic is not valid UTF-8 (byte 2)");
    CHECK(topic_name_problem("\xc0\xaf") == "topic is not valid UTF-8 (byte 0)");      // overlong '/'
    CHECK(topic_name_problem("\xed\xa0\x80") == "topic is not valid UTF-8 (byte 0)");  // a UTF-16 surrogate
    CHECK(topic_name_problem("a\xe2\x82") == "topic is not valid UTF-8 (byte 1)");     // cut short
    CHECK(topic_name_problem(std::string(65535, 'x')).empty());
    CHECK(topic_name_problem(std::string(65536, 'x')) == "topic is 65536 bytes long (at most 65535)");
    CHECK(topic_name_problem("").size() > 0);
    CHECK(topic_name_problem("a/+") == "a topic to publish to cannot contain the wildcards + or #");
    CHECK(topic_name_problem("#") == "a topic to publish to cannot contain the wildcards + or #");
    for (const char* bad : {"a/#/b", "a#", "#a", "a/b+", "+a/b", "a/#/#"})
        CHECK_FALSE(topic_filter_problem(bad).empty());
    for (const char* good : {"#", "+", "+/+/#", "a//b", "/", "$SYS/#", "\xc3\xa9t\xc3\xa9/+"})
        CHECK(topic_filter_problem(good).empty());
}

TEST_CASE("hostile topics on the command line: one error line, not the whole value", "[hostile][cli]") {
    auto huge = pub_error({"-t", std::string(70000, 'x'), "-m", "m"});
    CHECK(starts_with(huge, "-t/--topic: invalid topic"));
    CHECK(huge.find("topic is 70000 bytes long (at most 65535)") != std::string::npos);
    CHECK(huge.size() < 300);
    auto binary = pub_error({"-t", "a\x1b[2J\xff", "-m", "m"});
    CHECK(binary == "-t/--topic: invalid topic 'a\\x1b[2J\\xff': topic is not valid UTF-8 (byte 5)");
    CHECK(binary.find('\x1b') == std::string::npos);
    CHECK(sub_error({"-t", "a/#/b"}) ==
          "-t/--topic: invalid topic filter 'a/#/b': # is only allowed as the last level");
}

TEST_CASE("mqsub -F strings ending in a lone %, \\ or @ are refused like mosquitto_sub does", "[hostile][format]") {
    for (std::string f : {"%", "abc%", "\\", "abc\\", "@", "x@", "%0", "%-", "%08."}) {
        INFO(f);
        std::string what = error_of([&] { validate_format(f); });
        CHECK(what.find("at byte") != std::string::npos);
    }
    // Binary payloads and topics render byte for byte.
    received_message m;
    m.topic = "t";
    m.payload = std::string("\0bin\xff", 5);
    output_options o;
    o.format = "%t|%p|%l";
    std::string out;
    render_message(out, m, output_plan(o));
    CHECK(out == std::string("t|\0bin\xff|5\n", 10));
}

TEST_CASE("mqsub -F widths that would overflow or pad each message to gigabytes are refused",
          "[hostile][format][fuzz]") {
    // Found by fuzz_format: "%4444444444p" overflowed the width (undefined behaviour).
    CHECK(error_of([] { validate_format("%4444444444p"); }) ==
          "-F/--format: width 4444444444 in '%4444444444p' is too large (at most 65535) at byte 1");
    CHECK(error_of([] { validate_format("x%-0.99999999t"); }) ==
          "-F/--format: precision 99999999 in '%-0.99999999t' is too large (at most 65535) at byte 2");
    CHECK(error_of([] { validate_format("%65535p%000000000000065535.65535t"); }).empty());
    // The renderer only ever sees a compiled format: an output plan refuses the same.
    output_options o;
    o.format = "%4444444444l";
    CHECK_THROWS_AS(output_plan(o), usage_error);
    o.format = "%65535l";
    std::string out;
    render_message(out, received_message{}, output_plan(o));
    CHECK(out.size() == 65535 + 1);
}

TEST_CASE("mqpub -D properties with the wrong type are refused, naming the property", "[hostile][properties]") {
    const args base{"-t", "a", "-m", "x", "-V", "5", "-D"};
    auto with = [&](args extra) {
        args a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return pub_error(a);
    };
    CHECK(with({"publish", "message-expiry-interval", "soon"}) ==
          "-D publish message-expiry-interval: 'soon' is not a whole number (0-4294967295)");
    CHECK(with({"publish", "message-expiry-interval", "4294967296"}) ==
          "-D publish message-expiry-interval: 4294967296 is out of range (0-4294967295)");
    CHECK(with({"publish", "message-expiry-interval", "-1"}) ==
          "-D publish message-expiry-interval: -1 is out of range (0-4294967295)");
    CHECK(with({"publish", "message-expiry-interval", " 5"}) ==
          "-D publish message-expiry-interval: ' 5' is not a whole number (0-4294967295)");
    CHECK(with({"connect", "receive-maximum", "65536"}) ==
          "-D connect receive-maximum: 65536 is out of range (1-65535)");
    // Values MQTT v5 calls a protocol error: the broker would drop the connection.
    CHECK(with({"connect", "receive-maximum", "0"}) == "-D connect receive-maximum: 0 is out of range (1-65535)");
    CHECK(with({"connect", "maximum-packet-size", "0"}) ==
          "-D connect maximum-packet-size: 0 is out of range (1-4294967295)");
    CHECK(with({"publish", "topic-alias", "0"}) == "-D publish topic-alias: 0 is out of range (1-65535)");
    CHECK(with({"publish", "payload-format-indicator", "2"}) ==
          "-D publish payload-format-indicator: 2 is out of range (0-1)");
    CHECK(with({"connect", "request-problem-information", "7"}) ==
          "-D connect request-problem-information: 7 is out of range (0-1)");
    CHECK(with({"publish", "no-such-property", "1"}) == "-D: unknown property 'no-such-property'");
    CHECK(with({"publish", "user-property", "only-name"}).rfind("-D: needs", 0) == 0);
    CHECK(with({"publish", "payload-format-indicator", "1"}).empty());
}

TEST_CASE("URLs with missing parts or bad ports", "[hostile][url]") {
    auto url_error = [](const std::string& u) { return error_of([&] { parse_broker_url(u); }); };
    // The URL itself is not echoed: it may hold a password.
    CHECK(url_error("localhost:1883") ==
          "-L: the value is not a URL of the form mqtt://[user[:password]@]host[:port]/topic");
    CHECK(url_error("mqtt://") == "-L: no host in the URL");
    CHECK(url_error("mqtt://:1883/t") == "-L: no host in the URL");
    CHECK(url_error("mqtt://h:/t") == "-L: ':' with no port number after it");
    CHECK(url_error("mqtt://h:0") == "-L port: 0 is out of range (1-65535)");
    CHECK(url_error("mqtt://h:65536") == "-L port: 65536 is out of range (1-65535)");
    CHECK(url_error("mqtt://h:-1") == "-L port: -1 is out of range (1-65535)");
    CHECK(url_error("mqtt://h:12ab") == "-L port: '12ab' is not a whole number (1-65535)");
    CHECK(url_error("mqtt://h:99999999999999999999") == "-L port: 99999999999999999999 is out of range (1-65535)");
    CHECK(url_error("mqtt://[::1") == "-L: missing ']' in '[::1'");
    CHECK(url_error("mqtt://[::1]x") == "-L: unexpected 'x' after the host");
    CHECK(url_error("mqtt://@h") == "-L: empty user name before '@'");
    CHECK(url_error("ftp://h") == "-L: unsupported scheme 'ftp://' (use mqtt://, mqtts://, ws:// or wss://)");
    auto u = parse_broker_url("mqtt://u:p:q@[::1]:1884/a/b");
    CHECK(u.host == "::1");
    CHECK(u.port == 1884);
    CHECK(*u.password == "p:q");
    CHECK(u.topic == "a/b");
}

TEST_CASE("hostile JSON payloads: refused or printed, never a crash", "[hostile][json]") {
    CHECK_FALSE(json::parse(std::string(100000, '[')));
    CHECK_FALSE(json::parse(std::string(100000, '{')));
    CHECK(json::parse(std::string(999, '[') + std::string(999, ']')));
    CHECK_FALSE(json::parse("\"\\ud800\""));
    CHECK_FALSE(json::parse(""));
    CHECK_FALSE(json::parse(std::string("[1]\0", 4)) == std::nullopt);  // cJSON reads up to the NUL
    CHECK_FALSE(json::parse("1e99999") == std::nullopt);
    received_message m;
    m.topic = "t";
    m.payload = std::string(100000, '[');
    std::string out;
    CHECK_FALSE(render_json(out, m, true, false));
    CHECK(out.empty());
}

TEST_CASE("hostile arguments: empty, huge, binary words", "[hostile][cli]") {
    CHECK(pub_error({""}) == "unexpected argument ''");
    CHECK(pub_error({"-t"}) == "-t/--topic: missing argument <topic>");
    CHECK_FALSE(pub_error({"-t", "a", "-m", std::string(1 << 20, 'x')}).size());  // a 1 MiB -m is a fine message
    CHECK(pub_error({"-t", "a", "-m", "x", "-p", std::string(100, '9')}).find("out of range") != std::string::npos);
    CHECK(pub_error({"-t", "a", "-m", "x", "-q", "1 "}) == "-q/--qos: invalid QoS '1 ' (use 0, 1 or 2)");
    CHECK(pub_error({"-t", "a", "-m", "x", "--reconnect-timeout", "-1"}) ==
          "--reconnect-timeout: -1 is out of range (0-86400)");
    CHECK(pub_error({"-t", "a", "-m", "x", "--max-reconnect-wait", "0"}) ==
          "--max-reconnect-wait: 0 is out of range (1-3600)");
    auto c = parse_pub({"-t", "a", "-l", "--max-reconnect-wait", "5", "--reconnect-timeout", "0"}, nullptr, who).config;
    CHECK(c.max_reconnect_wait == 5);
    CHECK(c.reconnect_timeout == 0);
    auto d = parse_pub({"-t", "a", "-l"}, nullptr, who).config;
    CHECK(d.max_reconnect_wait == 30);
    CHECK(d.reconnect_timeout == 60);
}
