// Unit tests for tspub's pure parts: encoding, names and values, credentials files, --stdin parsing, rate limit, argv.
#include "mqkit/error.hpp"
#include "mqkit/flags.hpp"
#include "thingspeak/thingspeak.hpp"

#include "catch_compat.hpp"

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace mqkit;
using namespace mqkit::thingspeak;
using args = std::vector<std::string>;

namespace {

const process_identity who{4242, "testhost"};

std::map<std::string, std::string>& fake_env() {
    static std::map<std::string, std::string> env;
    return env;
}

const char* lookup(const char* name) {
    auto it = fake_env().find(name);
    return it == fake_env().end() ? nullptr : it->second.c_str();
}

/// Sets fake environment variables for one scope.
struct env_scope {
    explicit env_scope(std::initializer_list<std::pair<const std::string, std::string>> vars) { fake_env() = vars; }
    env_scope(const env_scope&) = delete;
    env_scope& operator=(const env_scope&) = delete;
    ~env_scope() { fake_env().clear(); }
};

tspub_config ts(args a) {
    a.insert(a.begin(), {"--channel", "1234567"});
    return parse_tspub(a, lookup, who).config;
}

/// The error (status and message) that parsing `a` throws; status 0 if it does not throw.
struct failure {
    int status = 0;
    std::string message;
    std::string hint;
};

template <class F>
failure failure_of(F&& f) {
    try {
        f();
    } catch (const error& e) {
        return {e.status(), e.what(), e.hint()};
    }
    return {};
}

failure ts_error(const args& a) {
    return failure_of([&] { parse_tspub(a, lookup, who); });
}

std::string usage_message(const args& a) {
    failure f = ts_error(a);
    CHECK(f.status == static_cast<int>(tspub_exit::usage));
    return f.message;
}

std::string check_error(const std::string& name, const std::string& value) {
    failure f = failure_of([&] { check_value(name, value); });
    CHECK(f.status == 2);
    return f.message;
}

update u(std::vector<std::pair<std::string, std::string>> pairs) {
    update out;
    for (auto& [n, v] : pairs) out.push_back({n, v});
    return out;
}

std::string temp_dir() {
    char tmpl[] = "/tmp/mqkit-ts-unit-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    return tmpl;
}

}  // namespace

TEST_CASE("form_encode: unreserved kept, space as +, everything else %XX", "[thingspeak][encode]") {
    CHECK(form_encode("23.5") == "23.5");
    CHECK(form_encode("-4.25e3") == "-4.25e3");
    CHECK(form_encode("AZaz09-._~") == "AZaz09-._~");
    CHECK(form_encode("all ok") == "all+ok");
    CHECK(form_encode("a&b=c+d") == "a%26b%3Dc%2Bd");
    CHECK(form_encode("2024-01-01T10:00:00Z") == "2024-01-01T10%3A00%3A00Z");
    CHECK(form_encode("50%/*") == "50%25%2F%2A");
    CHECK(form_encode("\xC3\xBC") == "%C3%BC");
    CHECK(form_encode(std::string("\0\n", 2)) == "%00%0A");
    CHECK(form_encode("") == "");
}

TEST_CASE("build_payload joins name=value pairs with & in the given order", "[thingspeak][encode]") {
    CHECK(build_payload(u({{"field1", "23.5"}, {"field2", "41"}, {"status", "ok"}})) ==
          "field1=23.5&field2=41&status=ok");
    CHECK(build_payload(u({{"status", "door open"}, {"field8", "1"}})) == "status=door+open&field8=1");
    CHECK(build_payload(u({{"created_at", "2024-01-01 10:00:00 UTC"}})) == "created_at=2024-01-01+10%3A00%3A00+UTC");
}

TEST_CASE("names: field1..field8, status, lat, long, elevation, created_at", "[thingspeak][names]") {
    for (const char* name : {"field1", "field2", "field3", "field4", "field5", "field6", "field7", "field8", "status",
                             "lat", "long", "elevation", "created_at"})
        CHECK_NOTHROW(check_value(name, "1"));
    CHECK(check_error("field9", "1") == "field9: field number 9 is outside 1-8");
    CHECK(check_error("field0", "1") == "field0: field number 0 is outside 1-8");
    CHECK(check_error("field10", "1") == "field10: field number 10 is outside 1-8");
    CHECK(check_error("feild1", "1") ==
          "unknown field name 'feild1' (use field1..field8, status, lat, long, elevation or created_at)");
    CHECK(failure_of([] { check_value("feild1", "1"); }).hint == "did you mean field1?");
    CHECK(failure_of([] { check_value("Status", "1"); }).hint == "did you mean status?");
    CHECK(check_error("field01", "1").rfind("unknown field name 'field01'", 0) == 0);
    CHECK(check_error("field", "1").rfind("unknown field name 'field'", 0) == 0);
    CHECK(check_error("latitude", "1").rfind("unknown field name 'latitude'", 0) == 0);
    CHECK(check_error("", "1") == "empty field name before '='");
    CHECK(failure_of([] { check_value("zzzzzzzz", "1"); }).hint.empty());
}

