// Unit tests for what tspub --confirm/--spool and tssub add: payload decoding, times, the feed's JSON (match and
// output), spool entries and directories, and the parsers of the new flags.
#include "mqkit/error.hpp"
#include "mqkit/flags.hpp"
#include "thingspeak/feed.hpp"
#include "thingspeak/spool.hpp"
#include "thingspeak/thingspeak.hpp"

#include "catch_compat.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace mqkit;
using namespace mqkit::thingspeak;
using args = std::vector<std::string>;

namespace {

const process_identity who{4242, "testhost"};

const char* no_env(const char*) {
    return nullptr;
}

update u(std::vector<std::pair<std::string, std::string>> pairs) {
    update out;
    for (auto& [n, v] : pairs) out.push_back({n, v});
    return out;
}

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

tspub_config ts(args a) {
    a.insert(a.begin(), {"--channel", "1234567"});
    return parse_tspub(a, no_env, who).config;
}

std::string ts_usage(const args& a) {
    failure f = failure_of([&] { parse_tspub(a, no_env, who); });
    CHECK(f.status == 2);
    return f.message;
}

tssub_config sub(args a) {
    a.insert(a.begin(), {"--channel", "1234567"});
    return parse_tssub(a, no_env, who).config;
}

std::string sub_usage(const args& a) {
    failure f = failure_of([&] { parse_tssub(a, no_env, who); });
    CHECK(f.status == 2);
    return f.message;
}

/// A temporary directory, removed with its contents.
struct temp_dir {
    std::string path;
    temp_dir() {
        char tmpl[] = "/tmp/mqkit-ts-unit-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~temp_dir() { std::system(("rm -rf '" + path + "'").c_str()); }
    void write(const std::string& name, const std::string& text) const { std::ofstream(path + "/" + name) << text; }
};

}  // namespace

TEST_CASE("form_decode and parse_payload undo form_encode and build_payload", "[thingspeak][encode]") {
    CHECK(form_decode("door+open+%26+50%25") == "door open & 50%");
    CHECK(form_decode("%c3%A9") == "\xC3\xA9");
    CHECK(failure_of([] { form_decode("50%"); }).message == "bad %-escape at byte 3 of '50%'");
    CHECK(failure_of([] { form_decode("%G1"); }).status == 2);
    const update values = u({{"field1", "-3.5"}, {"status", "a=b&c d"}, {"created_at", "2024-05-01T10:00:00Z"}});
    CHECK(parse_payload(build_payload(values)) == values);
    CHECK(parse_payload("") == update{});
    CHECK(parse_payload("field1=") == u({{"field1", ""}}));
    CHECK(failure_of([] { parse_payload("field1=1&oops"); }).message == "'oops' is not name=value");
    CHECK(*find_value(values, "status") == "a=b&c d");
    CHECK(find_value(values, "field2") == nullptr);
}

TEST_CASE("times: created_at as ThingSpeak writes it, ISO 8601 with a zone read back", "[thingspeak][time]") {
    CHECK(iso_utc(0) == "1970-01-01T00:00:00Z");
    CHECK(iso_utc(1714557600) == "2024-05-01T10:00:00Z");
    CHECK(parse_iso_time("2024-05-01T10:00:00Z") == 1714557600);
    CHECK(parse_iso_time("2024-05-01 12:00:00+02:00") == 1714557600);
    CHECK(parse_iso_time("2024-05-01T05:30:00-0430") == 1714557600);
    CHECK(parse_iso_time("2024-05-01T10:00:00.999Z") == 1714557600);
    CHECK(parse_iso_time("2024-05-01 10:00:00 UTC") == 1714557600);
    CHECK_FALSE(parse_iso_time("2024-05-01 10:00:00"));  // no zone: ThingSpeak reads it in the channel's zone
    CHECK_FALSE(parse_iso_time("2024-13-01T10:00:00Z"));
    CHECK_FALSE(parse_iso_time("2024-05-01T10:00Z"));
    CHECK_FALSE(parse_iso_time("yesterday"));
    CHECK_FALSE(parse_iso_time("2024-05-01T10:00:00+2"));
    CHECK(parse_iso_time(iso_utc(1900000000)) == 1900000000);
}

TEST_CASE("feed entries: ThingSpeak's JSON, numbers and nulls", "[thingspeak][feed]") {
    auto e = parse_feed_entry(
        R"({"channel_id":1234567,"created_at":"2024-05-01T10:00:00Z","entry_id":42,"field1":"23.5","field2":null,)"
        R"("field3":7,"latitude":"47.37","status":"door open"})");
    REQUIRE(e);
    CHECK(e->channel_id == 1234567);
    CHECK(e->entry_id == 42);
    CHECK(e->created_at == "2024-05-01T10:00:00Z");
    CHECK(e->fields[0] == std::optional<std::string>("23.5"));
    CHECK_FALSE(e->fields[1]);
    CHECK(e->fields[2] == std::optional<std::string>("7"));
    CHECK_FALSE(e->fields[7]);
    CHECK(e->latitude == std::optional<std::string>("47.37"));
    CHECK_FALSE(e->longitude);
    CHECK(e->status == std::optional<std::string>("door open"));
    CHECK(parse_feed_entry(R"({"entry_id":"43"})")->entry_id == 43);
    CHECK_FALSE(parse_feed_entry("field1=1"));
    CHECK_FALSE(parse_feed_entry("[1,2]"));
    CHECK_FALSE(parse_feed_entry(R"({"entry_id":1.5})")->entry_id);
}

TEST_CASE("feed_matches: the values sent, as ThingSpeak may show them", "[thingspeak][feed]") {
    auto e = *parse_feed_entry(
        R"({"channel_id":1,"created_at":"2024-05-01T10:00:00Z","entry_id":3,"field1":"23.50","field2":"41",)"
        R"("field3":null})");
    CHECK(feed_matches(e, u({{"field1", "23.5"}, {"field2", "41"}})));  // the same number
    CHECK(feed_matches(e, u({{"field2", "41"}, {"status", "ok"}})));    // no status in the feed: not compared
    CHECK(feed_matches(e, u({{"field1", "23.5"}, {"created_at", "2024-05-01 12:00:00+02:00"}})));
    CHECK(feed_matches(e, u({{"field1", "23.5"}, {"created_at", "2024-05-01 10:00:00"}})));  // no zone: not compared
    CHECK_FALSE(feed_matches(e, u({{"field1", "23.6"}})));
    CHECK_FALSE(feed_matches(e, u({{"field1", "23.5"}, {"field3", "1"}})));  // field3 not stored (not enabled?)
    CHECK_FALSE(feed_matches(e, u({{"field1", "23.5"}, {"created_at", "2024-05-01T10:00:01Z"}})));
    auto with_status = *parse_feed_entry(R"({"entry_id":4,"field1":"a b","status":"ok","elevation":"408"})");
    CHECK(feed_matches(with_status, u({{"field1", "a b"}, {"status", "ok"}, {"elevation", "408.0"}})));
    CHECK_FALSE(feed_matches(with_status, u({{"status", "not ok"}})));
    CHECK(feed_matches(with_status, u({{"lat", "1"}})));  // no latitude in the feed: nothing to compare
}

TEST_CASE("tssub's plain lines and CSV rows", "[thingspeak][feed]") {
    auto e = *parse_feed_entry(
        R"({"channel_id":1,"created_at":"2024-05-01T10:00:00Z","entry_id":3,"field1":"23.5","field2":null,)"
        R"("field4":"a \"b\"","field8":"","longitude":"8.54","status":"x,y"})");
    CHECK(render_plain(e) ==
          "2024-05-01T10:00:00Z field1=23.5 field4=\"a \\\"b\\\"\" field8=\"\" longitude=8.54 "
          "status=x,y");
    CHECK(csv_header() ==
          "created_at,entry_id,field1,field2,field3,field4,field5,field6,field7,field8,latitude,longitude,elevation,"
          "status");
    CHECK(render_csv(e) == "2024-05-01T10:00:00Z,3,23.5,,,\"a \"\"b\"\"\",,,,,,8.54,,\"x,y\"");
    CHECK(render_plain(*parse_feed_entry("{}")) == "-");
    CHECK(render_csv(*parse_feed_entry(R"({"field1":" padded"})")) == ",,\" padded\",,,,,,,,,,,");
    // The update reader of tspub --stdin takes tssub's CSV back.
    update_reader reader;
    CHECK_FALSE(reader.feed(csv_header()));
    CHECK(*reader.feed(render_csv(e)) == u({{"created_at", "2024-05-01T10:00:00Z"},
                                            {"field1", "23.5"},
                                            {"field4", "a \"b\""},
                                            {"long", "8.54"},
                                            {"status", "x,y"}}));
}

