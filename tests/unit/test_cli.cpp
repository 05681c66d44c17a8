// Unit tests for mqpub/mqsub argument parsing: every flag's default, short and long forms, bad values.
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"

#include "catch_compat.hpp"

#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

using namespace mqkit;
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

pub_config pub(const args& a) {
    return parse_pub(a, lookup, who).config;
}
sub_config sub(const args& a) {
    return parse_sub(a, lookup, who).config;
}

// The message of the usage_error that parsing `a` throws ("" if it does not throw).
std::string pub_error(const args& a) {
    try {
        parse_pub(a, lookup, who);
    } catch (const usage_error& e) {
        CHECK(e.status() == 1);
        return e.what();
    }
    return "";
}

std::string sub_error(const args& a) {
    try {
        parse_sub(a, lookup, who);
    } catch (const usage_error& e) {
        CHECK(e.status() == 1);
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("mqpub defaults match mosquitto_pub", "[cli][pub]") {
    auto c = pub({"-t", "a/b", "-m", "hello"});
    CHECK(c.topic == "a/b");
    CHECK(c.source == pub_source::message);
    CHECK(c.message == "hello");
    CHECK(c.qos == 0);
    CHECK_FALSE(c.retain);
    CHECK(c.max_inflight == 20);
    CHECK(c.repeat == 1);
    CHECK(c.repeat_delay == 0.0);
    CHECK(c.conn.host == "localhost");
    CHECK(c.conn.port == 1883);
    CHECK(c.conn.keepalive == 60);
    CHECK(c.conn.version == mqtt_version::v311);
    CHECK(c.conn.clean_session);
    CHECK_FALSE(c.conn.debug);
    CHECK_FALSE(c.conn.username);
    CHECK_FALSE(c.conn.password);
    CHECK_FALSE(c.conn.will);
    CHECK(c.conn.client_id.empty());  // the broker assigns one, as with mosquitto_pub
    CHECK_FALSE(c.conn.receive_maximum);
}

TEST_CASE("short, long and --flag=value forms are the same", "[cli][pub]") {
    for (const auto& a :
         {args{"-h", "broker", "-p", "1884", "-t", "x", "-m", "y", "-q", "2", "-r", "-k", "30"},
          args{"--host", "broker", "--port", "1884", "--topic", "x", "--message", "y", "--qos", "2", "--retain",
               "--keepalive", "30"},
          args{"--host=broker", "--port=1884", "--topic=x", "--message=y", "--qos=2", "--retain", "--keepalive=30"},
          args{"-hbroker", "-p1884", "-tx", "-my", "-q2", "-r", "-k30"}}) {
        auto c = pub(a);
        CHECK(c.conn.host == "broker");
        CHECK(c.conn.port == 1884);
        CHECK(c.topic == "x");
        CHECK(c.message == "y");
        CHECK(c.qos == 2);
        CHECK(c.retain);
        CHECK(c.conn.keepalive == 30);
    }
}

TEST_CASE("a message may start with a dash", "[cli][pub]") {
    CHECK(pub({"-t", "t", "-m", "-5"}).message == "-5");
    CHECK(pub({"-t", "t", "-m", "--not-a-flag"}).message == "--not-a-flag");
}

TEST_CASE("message sources", "[cli][pub]") {
    CHECK(pub({"-t", "t", "-l"}).source == pub_source::stdin_line);
    CHECK(pub({"-t", "t", "-s"}).source == pub_source::stdin_file);
    CHECK(pub({"-t", "t", "-n"}).source == pub_source::null_message);
    auto f = pub({"-t", "t", "-f", "/etc/hostname"});
    CHECK(f.source == pub_source::file);
    CHECK(f.file == "/etc/hostname");
    CHECK(pub_error({"-t", "t", "-m", "x", "-l"}).find("only one of -m, -f, -l, -s, -n") != std::string::npos);
    CHECK(pub_error({"-t", "t"}).find("no message") != std::string::npos);
    CHECK(pub_error({"-m", "x"}).find("no topic") != std::string::npos);
}

TEST_CASE("mqpub rejects bad values, naming the flag", "[cli][pub]") {
    CHECK(pub_error({"-t", "a/#", "-m", "x"}) ==
          "-t/--topic: invalid topic 'a/#': a topic to publish to cannot contain the wildcards + or #");
    CHECK(pub_error({"-t", "a/+/c", "-m", "x"}).find("wildcards") != std::string::npos);
    CHECK(pub_error({"-t", "", "-m", "x"}).find("topic is empty") != std::string::npos);
    CHECK(pub_error({"-t", "a", "-m", "x", "-q", "3"}) == "-q/--qos: invalid QoS '3' (use 0, 1 or 2)");
    CHECK(pub_error({"-t", "a", "-m", "x", "-q", "-1"}) == "-q/--qos: invalid QoS '-1' (use 0, 1 or 2)");
    CHECK(pub_error({"-t", "a", "-m", "x", "-p", "abc"}) == "-p/--port: 'abc' is not a whole number (1-65535)");
    CHECK(pub_error({"-t", "a", "-m", "x", "-p", "0"}) == "-p/--port: 0 is out of range (1-65535)");
    CHECK(pub_error({"-t", "a", "-m", "x", "-p", "65536"}) == "-p/--port: 65536 is out of range (1-65535)");
    CHECK(pub_error({"-t", "a", "-m", "x", "-p", "99999999999999999999"}).find("out of range") != std::string::npos);
    CHECK(pub_error({"-t", "a", "-m", "x", "-p", "12x"}).find("not a whole number") != std::string::npos);
    CHECK(pub_error({"-t", "a", "-m", "x", "-k", "-1"}) == "-k/--keepalive: -1 is out of range (0-65535)");
    CHECK(pub_error({"-t", "a", "-m", "x", "-M", "0"}) == "-M/--max-inflight: 0 is out of range (1-65535)");
    CHECK(pub_error({"-t", "a", "-m", "x", "--repeat", "-1"}) == "--repeat: -1 is out of range (0-2147483647)");
    CHECK(pub_error({"-t", "a", "-m", "x", "--repeat-delay", "soon"}) == "--repeat-delay: 'soon' is not a number");
    CHECK(pub_error({"-t", "a", "-m", "x", "--repeat-delay", "-1"}).find("out of range") != std::string::npos);
    CHECK(pub_error({"-t", "a", "-l", "--repeat", "3"}) == "--repeat cannot be used with -l");
    CHECK(pub_error({"-t", "a", "-t", "b", "-m", "x"}).find("more than once") != std::string::npos);
    // mosquitto_pub: "Only one type of message can be sent at once", also for the same one twice.
    CHECK(pub_error({"-t", "a", "-m", "x", "-m", "y"}) ==
          "-m/--message given more than once; mqpub sends one kind of message at a time");
    CHECK(pub_error({"-t", "a", "-n", "-n"}) ==
          "-n/--null-message given more than once; mqpub sends one kind of message at a time");
    CHECK(pub_error({"-t", "a", "-l", "-l"}).find("-l/--stdin-line given more than once") == 0);
    CHECK(pub_error({"-t", "a", "-m", "x", "-h", ""}).find("empty host") != std::string::npos);
}

TEST_CASE("unknown flags get a suggestion", "[cli]") {
    try {
        parse_pub({"-t", "a", "-m", "x", "--retian"}, lookup, who);
        FAIL("no error");
    } catch (const usage_error& e) {
        CHECK(std::string(e.what()) == "unknown option '--retian'");
        CHECK(e.hint() == "did you mean --retain?");
    }
    try {
        parse_sub({"-t", "a", "-Z"}, lookup, who);
        FAIL("no error");
    } catch (const usage_error& e) {
        CHECK(std::string(e.what()) == "unknown option '-Z'");
        CHECK(e.hint() == "see 'mqsub --help'");
    }
    CHECK(pub_error({"-t", "a", "-m", "hello", "world"}) == "unexpected argument 'world'");
    CHECK(pub_error({"-t"}) == "-t/--topic: missing argument <topic>");
}

TEST_CASE("flag forms: grouped switches, attached and = values, --", "[cli]") {
    pub_config c = pub({"-rdq1", "-tlab/led", "--message=red", "-p", "1884"});
    CHECK(c.retain);
    CHECK(c.conn.debug);
    CHECK(c.qos == 1);
    CHECK(c.topic == "lab/led");
    CHECK(c.message == "red");
    CHECK(c.conn.port == 1884);
    CHECK(pub({"-t", "a", "--message=", "--qos=2"}).message.empty());
    CHECK(pub({"-t", "a", "--message=", "--qos=2"}).qos == 2);
    // A value that looks like a flag is still the value, as with mosquitto_pub.
    CHECK(pub({"-t", "a", "-m", "-r"}).message == "-r");
    CHECK(!pub({"-t", "a", "-m", "-r"}).retain);
    CHECK(pub({"-t", "a", "-m", "a=b"}).message == "a=b");
    // A switch takes no value: --retain=false must not quietly set retain.
    CHECK(pub_error({"-t", "a", "-m", "x", "--retain=false"}) == "-r/--retain takes no value (given '--retain=false')");
    CHECK(pub_error({"-t", "a", "-m", "x", "-d=1"}) == "unknown option '-=' in '-d=1'");
    CHECK(pub_error({"-t", "a", "-m", "x", "-rZ"}) == "unknown option '-Z' in '-rZ'");
    CHECK(pub_error({"-t", "a", "-m", "x", "--qos"}) == "-q/--qos: missing argument <qos>");
    CHECK(pub_error({"-t", "a", "-m", "x", "-q"}) == "-q/--qos: missing argument <qos>");
    CHECK(pub_error({"-t", "a", "-m", "x", "-rq"}) == "-q/--qos: missing argument <qos>");
    CHECK(pub_error({"-t", "a", "-m", "x", "--bogus=1"}) == "unknown option '--bogus'");
    CHECK(pub_error({"-t", "a", "-m", "x", "--", "-r"}) == "unknown option '-r'");
    CHECK(pub_error({"-t", "a", "-m", "x", "--", "word"}) == "unexpected argument 'word'");
    CHECK(pub_error({"-t", "a", "-m", "x", "-"}) == "unexpected argument '-'");
    CHECK(pub_error({"-t", "a", "-m", "x", "-V", "5", "--property=publish"}) ==
          "-D/--property: give its words as separate arguments");
    CHECK(pub_error({"-t", "a", "-m", "x", "-V", "5", "-Dpublish"}) ==
          "-D/--property: give its words as separate arguments");
}

TEST_CASE("help and version win over everything else", "[cli]") {
    CHECK(parse_pub({"--help"}, lookup, who).action == cli_action::help);
    CHECK(parse_pub({"-t", "a/#", "--help"}, lookup, who).action == cli_action::help);
    CHECK(parse_sub({"--version"}, lookup, who).action == cli_action::version);
    CHECK(parse_pub({"-t", "a", "-m", "x"}, lookup, who).action == cli_action::run);
}

TEST_CASE("protocol versions", "[cli]") {
    CHECK(pub({"-t", "a", "-n", "-V", "5"}).conn.version == mqtt_version::v5);
    CHECK(pub({"-t", "a", "-n", "-V", "mqttv5"}).conn.version == mqtt_version::v5);
    CHECK(pub({"-t", "a", "-n", "-V", "311"}).conn.version == mqtt_version::v311);
    CHECK(pub({"-t", "a", "-n", "-V", "mqttv311"}).conn.version == mqtt_version::v311);
    CHECK(pub({"-t", "a", "-n", "-V", "31"}).conn.version == mqtt_version::v31);
    CHECK(pub({"-t", "a", "-n", "--protocol-version", "mqttv31"}).conn.version == mqtt_version::v31);
    CHECK(pub_error({"-t", "a", "-n", "-V", "4"}) ==
          "-V/--protocol-version: unknown protocol version '4' (use 5, 311 or 31)");
}

TEST_CASE("client ids", "[cli]") {
    CHECK(pub({"-t", "a", "-n", "-i", "sensor-1"}).conn.client_id == "sensor-1");
    CHECK(pub({"-t", "a", "-n", "--id", "sensor-1"}).conn.client_id == "sensor-1");
    CHECK(pub({"-t", "a", "-n", "-I", "lab-"}).conn.client_id == "lab-4242");
    CHECK(sub({"-t", "a"}).conn.client_id.empty());
    CHECK(sub({"-t", "a", "-V", "5"}).conn.client_id.empty());
    // MQTT 3.1 forbids an empty id, and a QoS 1/2 stream resumes its session by its id.
    CHECK(sub({"-t", "a", "-V", "31"}).conn.client_id == "mqsub|4242-testhost");
    CHECK(pub({"-t", "a", "-l", "-q", "1"}).conn.client_id == "mqpub|4242-testhost");
    CHECK(pub({"-t", "a", "-l", "-q", "0"}).conn.client_id.empty());
    CHECK(pub({"-t", "a", "-l", "-q", "1", "--reconnect-timeout", "0"}).conn.client_id.empty());
    process_identity long_host{123456, "a-very-long-host-name.example.org"};
    auto id = parse_pub({"-t", "a", "-m", "x", "--repeat", "3", "-q", "2"}, lookup, long_host).config.conn.client_id;
    CHECK(id.size() == 23);
    CHECK(id.rfind("mqpub|123456-a-very", 0) == 0);
    CHECK(pub_error({"-t", "a", "-n", "-i", "x", "-I", "y"}) == "-i/--id and -I/--id-prefix cannot be used together");
    CHECK(pub_error({"-t", "a", "-n", "-c"}).find("needs a client id") != std::string::npos);
    auto c = pub({"-t", "a", "-n", "-c", "-i", "keeper"});
    CHECK_FALSE(c.conn.clean_session);
    CHECK(pub_error({"-t", "a", "-n", "-i", ""}) == "-i/--id: empty client id");
    // A session kept for ever is found again only by its id.
    CHECK(pub_error({"-t", "a", "-n", "-V", "5", "-c"}) ==
          "-c/--disable-clean-session keeps the session for ever: it needs a client id, give -i");
    CHECK(pub_error({"-t", "a", "-n", "-x", "-1"}) ==
          "-x/--session-expiry-interval keeps the session for ever: it needs a client id, give -i");
    CHECK(pub({"-t", "a", "-n", "-x", "60"}).conn.client_id.empty());  // a broker-assigned id may expire
}

TEST_CASE("session expiry (-x) switches to MQTT v5, as in mosquitto 2.1", "[cli]") {
    auto x = pub({"-t", "a", "-n", "-x", "60"});
    CHECK(x.conn.version == mqtt_version::v5);
    CHECK(*x.conn.session_expiry == 60);
    CHECK(pub({"-t", "a", "-n", "-x", "60", "-V", "mqttv5"}).conn.version == mqtt_version::v5);
    CHECK(pub_error({"-t", "a", "-n", "-x", "60", "-V", "311"}) ==
          "-x/--session-expiry-interval is MQTT v5 only; it cannot be used with -V 311");
    CHECK(pub_error({"-t", "a", "-n", "-V", "mqttv31", "-x", "60"}) ==
          "-x/--session-expiry-interval is MQTT v5 only; it cannot be used with -V mqttv31");
    CHECK(pub_error({"-t", "a", "-n", "-x", "A"}) ==
          "-x/--session-expiry-interval: 'A' is not a whole number (0-4294967295)");
    CHECK(pub_error({"-t", "a", "-n", "-x", "-2"}).find("not a whole number") == std::string::npos);
    CHECK(pub_error({"-t", "a", "-n", "-x", "-2"}) ==
          "-x/--session-expiry-interval: -2 is out of range (0-4294967295)");
    CHECK(*pub({"-t", "a", "-n", "-V", "5", "-x", "60"}).conn.session_expiry == 60);
    CHECK(*pub({"-t", "a", "-n", "-V", "5", "-x", "-1", "-i", "k"}).conn.session_expiry ==
          std::numeric_limits<std::uint32_t>::max());
    CHECK(*pub({"-t", "a", "-n", "-V", "5", "-x", "inf", "-i", "k"}).conn.session_expiry ==
          std::numeric_limits<std::uint32_t>::max());
    CHECK(*pub({"-t", "a", "-n", "-V", "5"}).conn.session_expiry == 0);
    CHECK(*pub({"-t", "a", "-n", "-V", "5", "-c", "-i", "k"}).conn.session_expiry ==
          std::numeric_limits<std::uint32_t>::max());
    CHECK(pub_error({"-t", "a", "-n", "-V", "5", "-x", "4294967296"}).find("out of range") != std::string::npos);
}

TEST_CASE("credentials from flags and environment", "[cli]") {
    fake_env().clear();
    auto c = pub({"-t", "a", "-n", "-u", "alice", "-P", "secret"});
    CHECK(*c.conn.username == "alice");
    CHECK(*c.conn.password == "secret");
    CHECK(*pub({"-t", "a", "-n", "--username", "bob", "--pw", "pw2"}).conn.password == "pw2");
    fake_env()["MQKIT_USERNAME"] = "envuser";
    fake_env()["MQKIT_PASSWORD"] = "envpass";
    auto e = pub({"-t", "a", "-n"});
    CHECK(*e.conn.username == "envuser");
    CHECK(*e.conn.password == "envpass");
    CHECK(*pub({"-t", "a", "-n", "-u", "flaguser"}).conn.username == "flaguser");  // a flag beats the environment
    fake_env().clear();
    CHECK(pub_error({"-t", "a", "-n", "-P", "x"}).find("needs a user name") != std::string::npos);
    // Paho would send no user name at all, so the broker would see a password alone.
    CHECK(pub_error({"-t", "a", "-n", "-u", "", "-P", "x"}) ==
          "-P/--pw needs a user name (-u); MQTT 3.1.1 has no password without one");
    CHECK(pub({"-t", "a", "-n", "-u", "", "-P", "x", "-V", "5"}).conn.password == "x");
}

TEST_CASE("will options", "[cli]") {
    auto c =
        pub({"-t", "a", "-n", "--will-topic", "dead", "--will-payload", "bye", "--will-qos", "1", "--will-retain"});
    REQUIRE(c.conn.will);
    CHECK(c.conn.will->topic == "dead");
    CHECK(c.conn.will->payload == "bye");
    CHECK(c.conn.will->qos == 1);
    CHECK(c.conn.will->retain);
    CHECK(pub_error({"-t", "a", "-n", "--will-payload", "bye"}) == "--will-payload needs --will-topic");
    CHECK(pub_error({"-t", "a", "-n", "--will-retain"}) == "--will-retain needs --will-topic");
    // The value first, as mosquitto checks it: "Invalid will QoS 3."
    CHECK(pub_error({"-t", "a", "-n", "--will-qos", "3"}) == "--will-qos: invalid QoS '3' (use 0, 1 or 2)");
    CHECK(pub_error({"-t", "a", "-n", "--will-topic", "a/#"}).find("--will-topic: invalid topic") != std::string::npos);
    CHECK(pub_error({"-t", "a", "-n", "--will-topic", "x", "--will-qos", "7"}) ==
          "--will-qos: invalid QoS '7' (use 0, 1 or 2)");
}

TEST_CASE("properties given with -D", "[cli]") {
    auto c = pub({"-t", "a", "-n", "-V", "5", "-D", "publish", "user-property", "k", "v", "-D", "PUBLISH",
                  "content-type", "text/plain", "-q", "1"});
    REQUIRE(c.conn.properties.size() == 2);
    CHECK(c.conn.properties[0].command == "publish");
    CHECK(c.conn.properties[0].identifier == "user-property");
    CHECK(c.conn.properties[0].value == "k");
    CHECK(c.conn.properties[0].value2 == "v");
    CHECK(c.conn.properties[1].identifier == "content-type");
    CHECK(c.qos == 1);  // flags after -D are still parsed
    CHECK(c.conn.properties_for("publish").size() == 2);
    CHECK(c.conn.properties_for("connect").empty());
    // Any -D switches to MQTT v5, as in mosquitto 2.0 and 2.1; an explicit 3.x version is an error.
    CHECK(pub({"-t", "a", "-n", "-D", "publish", "content-type", "x"}).conn.version == mqtt_version::v5);
    CHECK(pub_error({"-t", "a", "-n", "-V", "311", "-D", "publish", "content-type", "x"}) ==
          "-D/--property is MQTT v5 only; it cannot be used with -V 311");
    CHECK(pub_error({"-t", "a", "-n", "-V", "5", "-D", "publish", "no-such", "x"}) == "-D: unknown property 'no-such'");
    CHECK(pub_error({"-t", "a", "-n", "-V", "5", "-D", "bogus", "content-type", "x"}).find("unknown command") !=
          std::string::npos);
    CHECK(
        pub_error({"-t", "a", "-n", "-V", "5", "-D", "connect", "content-type", "x"}).find("not allowed in connect") !=
        std::string::npos);
    CHECK(pub_error({"-t", "a", "-n", "-V", "5", "-D", "publish", "message-expiry-interval", "soon"})
              .find("not a whole number") != std::string::npos);
    CHECK(pub_error({"-t", "a", "-n", "-V", "5", "-D", "publish", "user-property", "k"}).find("needs") !=
          std::string::npos);
}

TEST_CASE("URLs given with -L", "[cli]") {
    fake_env().clear();
    auto c = pub({"-L", "mqtt://alice:pw@broker.local:1999/lab/topic", "-m", "x"});
    CHECK(c.conn.host == "broker.local");
    CHECK(c.conn.port == 1999);
    CHECK(*c.conn.username == "alice");
    CHECK(*c.conn.password == "pw");
    CHECK(c.topic == "lab/topic");
    auto s = sub({"-L", "mqtt://127.0.0.1/a/+"});
    CHECK(s.conn.port == 1883);
    REQUIRE(s.topics.size() == 1);
    CHECK(s.topics[0] == "a/+");
    CHECK(pub_error({"-L", "http://x/t", "-m", "x"}).find("unsupported scheme") != std::string::npos);
    CHECK(pub_error({"-L", "mqtt://x:99999/t", "-m", "x"}).find("out of range") != std::string::npos);
    CHECK(pub_error({"-L", "mqtt:///t", "-m", "x"}).find("no host") != std::string::npos);
    CHECK(pub_error({"-L", "broker/t", "-m", "x"}).find("is not a URL") != std::string::npos);
}

TEST_CASE("mqsub flags", "[cli][sub]") {
    auto d = sub({"-t", "a/#"});
    CHECK(d.topics == std::vector<std::string>{"a/#"});
    CHECK(d.qos == 0);
    CHECK(d.count == 0);
    CHECK_FALSE(d.timeout);
    CHECK_FALSE(d.no_stale);
    CHECK_FALSE(d.exit_after_sub);
    CHECK_FALSE(d.output.verbose);
    CHECK(d.output.eol);
    CHECK_FALSE(d.output.format);

    auto c =
        sub({"-t", "a", "--topic", "b/+", "-T", "b/x", "--filter-out",     "b/y", "-U", "old", "-q", "1", "-C", "5",
             "-W", "9", "-R",      "-E",  "-v", "-N",  "--remove-retained"});
    CHECK(c.topics == std::vector<std::string>{"a", "b/+"});
    CHECK(c.filter_out == std::vector<std::string>{"b/x", "b/y"});
    CHECK(c.unsubscribe == std::vector<std::string>{"old"});
    CHECK(c.qos == 1);
    CHECK(c.count == 5);
    CHECK(*c.timeout == 9);
    CHECK(c.no_stale);
    CHECK(c.exit_after_sub);
    CHECK(c.output.verbose);
    CHECK_FALSE(c.output.eol);
    CHECK(c.remove_retained);
    auto l =
        sub({"--topic=x", "--count=2", "--timeout=3", "--exit-after-sub", "--verbose", "--no-eol", "--retained-only"});
    CHECK(l.count == 2);
    CHECK(*l.timeout == 3);
    CHECK(l.retained_only);
}

TEST_CASE("mqsub rejects bad filters and values", "[cli][sub]") {
    CHECK(sub_error({"-t", "a/#/b"}) ==
          "-t/--topic: invalid topic filter 'a/#/b': # is only allowed as the last level");
    CHECK(sub_error({"-t", "a/b#"}).find("must fill a whole topic level") != std::string::npos);
    CHECK(sub_error({"-t", "a+/b"}).find("must fill a whole topic level") != std::string::npos);
    CHECK(sub_error({"-t", "a", "-T", "x/#/y"}).find("-T/--filter-out") != std::string::npos);
    CHECK(sub_error({}) ==
          "no topic: give -t <filter> to subscribe to, or -U <filter> to unsubscribe from (or -L mqtt://host/filter)");
    CHECK(sub_error({"-t", "a", "-C", "0"}) ==
          "-C/--count: 0 is out of range (1-" + std::to_string(std::numeric_limits<long>::max()) + ")");
    CHECK(sub_error({"-t", "a", "-W", "x"}).find("-W/--timeout") != std::string::npos);
    CHECK(sub_error({"-t", "a", "-R", "--retained-only"}).find("contradict") != std::string::npos);
    CHECK(sub_error({"-t", "a", "--retain-as-published"}) == "--retain-as-published needs MQTT v5 (-V 5)");
    CHECK(sub_error({"-t", "a", "-q", "5"}) == "-q/--qos: invalid QoS '5' (use 0, 1 or 2)");
    CHECK(sub_error({"-t", "a", "--random-filter", "0"}) == "--random-filter: 0 is out of range (0.1-100)");
    CHECK(sub_error({"-t", "a", "--random-filter", "101"}) == "--random-filter: 101 is out of range (0.1-100)");
    CHECK(sub_error({"-t", "a", "--random-filter", "ten"}) == "--random-filter: 'ten' is not a number");
}

TEST_CASE("mqsub --random-filter takes a percentage", "[cli][sub]") {
    CHECK(sub({"-t", "a"}).random_filter == 100.0);
    CHECK(sub({"-t", "a", "--random-filter", "12.5"}).random_filter == 12.5);
    CHECK(sub({"-t", "a", "--random-filter=0.1"}).random_filter == 0.1);
}

TEST_CASE("flags Paho cannot honour are refused clearly", "[cli]") {
    for (const auto& a : {args{"-t", "a", "-n", "--nodelay"}, args{"-t", "a", "-n", "-A", "127.0.0.1"},
                          args{"-t", "a", "-n", "--unix", "/s"}}) {
        try {
            parse_pub(a, lookup, who);
            FAIL("accepted");
        } catch (const error& e) {
            CHECK(std::string(e.what()).find("not supported by this build") != std::string::npos);
            CHECK(e.status() == 1);
        }
    }
}

TEST_CASE("parse_integer", "[cli]") {
    CHECK(parse_integer("42", 0, 100, "-x") == 42);
    CHECK(parse_integer("+7", 0, 100, "-x") == 7);
    CHECK_THROWS_AS(parse_integer("", 0, 100, "-x"), usage_error);
    CHECK_THROWS_AS(parse_integer(" 4", 0, 100, "-x"), usage_error);
    CHECK_THROWS_AS(parse_integer("4.5", 0, 100, "-x"), usage_error);
    CHECK_THROWS_AS(parse_integer("101", 0, 100, "-x"), usage_error);
}