TEST_CASE("values: not empty, at most 255 characters (UTF-8 code points)", "[thingspeak][values]") {
    CHECK(check_error("field1", "") == "field1: empty value");
    CHECK(failure_of([] { check_value("field1", ""); }).hint == "is a shell variable unset? nothing was sent");
    CHECK_NOTHROW(check_value("status", std::string(255, 'x')));
    CHECK(check_error("status", std::string(256, 'x')) ==
          "status: value is 256 characters long; ThingSpeak keeps at most 255");
    std::string e_acute = "\xC3\xA9";
    std::string long_utf8;
    for (int i = 0; i < 255; ++i) long_utf8 += e_acute;
    CHECK_NOTHROW(check_value("status", long_utf8));  // 510 bytes, 255 characters
    CHECK(check_error("status", long_utf8 + "x") ==
          "status: value is 256 characters long; ThingSpeak keeps at most 255");
}

TEST_CASE("check_update: at least one value, no name twice", "[thingspeak][values]") {
    CHECK_NOTHROW(check_update(u({{"field1", "1"}, {"field2", "2"}})));
    CHECK(failure_of([] { check_update({}); }).message == "no values in this update");
    CHECK(failure_of([] {
              check_update(u({{"field1", "1"}, {"field1", "2"}}));
          }).message == "field1 given twice in one update");
}

TEST_CASE("field numbers and channel ids", "[thingspeak][values]") {
    CHECK(parse_field_number("1", "--field") == 1);
    CHECK(parse_field_number("8", "--field") == 8);
    CHECK(parse_field_number("08", "--field") == 8);
    CHECK(failure_of([] { parse_field_number("9", "--field"); }).message == "--field: field number 9 is outside 1-8");
    CHECK(failure_of([] { parse_field_number("0", "-0"); }).message == "-0: field number 0 is outside 1-8");
    CHECK(failure_of([] { parse_field_number("x", "--field"); }).message == "--field: 'x' is not a field number (1-8)");
    CHECK(failure_of([] { parse_field_number("", "--field"); }).message == "--field: '' is not a field number (1-8)");

    CHECK(parse_channel_id("1234567", "--channel") == "1234567");
    CHECK(failure_of([] { parse_channel_id("", "--channel"); }).message == "--channel: empty channel id");
    auto not_number = failure_of([] { parse_channel_id("abc", "THINGSPEAK_CHANNEL_ID"); });
    CHECK(not_number.status == 2);
    CHECK(not_number.message == "THINGSPEAK_CHANNEL_ID: channel id 'abc' is not a number");
    CHECK(not_number.hint == "a ThingSpeak channel id is digits only, e.g. 1234567");
    CHECK(failure_of([] { parse_channel_id("-5", "--channel"); }).message ==
          "--channel: channel id '-5' is not a number");
    CHECK(failure_of([] { parse_channel_id("0123", "--channel"); }).message ==
          "--channel: '0123' is not a valid channel id (no leading zero, at most 18 digits)");
    CHECK(failure_of([] { parse_channel_id(std::string(19, '1'), "--channel"); }).status == 2);
}

TEST_CASE("topics: feed, single field, legacy key", "[thingspeak][topics]") {
    CHECK(feed_topic("1234567", std::nullopt) == "channels/1234567/publish");
    CHECK(feed_topic("1234567", std::string("KEY")) == "channels/1234567/publish/KEY");
    CHECK(field_topic("1234567", 3, std::nullopt) == "channels/1234567/publish/fields/field3");
    CHECK(field_topic("1234567", 3, std::string("KEY")) == "channels/1234567/publish/fields/field3/KEY");
}