TEST_CASE("spool entries: the file format, and every way a file can be damaged", "[thingspeak][spool]") {
    spool_entry e;
    e.name = "1234567-20240501T100000.000000Z-1-1.entry";
    e.channel = "1234567";
    e.taken = 1714557600;
    e.attempts = 2;
    e.values = u({{"field1", "23.5"}, {"status", "door open"}});
    const std::string text = format_spool_entry(e);
    CHECK(text ==
          "tspub-spool 1\nchannel 1234567\ncreated_at 2024-05-01T10:00:00Z\nattempts 2\nvalues "
          "field1=23.5&status=door+open\nend\n");
    spool_entry back = parse_spool_entry(text, e.name);
    CHECK(back.channel == e.channel);
    CHECK(back.taken == e.taken);
    CHECK(back.attempts == 2);
    CHECK(back.values == e.values);
    CHECK(spooled_update(back) ==
          u({{"field1", "23.5"}, {"status", "door open"}, {"created_at", "2024-05-01T10:00:00Z"}}));
    spool_entry own_time = back;
    own_time.values.push_back({"created_at", "2024-01-01T00:00:00Z"});
    CHECK(spooled_update(own_time) == own_time.values);  // the reading's own created_at wins

    auto damage = [&](const std::string& bad, const std::string& name = "1234567-x.entry") {
        try {
            parse_spool_entry(bad, name);
        } catch (const std::runtime_error& err) {
            return std::string(err.what());
        }
        return std::string("not damaged");
    };
    CHECK(damage("") == "not a tspub spool entry (no 'tspub-spool 1' line)");
    CHECK(damage(text.substr(0, text.size() - 4)) == "cut short before its 'end' line");
    CHECK(damage(text + "more\n") == "text after its 'end' line");
    CHECK(damage(text, "7654321-x.entry") == "its channel 1234567 is not the one its name says");
    std::string bad_time = text;
    bad_time.replace(bad_time.find("2024-05-01T10:00:00Z"), 20, "soon");
    CHECK(damage(bad_time) == "bad created_at 'soon'");
    std::string bad_values = text;
    bad_values.replace(bad_values.find("field1=23.5"), 11, "feild1=23.5");
    CHECK(damage(bad_values).rfind("its values are not a valid update: unknown field name 'feild1'", 0) == 0);
    std::string no_attempts = text;
    no_attempts.replace(no_attempts.find("attempts 2"), 10, "attempts x");
    CHECK(damage(no_attempts) == "bad attempts 'x'");
    CHECK(damage("tspub-spool 1\nchan 1\n") == "expected its 'channel' line, found 'chan 1'");
}

