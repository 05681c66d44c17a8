// Unit tests for what mosquitto 2.1 changed in its clients' flags, and for mqrr's flags: each new
// flag's default, valid and invalid values, and the cross-flag rules.
#include "cli/tool_args.hpp"
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/flags.hpp"

#include "catch_compat.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

using namespace mqkit;
using args = std::vector<std::string>;

namespace {

const process_identity who{4242, "testhost"};

std::map<std::string, std::string>& env_vars() {
    static std::map<std::string, std::string> env;
    return env;
}

const char* lookup(const char* name) {
    auto it = env_vars().find(name);
    return it == env_vars().end() ? nullptr : it->second.c_str();
}

template <class Parse>
std::string error_of(Parse parse, const args& a) {
    try {
        parse(a, lookup, who);
    } catch (const error& e) {
        CHECK(e.status() == 1);
        return e.what();
    }
    return "";
}

std::string pub_error(const args& a) {
    return error_of(parse_pub, a);
}
std::string sub_error(const args& a) {
    return error_of(parse_sub, a);
}
std::string rr_error(const args& a) {
    return error_of(parse_rr, a);
}
rr_config rr(const args& a) {
    return parse_rr(a, lookup, who).config;
}
sub_config sub(const args& a) {
    return parse_sub(a, lookup, who).config;
}
pub_config pub(const args& a) {
    return parse_pub(a, lookup, who).config;
}

/// A private temporary directory, removed with what is in it.
class temp_dir {
public:
    temp_dir() {
        char name[] = "/tmp/mqkit-unit-XXXXXX";
        REQUIRE(::mkdtemp(name));
        path_ = name;
    }
    ~temp_dir() { (void)std::system(("rm -rf '" + path_ + "'").c_str()); }
    std::string write(const std::string& name, const std::string& text) const {
        std::string p = path_ + "/" + name;
        std::ofstream(p) << text;
        ::chmod(p.c_str(), 0600);
        return p;
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace

TEST_CASE("mqrr: MQTT v5 by default, receive maximum 1, no client id", "[cli][rr]") {
    auto c = rr({"-t", "req", "-e", "resp", "-m", "ask"});
    CHECK(c.topic == "req");
    CHECK(c.response_topic == "resp");
    CHECK(c.message == "ask");
    CHECK(c.source == pub_source::message);
    CHECK(c.conn.version == mqtt_version::v5);
    CHECK(c.conn.client_id.empty());
    CHECK(c.conn.receive_maximum == std::optional<std::uint16_t>(1));
    CHECK(c.qos == 0);
    CHECK_FALSE(c.timeout);
    CHECK_FALSE(c.latency);
    CHECK(c.retained == retain_handling::always);
    CHECK(c.output.eol);
    CHECK_FALSE(c.output.verbose);
    auto v3 = rr({"-t", "req", "-e", "resp", "-n", "-V", "311"});
    CHECK(v3.conn.version == mqtt_version::v311);
    CHECK_FALSE(v3.conn.receive_maximum);
    CHECK(v3.source == pub_source::null_message);
}

TEST_CASE("mqrr: every flag, long and short", "[cli][rr]") {
    auto c = rr({"--topic",
                 "req",
                 "--response-topic",
                 "resp",
                 "--file",
                 "/etc/hostname",
                 "--qos",
                 "2",
                 "--timeout",
                 "5",
                 "--latency",
                 "-R",
                 "--retain-handling",
                 "new",
                 "-M",
                 "3",
                 "-v",
                 "-N",
                 "-F",
                 "%t %p",
                 "--pretty"});
    CHECK(c.source == pub_source::file);
    CHECK(c.file == "/etc/hostname");
    CHECK(c.qos == 2);
    CHECK(c.timeout == std::optional<long>(5));
    CHECK(c.latency);
    CHECK(c.no_stale);
    CHECK(c.retained == retain_handling::new_only);
    CHECK(c.max_inflight == 3);
    CHECK(c.output.verbose);
    CHECK_FALSE(c.output.eol);
    CHECK(c.output.format == std::optional<std::string>("%t %p"));
    CHECK(c.output.pretty);
    CHECK(rr({"-t", "req", "-e", "resp", "-s"}).source == pub_source::stdin_file);
    // -R alone asks the broker not to send retained messages (retain handling never).
    CHECK(rr({"-t", "req", "-e", "resp", "-m", "x", "-R"}).retained == retain_handling::never);
    CHECK(rr({"-t", "req", "-e", "resp", "-m", "x", "--retain-handling", "never"}).retained == retain_handling::never);
    CHECK(rr({"-L", "mqtt://broker:1884/req", "-e", "resp", "-m", "x"}).topic == "req");
}

TEST_CASE("mqrr: what is missing or wrong", "[cli][rr]") {
    CHECK(rr_error({}) == "no request topic: give -t <topic>");
    CHECK(rr_error({"-t", "req", "-m", "x"}) == "no response topic: give -e <topic>");
    CHECK(rr_error({"-t", "req", "-e", "resp"}) == "no request: give one of -m <message>, -f <file>, -s or -n");
    CHECK(rr_error({"-t", "req", "-e", "resp", "-m", "x", "-f", "y"}) ==
          "give only one of -m, -f, -s, -n: each is a different message source");
    CHECK(rr_error({"-t", "req", "-e", "topic/+", "-m", "x"}) ==
          "-e/--response-topic: invalid topic 'topic/+': a topic to publish to cannot contain the wildcards + or #");
    CHECK(rr_error({"-t", "req/#", "-e", "r", "-m", "x"}).rfind("-t/--topic: invalid topic 'req/#'", 0) == 0);
    CHECK(rr_error({"-t", "req", "-e", "r", "-m", "x", "-W", "0"}) == "-W/--timeout: 0 is out of range (1-31536000)");
    CHECK(rr_error({"-t", "req", "-e", "r", "-m", "x", "-q", "3"}) == "-q/--qos: invalid QoS '3' (use 0, 1 or 2)");
    CHECK(rr_error({"-t", "req", "-e", "r", "-m", "x", "-M", "0"}) == "-M/--max-inflight: 0 is out of range (1-65535)");
    CHECK(rr_error({"-t", "req", "-e", "r", "-m", "x", "--retain-handling", "invalid"}) ==
          "--retain-handling: unknown value 'invalid' (use always, new or never)");
    CHECK(rr_error({"-t", "req", "-e", "r", "-m", "x", "-D", "publish", "response-topic", "z"}) ==
          "-D publish response-topic: mqrr sends -e as the request's response topic");
    // A bad value is reported before a missing flag, as mosquitto_rr does.
    CHECK(rr_error({"-q", "3"}) == "-q/--qos: invalid QoS '3' (use 0, 1 or 2)");
    // mosquitto_rr's "Unknown option" list: mqpub's and mqsub's flags that make no sense for a request.
    for (const char* flag : {"-l", "-r", "--repeat", "--repeat-delay", "-C", "-E", "-T", "-U", "-w", "--watch",
                             "--message-rate", "--random-filter", "--remove-retained", "--retained-only"})
        CHECK(rr_error({"-t", "req", "-e", "r", "-m", "x", flag}).rfind("unknown option", 0) == 0);
}

TEST_CASE("mqsub: --retain-handling, -R and the receive maximum under MQTT v5", "[cli][sub]") {
    CHECK(sub({"-t", "a"}).retained == retain_handling::always);
    CHECK(sub({"-t", "a", "-V", "5", "--retain-handling", "always"}).retained == retain_handling::always);
    CHECK(sub({"-t", "a", "-V", "5", "--retain-handling", "new"}).retained == retain_handling::new_only);
    CHECK(sub({"-t", "a", "-V", "5", "--retain-handling", "never"}).retained == retain_handling::never);
    CHECK(sub({"-t", "a", "-V", "5", "-R"}).retained == retain_handling::never);
    CHECK(sub({"-t", "a", "-V", "5", "-R", "--retain-handling", "always"}).retained == retain_handling::always);
    CHECK(sub({"-t", "a", "-R"}).retained == retain_handling::always);  // MQTT 3.x: the broker always sends them
    CHECK(sub_error({"-t", "a", "--retain-handling", "never"}) == "--retain-handling is MQTT v5 only");
    CHECK(sub_error({"-t", "a", "-V", "5", "--retain-handling", "invalid"}) ==
          "--retain-handling: unknown value 'invalid' (use always, new or never)");
    CHECK(sub({"-t", "a", "-V", "5"}).conn.receive_maximum == std::optional<std::uint16_t>(20));
    CHECK(sub({"-t", "a", "-V", "5", "-C", "1"}).conn.receive_maximum == std::optional<std::uint16_t>(1));
    CHECK(sub({"-t", "a", "-V", "5", "-C", "100"}).conn.receive_maximum == std::optional<std::uint16_t>(20));
    CHECK_FALSE(sub({"-t", "a"}).conn.receive_maximum);
    CHECK(pub({"-t", "a", "-m", "x", "-V", "5"}).conn.receive_maximum == std::optional<std::uint16_t>(20));
}

TEST_CASE("mqsub: -M, --message-rate and -w", "[cli][sub]") {
    auto d = sub({"-t", "a"});
    CHECK(d.max_inflight == 20);
    CHECK_FALSE(d.message_rate);
    CHECK_FALSE(d.watch);
    CHECK(sub({"-t", "a", "-M", "5"}).max_inflight == 5);
    CHECK(sub({"-t", "a", "--max-inflight", "65535"}).max_inflight == 65535);
    CHECK(sub_error({"-t", "a", "-M", "0"}) == "-M/--max-inflight: 0 is out of range (1-65535)");
    CHECK(sub_error({"-t", "a", "-M", "x"}) == "-M/--max-inflight: 'x' is not a whole number (1-65535)");
    CHECK(sub({"-t", "a", "--message-rate"}).message_rate);
    CHECK(sub({"-t", "a", "-w"}).watch);
    CHECK(sub({"-t", "a", "--watch"}).watch);
    CHECK(sub_error({"-t", "a", "--message-rate=1"}) == "--message-rate takes no value (given '--message-rate=1')");
    CHECK(sub_error({"-t", "a", "--stats", "-w"}) ==
          "-w/--watch cannot be used with --stats: the statistics replace the message output");
    CHECK(sub_error({"-t", "a", "--stats", "--message-rate"}) ==
          "--message-rate cannot be used with --stats: the statistics replace the message output");
}

TEST_CASE("mqsub: -U without -t, and the order of errors", "[cli][sub]") {
    auto u = sub({"-U", "old/#"});
    CHECK(u.topics.empty());
    CHECK(u.unsubscribe == std::vector<std::string>{"old/#"});
    // Each value is checked before what is missing (mosquitto: "Invalid QoS given: 3").
    CHECK(sub_error({"-q", "3"}) == "-q/--qos: invalid QoS '3' (use 0, 1 or 2)");
    CHECK(sub_error({"-C", "0"}) ==
          "-C/--count: 0 is out of range (1-" + std::to_string(std::numeric_limits<long>::max()) + ")");
    CHECK(sub_error({"-W", "0"}) == "-W/--timeout: 0 is out of range (1-31536000)");
    CHECK(sub_error({"-L", "mqtt://localhost"}) ==
          "no topic: the -L URL has none; give -t <filter> or mqtt://host/filter");
    CHECK(sub({"-L", "mqtt://localhost", "-t", "a"}).topics == std::vector<std::string>{"a"});
}

TEST_CASE("mqpub --topic-per-line", "[cli][pub]") {
    auto c = pub({"-l", "--topic-per-line", "-q", "1", "-r"});
    CHECK(c.topic_per_line);
    CHECK(c.topic.empty());
    CHECK(c.source == pub_source::stdin_line);
    CHECK(c.qos == 1);
    CHECK(c.retain);
    CHECK_FALSE(pub({"-t", "a", "-l"}).topic_per_line);
    CHECK(pub_error({"--topic-per-line"}) ==
          "--topic-per-line needs -l: it reads 'topic payload' lines from standard input");
    CHECK(pub_error({"-m", "x", "--topic-per-line"}) ==
          "--topic-per-line needs -l: it reads 'topic payload' lines from standard input");
    CHECK(pub_error({"-t", "a", "-l", "--topic-per-line"}) == "--topic-per-line takes each line's topic: leave out -t");
    CHECK(pub_error({"-l"}) == "no topic: give -t <topic> (or -L mqtt://host/topic)");
}

TEST_CASE("TLS flags: --tls-keylog, --no-tls and --insecure", "[cli][tls]") {
    auto k = pub({"-t", "a", "-m", "x", "--cafile", "/ca", "--tls-keylog", "/tmp/keys"});
    CHECK(k.conn.tls.keylog_file == "/tmp/keys");
    CHECK(pub_error({"-t", "a", "-m", "x", "--tls-keylog", "/tmp/keys"}) ==
          "--tls-keylog needs TLS: give --cafile, --capath or --tls-use-os-certs");
    CHECK(pub_error({"-t", "a", "-m", "x", "--cafile", "/ca", "--tls-keylog", ""}) == "--tls-keylog: empty value");
    auto plain = pub({"-t", "a", "-m", "x", "-p", "8883", "--cafile", "/ca", "--insecure", "--no-tls"});
    CHECK_FALSE(plain.conn.tls.enabled);
    CHECK(plain.conn.port == 8883);
    CHECK(pub({"-L", "mqtts://h/t", "-m", "x", "--no-tls"}).conn.tls.enabled == false);
    auto i = parse_pub({"-t", "a", "-m", "x", "--cafile", "/ca", "--insecure"}, lookup, who);
    CHECK(i.config.conn.tls.insecure);
    REQUIRE(i.warnings.size() == 1);
    // The certificate pair is named before "needs TLS" (mosquitto: "Both certfile and keyfile ...").
    CHECK(pub_error({"-t", "a", "-m", "x", "--cert", "c.pem"}) ==
          "--cert needs --key (the private key of that certificate)");
}

TEST_CASE("the config file: mqkit's own, else mosquitto's", "[cli][config]") {
    temp_dir home;
    ::mkdir((home.path() + "/.config").c_str(), 0700);
    env_vars().clear();
    env_vars()["HOME"] = home.path();
    std::vector<std::string> warnings;
    CHECK(detail::read_config_file(mqsub_spec(), lookup, warnings).empty());
    home.write(".config/mosquitto_sub", "-t env/config/file/sub\n");
    CHECK(detail::read_config_file(mqsub_spec(), lookup, warnings) == args{"-t", "env/config/file/sub"});
    CHECK(detail::read_config_file(mqpub_spec(), lookup, warnings).empty());  // mosquitto_pub's is not there
    home.write(".config/mqsub", "-t mine\n");
    CHECK(detail::read_config_file(mqsub_spec(), lookup, warnings) == args{"-t", "mine"});
    home.write(".config/mosquitto_rr", "-e resp\n");
    CHECK(detail::read_config_file(mqrr_spec(), lookup, warnings) == args{"-e", "resp"});
    env_vars()["XDG_CONFIG_HOME"] = home.path() + "/.config";
    CHECK(detail::read_config_file(mqsub_spec(), lookup, warnings) == args{"-t", "mine"});
    CHECK(warnings.empty());
    env_vars().clear();
}

TEST_CASE("options file: -o instead of the config file", "[cli][config]") {
    temp_dir dir;
    env_vars().clear();
    env_vars()["XDG_CONFIG_HOME"] = dir.path();
    dir.write("mqpub", "-h from-config\n");
    const std::string opts =
        dir.write("opts", "# the lab broker\n-p 1884\n-V mqttv5\n-q 1\n-t 03/pub/qos1/test\n-m message\n");
    std::vector<std::string> warnings;
    CHECK(detail::config_args(mqpub_spec(), {"-o", opts}, lookup, warnings) ==
          args{"-p", "1884", "-V", "mqttv5", "-q", "1", "-t", "03/pub/qos1/test", "-m", "message"});
    CHECK(detail::config_args(mqpub_spec(), {"--options-file=" + opts}, lookup, warnings).size() == 10);
    CHECK(detail::config_args(mqpub_spec(), {"-t", "x"}, lookup, warnings) == args{"-h", "from-config"});
    CHECK(detail::config_args(mqpub_spec(), {"--no-config"}, lookup, warnings).empty());
    auto fails = [&](const args& a) {
        try {
            detail::config_args(mqpub_spec(), a, lookup, warnings);
        } catch (const error& e) {
            CHECK(e.status() == 1);
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(fails({"-o", opts, "-o", opts}) == "-o/--options-file given more than once; give one options file");
    CHECK(fails({"-o", dir.path() + "/missing"}) ==
          "cannot read -o " + dir.path() + "/missing: No such file or directory");
    CHECK(fails({"-o", dir.path()}) == "cannot read -o " + dir.path() + ": it is a directory");
    CHECK(fails({"-o"}) == "-o/--options-file: missing argument <file>");
    const std::string nested = dir.write("nested", "-o other\n");
    CHECK(fails({"-o", nested}) == nested + ":1: -o/--options-file cannot be used inside a config or options file");
    // The options file's words go before the command line's: the command line wins.
    auto both = detail::config_args(mqpub_spec(), {"-o", opts}, lookup, warnings);
    both.insert(both.end(), {"-p", "1999", "-q", "0"});
    auto c = parse_pub(both, lookup, who).config;
    CHECK(c.conn.port == 1999);
    CHECK(c.qos == 0);
    CHECK(c.conn.version == mqtt_version::v5);
    CHECK(warnings.empty());
    env_vars().clear();
}

TEST_CASE("the flag tables know mqrr", "[cli][rr]") {
    const tool_spec& s = mqrr_spec();
    CHECK(s.name == "mqrr");
    for (const char* name : {"topic",
                             "response-topic",
                             "message",
                             "file",
                             "stdin-file",
                             "null-message",
                             "qos",
                             "timeout",
                             "latency",
                             "max-inflight",
                             "no-stale",
                             "retain-as-published",
                             "retain-handling",
                             "verbose",
                             "no-eol",
                             "format",
                             "pretty",
                             "options-file",
                             "tls-keylog",
                             "insecure",
                             "no-tls",
                             "session-expiry-interval",
                             "property"})
        CHECK(s.find(name) != nullptr);
    CHECK(s.find_short('e')->name == "response-topic");
    CHECK(s.find_short('o')->name == "options-file");
    CHECK(s.find("stdin-line") == nullptr);
    CHECK(s.find("retain") == nullptr);
    bool listed = false;
    for (const tool_spec* t : all_tool_specs()) listed = listed || t == &s;
    CHECK(listed);
    CHECK(mosquitto_client_name("mqrr") == "mosquitto_rr");
    CHECK(mosquitto_client_name("mqpub") == "mosquitto_pub");
    CHECK(mosquitto_client_name("tspub").empty());
}