TEST_CASE("credentials file: name = value lines, keys in any spelling and case", "[thingspeak][credentials]") {
    auto c = parse_credentials_file("username = AbCdEf\nclientId = GhIjKl\npassword = s3cr=t\n");
    CHECK(c.client_id == std::optional<std::string>("GhIjKl"));
    CHECK(c.username == std::optional<std::string>("AbCdEf"));
    CHECK(c.password == std::optional<std::string>("s3cr=t"));
    auto d = parse_credentials_file(
        "\xEF\xBB\xBF# ThingSpeak\r\nCLIENT_ID=a\r\n\r\nUserName=b\r\n  Password =  c  \r\nchannel = 5\r\n");
    CHECK(d.client_id == std::optional<std::string>("a"));
    CHECK(d.username == std::optional<std::string>("b"));
    CHECK(d.password == std::optional<std::string>("c"));
    auto e = parse_credentials_file("client-id = x\nnot a pair\n");
    CHECK(e.client_id == std::optional<std::string>("x"));
    CHECK_FALSE(e.username);
    CHECK_FALSE(e.password);
    CHECK_FALSE(parse_credentials_file("").client_id);
}

TEST_CASE("credentials: each from the first source that has it, missing ones named with every place looked",
          "[thingspeak][credentials]") {
    credentials flags;
    flags.password = "from-flag";
    credentials env;
    env.username = "from-env";
    env.password = "env-pw";
    credentials file;
    file.client_id = "file-id";
    file.username = "file-user";
    file.password = "file-pw";
    auto merged = merge_credentials({{"-i/-u/-P", flags, {}}, {"ENV", env, {}}, {"/f", file, {}}}, true);
    CHECK(merged.client_id == std::optional<std::string>("file-id"));
    CHECK(merged.username == std::optional<std::string>("from-env"));
    CHECK(merged.password == std::optional<std::string>("from-flag"));

    auto missing = failure_of([&] {
        merge_credentials(
            {{"-i/-u/-P", flags, {}}, {"ENV", {}, {}}, {"/home/x/.config/mqkit/thingspeak", {}, "not found"}}, true,
            "save it");
    });
    CHECK(missing.status == static_cast<int>(tspub_exit::no_credentials));
    CHECK(
        missing.message ==
        "missing MQTT client id and username; looked in: -i/-u/-P, ENV, /home/x/.config/mqkit/thingspeak (not found)");
    CHECK(missing.hint == "save it");
    auto all = failure_of([&] { merge_credentials({{"A", {}, {}}}, true); });
    CHECK(all.message == "missing MQTT client id, username and password; looked in: A");
    CHECK_NOTHROW(merge_credentials({{"A", {}, {}}}, false));
}

TEST_CASE("default paths follow XDG, with HOME fallbacks", "[thingspeak][paths]") {
    {
        env_scope e({{"HOME", "/home/pi"}});
        CHECK(default_credentials_path(lookup) == "/home/pi/.config/mqkit/thingspeak");
        CHECK(state_directory(lookup) == "/home/pi/.local/state/mqkit");
    }
    {
        env_scope e({{"HOME", "/home/pi"}, {"XDG_CONFIG_HOME", "/cfg"}, {"XDG_STATE_HOME", "/st"}});
        CHECK(default_credentials_path(lookup) == "/cfg/mqkit/thingspeak");
        CHECK(state_directory(lookup) == "/st/mqkit");
        CHECK(state_file_path(state_directory(lookup), "42") == "/st/mqkit/thingspeak-42.last");
    }
    {
        env_scope e({{"HOME", "/home/pi"}, {"XDG_CONFIG_HOME", "relative"}});
        CHECK(default_credentials_path(lookup) == "/home/pi/.config/mqkit/thingspeak");
    }
    {
        env_scope e({});
        CHECK(default_credentials_path(lookup).empty());
        CHECK(state_directory(lookup).empty());
    }
}

