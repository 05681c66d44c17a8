// Unit tests for the lab flags: mqpub --template/--seed/--repeat 0 and mqsub --stats/--field/--window/--interval.
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"

#include "catch_compat.hpp"

#include <string>
#include <vector>

using namespace mqkit;
using args = std::vector<std::string>;

namespace {

const process_identity who{4242, "testhost"};

pub_config pub(const args& a) {
    return parse_pub(a, nullptr, who).config;
}
sub_config sub(const args& a) {
    return parse_sub(a, nullptr, who).config;
}

template <class Parse>
std::string error_of(Parse parse, const args& a) {
    try {
        parse(a, nullptr, who);
    } catch (const usage_error& e) {
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

}  // namespace

TEST_CASE("mqpub --repeat 0 means until interrupted", "[cli][pub][lab]") {
    CHECK(pub({"-t", "a", "-m", "x"}).repeat == 1);
    CHECK(pub({"-t", "a", "-m", "x", "--repeat", "0"}).repeat == 0);
    CHECK(pub({"-t", "a", "-m", "x", "--repeat=5"}).repeat == 5);
    CHECK(pub_error({"-t", "a", "-m", "x", "--repeat", "-1"}) == "--repeat: -1 is out of range (0-2147483647)");
}

TEST_CASE("mqpub --template and --seed", "[cli][pub][lab]") {
    auto plain = pub({"-t", "a", "-m", "{rand:0:9}"});
    CHECK_FALSE(plain.use_template);  // without --template the payload is not a template at all
    CHECK(plain.message == "{rand:0:9}");
    CHECK_FALSE(plain.seed);
    CHECK(pub({"-t", "a", "-m", "{broken"}).message == "{broken");

    auto t = pub({"-t", "a", "-m", "{rand:0:9}", "--template", "--seed", "42"});
    CHECK(t.use_template);
    CHECK(t.seed == 42u);
    CHECK(t.message == "{rand:0:9}");  // rendered per message at run time
    CHECK(pub({"-t", "a", "-m", "x", "--template", "--seed=0"}).seed == 0u);
    CHECK(pub({"-t", "a", "-l", "--template"}).use_template);
    CHECK(pub({"-t", "a", "-f", "/nonexistent", "--template"}).use_template);  // -f is read (and parsed) at run time

    CHECK(pub_error({"-t", "a", "-m", "abcd{foo}", "--template"}) ==
          "--template: unknown placeholder '{foo}' at byte 5");
    CHECK(pub_error({"-t", "a", "-m", "x", "--seed", "1"}) ==
          "--seed needs --template: only templates draw random values");
    CHECK(pub_error({"-t", "a", "-m", "x", "--template", "--seed", "abc"}) ==
          "--seed: 'abc' is not a whole number (0-9223372036854775807)");
    CHECK(pub_error({"-t", "a", "-m", "x", "--template", "--seed", "-3"}).find("out of range") != std::string::npos);
    CHECK(pub_error({"-t", "a", "-n", "--template"}) ==
          "--template needs a payload: -m, -f, -s or -l (-n sends an empty message)");
}

TEST_CASE("mqsub --stats and its settings", "[cli][sub][lab]") {
    auto off = sub({"-t", "a"});
    CHECK_FALSE(off.stats.enabled);
    CHECK(off.stats.window == 60.0);
    CHECK(off.stats.interval == 1.0);
    CHECK(off.stats.field.empty());

    auto on = sub(
        {"-t", "a", "--stats", "--field", "sensor.temp", "--window", "5.5", "--interval=0.2", "-C", "3", "-W", "9"});
    CHECK(on.stats.enabled);
    CHECK(on.stats.field == "sensor.temp");
    CHECK(on.stats.window == 5.5);
    CHECK(on.stats.interval == 0.2);
    CHECK(on.count == 3);  // -C and -W keep working with --stats
    CHECK(on.timeout == 9);

    CHECK(sub_error({"-t", "a", "--field", "x"}) == "--field needs --stats");
    CHECK(sub_error({"-t", "a", "--window", "5"}) == "--window needs --stats");
    CHECK(sub_error({"-t", "a", "--interval", "5"}) == "--interval needs --stats");
    CHECK(sub_error({"-t", "a", "--stats", "--field", "a..b"}) ==
          "--field: invalid path 'a..b': empty name before, after or between dots");
    CHECK(sub_error({"-t", "a", "--stats", "--window", "0"}).find("--window: 0 is out of range") == 0);
    CHECK(sub_error({"-t", "a", "--stats", "--window", "abc"}) == "--window: 'abc' is not a number");
    CHECK(sub_error({"-t", "a", "--stats", "--window", "90000"}).find("out of range") != std::string::npos);
    CHECK(sub_error({"-t", "a", "--stats", "--interval", "0.01"}).find("--interval: 0.01 is out of range") == 0);
    CHECK(sub_error({"-t", "a", "--stats", "-v"}) ==
          "-v/--verbose cannot be used with --stats: the statistics replace the message output");
    CHECK(sub_error({"-t", "a", "--stats", "-F", "%t"}).find("-F/--format cannot be used with --stats") == 0);
    CHECK(sub_error({"-t", "a", "--stats", "-N"}).find("-N/--no-eol cannot") == 0);
    CHECK(sub_error({"-t", "a", "--stats", "-d"}).find("-d/--debug cannot") == 0);
}