TEST_CASE("spool entry names sort by channel, then by the time taken", "[thingspeak][spool]") {
    CHECK(spool_entry_name("1234567", 1714557600.25, 77, 3) == "1234567-20240501T100000.250000Z-77-3.entry");
    std::vector<std::string> names{spool_entry_name("1", 1714557601.0, 99999, 1),
                                   spool_entry_name("1", 1714557600.5, 1, 1),
                                   spool_entry_name("1", 1714557600.25, 5, 9)};
    std::sort(names.begin(), names.end());
    CHECK(names[0].find("T100000.250000Z") != std::string::npos);
    CHECK(names[1].find("T100000.500000Z") != std::string::npos);
    CHECK(names[2].find("T100001.000000Z") != std::string::npos);
    CHECK(spool_entry_name("1", 0.9999996, 1, 1) == "1-19700101T000000.999999Z-1-1.entry");  // never .1000000
}

TEST_CASE("spool: add, oldest first, rewrite, remove, set aside, one lock per channel", "[thingspeak][spool]") {
    temp_dir tmp;
    const std::string dir = tmp.path + "/a/b/spool";  // created, private
    spool s(dir, "1234567");
    struct stat st {};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(s.waiting().empty());
    CHECK_FALSE(s.newest_taken());
    spool_entry second = s.add(u({{"field1", "2"}}), 1714557601.5, 1714557601);
    spool_entry first = s.add(u({{"field1", "1"}}), 1714557600.5, 1714557600);
    spool other(dir, "42");
    other.add(u({{"field1", "9"}}), 1714557599.0, 1714557599);
    CHECK(s.waiting() == std::vector<std::string>{first.name, second.name});
    CHECK(s.newest_taken() == 1714557601);
    REQUIRE(::stat((dir + "/" + first.name).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    spool_entry read = s.read(first.name);
    CHECK(read.values == u({{"field1", "1"}}));
    read.attempts = 1;
    s.rewrite(read);
    CHECK(s.read(first.name).attempts == 1);
    CHECK(s.set_aside(first.name, "unconfirmed") == first.name + ".unconfirmed");
    s.remove(second.name);
    CHECK(s.waiting().empty());

    tmp.write("a/b/spool/1234567-20000101T000000.000000Z-1-1.entry", "garbage\n");
    CHECK_THROWS_AS(s.read("1234567-20000101T000000.000000Z-1-1.entry"), std::runtime_error);
    CHECK(failure_of([&] { s.read("1234567-missing.entry"); }).status == static_cast<int>(tspub_exit::spool));

    CHECK(s.lock(false));
    spool again(dir, "1234567");  // another process's view: its own open file description
    CHECK_FALSE(again.lock(false));
    CHECK(other.lock(false));  // another channel's lock
    s.unlock();
    CHECK(again.lock(false));

    auto items = list_spool(dir, "");
    REQUIRE(items.size() == 3);
    CHECK(items[0].name == "1234567-20000101T000000.000000Z-1-1.entry");
    CHECK(items[0].state == "damaged");
    CHECK(items[0].problem == "not a tspub spool entry (no 'tspub-spool 1' line)");
    CHECK(items[1].state == "waiting");
    CHECK(items[1].entry->channel == "42");
    CHECK(items[2].state == "unconfirmed");
    CHECK(items[2].entry->attempts == 1);
    CHECK(list_spool(dir, "42").size() == 1);
    CHECK(list_spool(tmp.path + "/none", "").empty());

    tmp.write("file", "x");
    auto not_dir = failure_of([&] { spool bad(tmp.path + "/file", "1"); });
    CHECK(not_dir.status == static_cast<int>(tspub_exit::spool));
    CHECK(not_dir.message == "spool: cannot use the directory '" + tmp.path + "/file': Not a directory");
}

TEST_CASE("tspub --confirm, --spool, --list, -v", "[thingspeak][cli]") {
    CHECK_FALSE(ts({"field1=1"}).confirm);
    CHECK(ts({"--confirm", "field1=1"}).confirm == default_confirm_seconds);
    CHECK(ts({"--confirm=5", "field1=1"}).confirm == 5.0);
    CHECK(ts({"field1=1", "--confirm=0.5e1"}).confirm == 5.0);
    CHECK(ts_usage({"--channel", "1", "--confirm=0", "field1=1"}).rfind("--confirm: ", 0) == 0);
    CHECK(ts_usage({"--channel", "1", "--confirm=soon", "field1=1"}).rfind("--confirm: ", 0) == 0);
    CHECK(ts_usage({"--channel", "1", "--confirm", "--legacy-api-key", "K1", "field1=1"}) ==
          "--confirm needs a ThingSpeak MQTT device (mqtt3); it cannot be used with the legacy API key");
    // --confirm 30 is not --confirm=30: the 30 is a stray word (the value is optional, so it needs '=').
    CHECK(ts_usage({"--channel", "1", "--confirm", "30", "field1=1"}) == "unexpected argument '30'");

    tspub_config c = ts({"--spool", "/var/spool/ts", "-v", "field1=1"});
    CHECK(c.spool_dir == "/var/spool/ts");
    CHECK(c.verbose);
    CHECK_FALSE(c.list);
    CHECK(ts_usage({"--channel", "1", "--spool", "", "field1=1"}) == "--spool: empty directory");
    CHECK(ts_usage({"--channel", "1", "--spool", "/s", "--legacy-api-key", "K1", "field1=1"}) ==
          "--spool cannot be used with the legacy API key");

    auto list = parse_tspub({"--spool", "/s", "--list"}, no_env, who).config;
    CHECK(list.list);
    CHECK(list.channel.empty());
    CHECK(parse_tspub({"--spool", "/s", "--list", "--channel", "7"}, no_env, who).config.channel == "7");
    CHECK(ts_usage({"--list"}) == "--list shows what waits in a spool: give --spool DIR");
    CHECK(ts_usage({"--spool", "/s", "--list", "field1=1"}) ==
          "--list shows the spool and sends nothing: give it no values");
    CHECK(ts_usage({"--spool", "/s"}) == "no channel: give --channel ID or set THINGSPEAK_CHANNEL_ID");
}

TEST_CASE("tssub: defaults as tspub's, channel, --field, output, -C, -W, --stats", "[thingspeak][cli][tssub]") {
    tssub_config c = sub({});
    CHECK(c.channel == "1234567");
    CHECK(c.conn.host == "mqtt3.thingspeak.com");
    CHECK(c.conn.port == 8883);
    CHECK(c.conn.tls.enabled);
    CHECK(c.conn.tls.use_os_certs);
    CHECK(c.field == 0);
    CHECK(c.output == tssub_output::plain);
    CHECK(c.count == 0);
    CHECK_FALSE(c.timeout);
    CHECK_FALSE(c.stats.enabled);
    CHECK(sub({"--no-tls", "--websocket"}).conn.port == 80);
    CHECK(sub({"--field", "3"}).field == 3);
    CHECK(sub({"--csv"}).output == tssub_output::csv);
    CHECK(sub({"--json"}).output == tssub_output::json);
    CHECK(sub({"-C", "5", "-W", "9"}).count == 5);
    CHECK(sub({"-C", "5", "-W", "9"}).timeout == 9L);
    tssub_config st = sub({"--stats", "--window", "600", "--interval", "0.5", "--field", "2"});
    CHECK(st.stats.enabled);
    CHECK(st.stats.window == 600.0);
    CHECK(st.stats.interval == 0.5);
    CHECK(st.field == 2);
    tssub_config creds = sub({"-i", "dev", "-u", "user", "-P", "pw", "--credentials", "/etc/ts"});
    CHECK(creds.from_flags.client_id == std::optional<std::string>("dev"));
    CHECK(creds.from_flags.username == std::optional<std::string>("user"));
    CHECK(creds.credentials_file == "/etc/ts");

    CHECK(sub_usage({}) == "no channel: give --channel ID or set THINGSPEAK_CHANNEL_ID");
    CHECK(sub_usage({"--channel", "1", "--field", "0"}) == "--field: field number 0 is outside 1-8");
    CHECK(sub_usage({"--channel", "1", "-C", "0"}).rfind("-C/--count: ", 0) == 0);
    CHECK(sub_usage({"--channel", "1", "-W", "x"}).rfind("-W/--timeout: ", 0) == 0);
    CHECK(sub_usage({"--channel", "1", "--interval", "1"}) == "--interval needs --stats");
    CHECK(sub_usage({"--channel", "1", "--stats", "--window", "0"}) ==
          "--window: 0 is out of range (more than 0, at most 86400)");
    CHECK(sub_usage({"--channel", "1", "--stats", "-d"}) ==
          "-d/--debug cannot be used with --stats: the statistics replace the update output");
    CHECK(sub_usage({"--channel", "1", "--cafile", "x", "--no-tls"}) == "--cafile needs TLS: drop --no-tls");
    CHECK(sub_usage({"--channel", "1", "-q", "1"}) == "unknown option '-q'");
}

TEST_CASE("the flag tables of tspub and tssub: new flags documented, exit codes in --help", "[thingspeak][flags]") {
    std::string ts_help = render_help(tspub_spec());
    for (const char* text :
         {"--confirm", "--spool <dir>", "--list", "-v, --verbose", "  9    --confirm:", "  10   --spool:"})
        CHECK(ts_help.find(text) != std::string::npos);
    const tool_spec& spec = tssub_spec();
    std::set<std::string> longs;
    std::set<char> shorts;
    for (const auto& g : spec.groups)
        for (const auto& f : g.flags) {
            CHECK(longs.insert(std::string(f.name)).second);
            if (f.short_name) CHECK(shorts.insert(f.short_name).second);
            CHECK_FALSE(f.help.empty());
        }
    std::string help = render_help(spec);
    for (const auto& name : longs) CHECK(help.find("--" + name) != std::string::npos);
    for (const char* code : {"  4    the broker refused", "  27   -W:", "  130  interrupted"})
        CHECK(help.find(code) != std::string::npos);
    CHECK(std::find(all_tool_specs().begin(), all_tool_specs().end(), &spec) != all_tool_specs().end());
    // The device's flags are the same in both tables.
    for (const char* shared : {"host", "port", "no-tls", "websocket", "id", "username", "pw", "credentials", "cafile"})
        CHECK(spec.find(shared)->help == tspub_spec().find(shared)->help);
}