TEST_CASE("stdin line format: name=value pairs, quoted values, comments", "[thingspeak][stdin]") {
    update_reader r;
    CHECK_FALSE(r.feed(""));
    CHECK_FALSE(r.feed("# a comment"));
    CHECK(r.feed("field1=1 field2=2") == std::optional<update>(u({{"field1", "1"}, {"field2", "2"}})));
    CHECK_FALSE(r.is_csv());
    CHECK(r.feed("  status=\"all \\\"good\\\" \\\\ ok\"\tfield3=-4\r") ==
          std::optional<update>(u({{"status", "all \"good\" \\ ok"}, {"field3", "-4"}})));
    CHECK(r.feed("created_at=2024-01-01T10:00:00Z field1=a=b") ==
          std::optional<update>(u({{"created_at", "2024-01-01T10:00:00Z"}, {"field1", "a=b"}})));
    auto bad = [&](const std::string& line) {
        failure f = failure_of([&] { r.feed(line); });
        CHECK(f.status == 2);
        return f.message;
    };
    CHECK(bad("field1=1 oops") == "expected name=value, found 'oops'");
    CHECK(bad("field9=1") == "field9: field number 9 is outside 1-8");
    CHECK(bad("status=\"open") == "status: unterminated quote");
    CHECK(bad("status=\"a\"b") == "status: unexpected text after the closing quote");
    CHECK(bad("field1=1 field1=2") == "field1 given twice in one update");
    CHECK(bad("field1=") == "field1: empty value");
    CHECK(r.feed("field4=4") == std::optional<update>(u({{"field4", "4"}})));  // bad lines do not stop the reader
}

TEST_CASE("stdin CSV: header line, RFC 4180 quotes, empty cells left out, ThingSpeak export columns",
          "[thingspeak][stdin]") {
    update_reader r;
    CHECK_FALSE(r.feed("created_at,entry_id,field1,field2,latitude,longitude,status\r"));
    CHECK(r.is_csv());
    CHECK(r.feed("2024-01-01T10:00:00Z,17,1.5,,47.1,8.5,\"ok, \"\"fine\"\"\"") ==
          std::optional<update>(u({{"created_at", "2024-01-01T10:00:00Z"},
                                   {"field1", "1.5"},
                                   {"lat", "47.1"},
                                   {"long", "8.5"},
                                   {"status", "ok, \"fine\""}})));
    CHECK(r.feed(" 2024-01-02 , 18 , 2 ") ==
          std::optional<update>(u({{"created_at", "2024-01-02"}, {"field1", "2"}})));  // fewer cells: the rest empty
    CHECK(failure_of([&] { r.feed("a,b,c,d,e,f,g,h"); }).message == "8 CSV cells but the header names 7 columns");
    CHECK(failure_of([&] { r.feed(",,,,,,"); }).message == "no values in this update");
    CHECK(failure_of([&] { r.feed("\"open"); }).message == "unterminated quote in CSV");

    update_reader one_column;
    CHECK_FALSE(one_column.feed("field3"));
    CHECK(one_column.feed("42") == std::optional<update>(u({{"field3", "42"}})));

    for (const char* header : {"created_at,bogus", "field1,field1", "field1,,field2", "entry_id", "field9"}) {
        update_reader bad;
        failure f = failure_of([&] { bad.feed(header); });
        CAPTURE(header);
        CHECK(f.status == 2);
        CHECK(bad.started());
        CHECK(bad.is_csv());
    }
}

TEST_CASE("rate limit decision", "[thingspeak][rate]") {
    CHECK(check_rate(std::nullopt, 1000.0, 15).allowed);
    CHECK(check_rate(985.0, 1000.0, 15).allowed);
    auto soon = check_rate(990.0, 1000.0, 15);
    CHECK_FALSE(soon.allowed);
    CHECK(soon.next_allowed == Approx(1005.0));
    auto future = check_rate(5000.0, 1000.0, 15);  // the clock went back: wait at most one interval
    CHECK_FALSE(future.allowed);
    CHECK(future.next_allowed == Approx(1015.0));
    CHECK(check_rate(999.9, 1000.0, 0).allowed);
    CHECK(format_state(1732530000.125) == "1732530000.125\n");
    CHECK(parse_state("1732530000.125\n") == Approx(1732530000.125));
    CHECK_FALSE(parse_state(""));
    CHECK_FALSE(parse_state("garbage"));
    CHECK_FALSE(parse_state("-5"));
    CHECK_FALSE(parse_state("nan"));
}

TEST_CASE("rate_state: reserve, commit, rollback, only one of many concurrent reservations wins",
          "[thingspeak][rate]") {
    std::string dir = temp_dir();
    std::string path = dir + "/deep/er/thingspeak-1.last";  // directories are created
    {
        rate_state a(path);
        CHECK(a.try_reserve(1000.0, 15).allowed);
        a.commit(1000.5);
        std::ifstream in(path);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(text == "1000.500\n");
        rate_state b(path);
        auto denied = b.try_reserve(1010.0, 15);
        CHECK_FALSE(denied.allowed);
        CHECK(denied.next_allowed == Approx(1015.5));
        CHECK(b.try_reserve(1016.0, 15).allowed);
        b.rollback();  // the update could not be sent: the slot is free again
        CHECK(a.try_reserve(1016.0, 15).allowed);
        a.commit(1016.2);
        CHECK_FALSE(b.try_reserve(1020.0, 15).allowed);
    }
    std::string race_path = dir + "/race.last";
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            rate_state s(race_path);  // each its own open file description, as separate processes have
            if (s.try_reserve(2000.0, 15).allowed) ++winners;
        });
    for (auto& t : threads) t.join();
    CHECK(winners == 1);
    std::system(("rm -rf " + dir).c_str());

    auto unwritable = failure_of([] { rate_state s("/proc/mqkit-no/x.last"); });
    CHECK(unwritable.status == static_cast<int>(tspub_exit::failure));
    CHECK(unwritable.message.rfind("state file '/proc/mqkit-no/x.last': cannot create '/proc/mqkit-no'", 0) == 0);
}

TEST_CASE("tspub defaults: ThingSpeak over TLS on 8883 with the OS store, QoS 0, 15 s", "[thingspeak][cli]") {
    env_scope e({{"HOME", "/home/pi"}});
    auto c = ts({"field1=23.5", "field2=41", "status=ok"});
    CHECK(c.channel == "1234567");
    CHECK(c.values == u({{"field1", "23.5"}, {"field2", "41"}, {"status", "ok"}}));
    CHECK(c.conn.host == "mqtt3.thingspeak.com");
    CHECK(c.conn.port == 8883);
    CHECK(c.conn.tls.enabled);
    CHECK(c.conn.tls.use_os_certs);
    CHECK(c.conn.tls.cafile.empty());
    CHECK(c.conn.transport_kind == transport::tcp);
    CHECK(c.conn.version == mqtt_version::v311);
    CHECK(c.conn.clean_session);
    CHECK(c.conn.keepalive == 60);
    CHECK_FALSE(c.conn.debug);
    CHECK_FALSE(c.conn.quiet);
    CHECK(c.min_interval == 15.0);
    CHECK_FALSE(c.wait);
    CHECK_FALSE(c.dry_run);
    CHECK_FALSE(c.from_stdin);
    CHECK(c.single_field == 0);
    CHECK_FALSE(c.legacy_key);
    CHECK_FALSE(c.client_id_given);
    CHECK_FALSE(c.from_flags.username);
    CHECK_FALSE(c.from_env.password);
    CHECK(c.credentials_file.empty());
    CHECK(c.default_credentials_file == "/home/pi/.config/mqkit/thingspeak");
    CHECK(c.state_dir == "/home/pi/.local/state/mqkit");
}

TEST_CASE("tspub transport: --no-tls, --websocket, -p, --cafile", "[thingspeak][cli]") {
    auto plain = ts({"--no-tls", "field1=1"});
    CHECK(plain.conn.port == 1883);
    CHECK_FALSE(plain.conn.tls.enabled);
    CHECK_FALSE(plain.conn.tls.use_os_certs);
    auto wss = ts({"--websocket", "field1=1"});
    CHECK(wss.conn.port == 443);
    CHECK(wss.conn.tls.enabled);
    CHECK(wss.conn.transport_kind == transport::websocket);
    CHECK(wss.conn.ws_path == "/mqtt");
    auto ws = ts({"--websocket", "--no-tls", "field1=1"});
    CHECK(ws.conn.port == 80);
    CHECK_FALSE(ws.conn.tls.enabled);
    for (const auto& a :
         {args{"-h", "127.0.0.1", "-p", "1884", "field1=1"}, args{"--host", "127.0.0.1", "--port", "1884", "field1=1"},
          args{"--host=127.0.0.1", "--port=1884", "field1=1"}}) {
        auto c = ts(a);
        CHECK(c.conn.host == "127.0.0.1");
        CHECK(c.conn.port == 1884);
    }
    auto ca = ts({"--cafile", "/tmp/ca.pem", "field1=1"});
    CHECK(ca.conn.tls.cafile == "/tmp/ca.pem");
    CHECK_FALSE(ca.conn.tls.use_os_certs);
    CHECK(usage_message({"--channel", "1", "--cafile", "/tmp/ca.pem", "--no-tls", "field1=1"}) ==
          "--cafile needs TLS: drop --no-tls");
    CHECK(usage_message({"--channel", "1", "-p", "0", "field1=1"}) == "-p/--port: 0 is out of range (1-65535)");
    CHECK(usage_message({"--channel", "1", "-p", "abc", "field1=1"}) ==
          "-p/--port: 'abc' is not a whole number (1-65535)");
    CHECK(usage_message({"--channel", "1", "-h", "", "field1=1"}) == "-h/--host: empty host name");
    CHECK(ts({"-k", "30", "field1=1"}).conn.keepalive == 30);
    CHECK(ts({"--keepalive=0", "field1=1"}).conn.keepalive == 0);
    CHECK(usage_message({"--channel", "1", "-k", "-1", "field1=1"}) == "-k/--keepalive: -1 is out of range (0-65535)");
    CHECK(usage_message({"--channel", "1", "--keepalive", "x", "field1=1"}) ==
          "-k/--keepalive: 'x' is not a whole number (0-65535)");
    CHECK(ts({"-d", "field1=1"}).conn.debug);
    CHECK(ts({"--debug", "--quiet", "field1=1"}).conn.quiet);
}

TEST_CASE("tspub values: name=value, -1..-8, --fieldN, negative readings, order kept", "[thingspeak][cli]") {
    CHECK(ts({"-1", "23.5", "field2=41", "-3", "-7.5", "--field4", "4", "--field5=5", "status=ok"}).values ==
          u({{"field1", "23.5"},
             {"field2", "41"},
             {"field3", "-7.5"},
             {"field4", "4"},
             {"field5", "5"},
             {"status", "ok"}}));
    for (int n = 1; n <= 8; ++n) {
        auto c = ts({"-" + std::to_string(n), "v"});
        CHECK(c.values == u({{"field" + std::to_string(n), "v"}}));
    }
    CHECK(ts({"lat=47.1", "long=8.5", "elevation=400", "created_at=2024-01-01T10:00:00Z"}).values.size() == 4);
    CHECK(ts({"--", "field1=-1"}).values == u({{"field1", "-1"}}));
    CHECK(ts({"-d1", "5"}).values == u({{"field1", "5"}}));  // a group: -d then -1 5

    auto single = ts({"--field", "3", "-45"});
    CHECK(single.single_field == 3);
    CHECK(single.single_value == "-45");
    CHECK(single.values.empty());
    CHECK(ts({"--field=8", "x y"}).single_field == 8);
    CHECK(ts({"--stdin"}).from_stdin);
}

TEST_CASE("tspub bad values: one clear usage error each (exit 2)", "[thingspeak][cli]") {
    CHECK(usage_message({"--channel", "1", "feild1=1"}) ==
          "unknown field name 'feild1' (use field1..field8, status, lat, long, elevation or created_at)");
    CHECK(usage_message({"--channel", "1", "field9=1"}) == "field9: field number 9 is outside 1-8");
    CHECK(usage_message({"--channel", "1", "-9", "1"}) == "-9: field number 9 is outside 1-8");
    CHECK(usage_message({"--channel", "1", "-0", "1"}) == "-0: field number 0 is outside 1-8");
    CHECK(usage_message({"--channel", "1", "--field", "9", "1"}) == "--field: field number 9 is outside 1-8");
    CHECK(usage_message({"--channel", "1", "--field", "x", "1"}) == "--field: 'x' is not a field number (1-8)");
    CHECK(usage_message({"--channel", "1", "--field", "3"}) == "--field: missing argument <value>");
    CHECK(usage_message({"--channel", "1", "-1"}) == "-1: missing argument <value>");
    CHECK(usage_message({"--channel", "1", "-123.5"}) == "'-123.5': put a space between -1 and its value");
    CHECK(usage_message({"--channel", "1", "field1="}) == "field1: empty value");
    CHECK(usage_message({"--channel", "1", "status=" + std::string(256, 's')}) ==
          "status: value is 256 characters long; ThingSpeak keeps at most 255");
    CHECK(usage_message({"--channel", "1", "--field", "1", std::string(300, 'v')}) ==
          "field1: value is 300 characters long; ThingSpeak keeps at most 255");
    CHECK(usage_message({"--channel", "1", "field1=1", "-1", "2"}) == "field1 given twice in one update");
    CHECK(usage_message({"--channel", "1", "23.5"}) == "unexpected argument '23.5'");
    CHECK(ts_error({"--channel", "1", "23.5"}).hint == "values are name=value, e.g. field1=23.5");
    CHECK(usage_message({"--channel", "1"}) ==
          "no values: give name=value arguments (e.g. field1=23.5), -1..-8 VALUE, --field N VALUE or --stdin");
    CHECK(usage_message({"--channel", "1", "--field", "1", "2", "field2=3"}) ==
          "--field publishes one value alone; it cannot be combined with name=value, -1..-8 or --stdin");
    CHECK(usage_message({"--channel", "1", "--field", "1", "2", "--stdin"}) ==
          "--field publishes one value alone; it cannot be combined with name=value, -1..-8 or --stdin");
    CHECK(usage_message({"--channel", "1", "--field", "1", "2", "--field", "2", "3"}) ==
          "--field given more than once; it publishes one value alone");
    CHECK(usage_message({"--channel", "1", "--stdin", "field1=1"}) ==
          "--stdin reads the values from standard input; give no name=value or -1..-8 values as well");
}

TEST_CASE("tspub channel: --channel or THINGSPEAK_CHANNEL_ID, digits only", "[thingspeak][cli]") {
    CHECK(parse_tspub({"--channel=42", "field1=1"}, lookup, who).config.channel == "42");
    {
        env_scope e({{"THINGSPEAK_CHANNEL_ID", "777"}});
        CHECK(parse_tspub({"field1=1"}, lookup, who).config.channel == "777");
        CHECK(parse_tspub({"--channel", "42", "field1=1"}, lookup, who).config.channel == "42");  // the flag wins
    }
    {
        env_scope e({{"THINGSPEAK_CHANNEL_ID", "abc"}});
        CHECK(usage_message({"field1=1"}) == "THINGSPEAK_CHANNEL_ID: channel id 'abc' is not a number");
    }
    {
        env_scope e({{"THINGSPEAK_CHANNEL_ID", ""}});
        CHECK(usage_message({"field1=1"}) == "no channel: give --channel ID or set THINGSPEAK_CHANNEL_ID");
    }
    CHECK(usage_message({"field1=1"}) == "no channel: give --channel ID or set THINGSPEAK_CHANNEL_ID");
    CHECK(usage_message({"--channel", "", "field1=1"}) == "--channel: empty channel id");
    CHECK(usage_message({"--channel", "12ab", "field1=1"}) == "--channel: channel id '12ab' is not a number");
    CHECK(usage_message({"--channel"}) == "--channel: missing argument <id>");
}

TEST_CASE("tspub credentials from flags and env, --credentials", "[thingspeak][cli]") {
    env_scope e(
        {{"THINGSPEAK_CLIENT_ID", "env-id"}, {"THINGSPEAK_USERNAME", "env-user"}, {"THINGSPEAK_PASSWORD", "env-pw"}});
    auto c = ts({"-i", "flag-id", "-u", "flag-user", "-P", "flag-pw", "--credentials", "/x/creds", "field1=1"});
    CHECK(c.client_id_given);
    CHECK(c.from_flags.client_id == std::optional<std::string>("flag-id"));
    CHECK(c.from_flags.username == std::optional<std::string>("flag-user"));
    CHECK(c.from_flags.password == std::optional<std::string>("flag-pw"));
    CHECK(c.from_env.client_id == std::optional<std::string>("env-id"));
    CHECK(c.from_env.username == std::optional<std::string>("env-user"));
    CHECK(c.from_env.password == std::optional<std::string>("env-pw"));
    CHECK(c.credentials_file == "/x/creds");
    auto l = ts({"--id=a", "--username=b", "--pw=c", "field1=1"});
    CHECK(l.from_flags.client_id == std::optional<std::string>("a"));
    CHECK(l.from_flags.username == std::optional<std::string>("b"));
    CHECK(l.from_flags.password == std::optional<std::string>("c"));
    CHECK(ts({"-P", "only-a-password", "field1=1"}).from_flags.password ==
          std::optional<std::string>("only-a-password"));
    CHECK(usage_message({"--channel", "1", "-P", "", "field1=1"}) == "-P/--pw: empty password");
    CHECK(usage_message({"--channel", "1", "-u", "", "field1=1"}) == "-u/--username: empty username");
    CHECK(usage_message({"--channel", "1", "-i", "", "field1=1"}) == "-i/--id: empty client id");
    CHECK(usage_message({"--channel", "1", "--credentials", "", "field1=1"}) == "--credentials: empty file name");
}

TEST_CASE("tspub options: --min-interval, --wait, --dry-run, -q, --legacy-api-key", "[thingspeak][cli]") {
    CHECK(ts({"--min-interval", "1", "field1=1"}).min_interval == 1.0);
    CHECK(ts({"--min-interval=0.5", "field1=1"}).min_interval == 0.5);
    CHECK(ts({"--min-interval", "0", "field1=1"}).min_interval == 0.0);
    CHECK(usage_message({"--channel", "1", "--min-interval", "-1", "field1=1"}) ==
          "--min-interval: -1 is out of range (0-86400)");
    CHECK(usage_message({"--channel", "1", "--min-interval", "abc", "field1=1"}) ==
          "--min-interval: 'abc' is not a number");
    CHECK(usage_message({"--channel", "1", "--min-interval", "86401", "field1=1"}) ==
          "--min-interval: 86401 is out of range (0-86400)");
    CHECK(ts({"--wait", "field1=1"}).wait);
    CHECK(ts({"--dry-run", "field1=1"}).dry_run);
    CHECK_NOTHROW(ts({"-q", "0", "field1=1"}));
    CHECK_NOTHROW(ts({"--qos=0", "field1=1"}));
    CHECK(usage_message({"--channel", "1", "-q", "1", "field1=1"}) ==
          "-q/--qos 1: ThingSpeak supports only QoS 0 (it never acknowledges QoS 1 or 2)");
    CHECK(usage_message({"--channel", "1", "-q", "2", "field1=1"}) ==
          "-q/--qos 2: ThingSpeak supports only QoS 0 (it never acknowledges QoS 1 or 2)");
    CHECK(usage_message({"--channel", "1", "-q", "x", "field1=1"}) ==
          "-q/--qos: invalid QoS 'x' (ThingSpeak supports only 0)");

    CHECK(ts({"--legacy-api-key", "ABC123", "field1=1"}).legacy_key == std::optional<std::string>("ABC123"));
    CHECK(usage_message({"--channel", "1", "--legacy-api-key", "a/b", "field1=1"}) ==
          "--legacy-api-key: a write API key has only letters and digits");
    CHECK(usage_message({"--channel", "1", "--legacy-api-key", "", "field1=1"}) == "--legacy-api-key: empty key");
    env_scope e({{"THINGSPEAK_API_KEY", "ENVKEY"}});
    CHECK(ts({"field1=1"}).legacy_key == std::optional<std::string>("ENVKEY"));
    CHECK(ts({"--legacy-api-key", "FLAG", "field1=1"}).legacy_key == std::optional<std::string>("FLAG"));
}

TEST_CASE("tspub unknown options, help and version", "[thingspeak][cli]") {
    failure f = ts_error({"--channel", "1", "--dry-rn", "field1=1"});
    CHECK(f.status == 2);
    CHECK(f.message == "unknown option '--dry-rn'");
    CHECK(f.hint == "did you mean --dry-run?");
    CHECK(ts_error({"-V", "5"}).status == 2);  // tspub speaks MQTT 3.1.1 only
    CHECK(usage_message({"--channel", "1", "--retain", "yes", "field1=1"}) == "unknown option '--retain'");
    CHECK(parse_tspub({"--help"}, lookup, who).action == cli_action::help);
    CHECK(parse_tspub({"--version"}, lookup, who).action == cli_action::version);
}

TEST_CASE("tspub's flag table: unique names, every flag in --help, exit codes in the footer", "[thingspeak][flags]") {
    const tool_spec& spec = tspub_spec();
    std::set<std::string> longs;
    std::set<char> shorts;
    for (const auto& g : spec.groups)
        for (const auto& f : g.flags) {
            CHECK(longs.insert(std::string(f.name)).second);
            if (f.short_name) CHECK(shorts.insert(f.short_name).second);
            CHECK_FALSE(f.help.empty());
            if (f.kind == value_kind::choice) CHECK_FALSE(f.choices.empty());
        }
    std::string help = render_help(spec);
    for (const auto& name : longs) CHECK(help.find("--" + name) != std::string::npos);
    for (const char* code :
         {"  2    bad arguments", "  3    credentials", "  4    the broker refused", "  5    the broker's host name",
          "  6    cannot connect", "  7    TLS failure", "  8    rate limit"})
        CHECK(help.find(code) != std::string::npos);
    CHECK(std::find(all_tool_specs().begin(), all_tool_specs().end(), &spec) != all_tool_specs().end());
    CHECK(spec.find("qos")->choices == std::vector<std::string_view>{"0"});
}
