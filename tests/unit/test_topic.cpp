// Unit tests for topic name/filter validation and matching (mqpub -t, mqsub -t/-T).
#include "mqkit/topic.hpp"

#include "catch_compat.hpp"

#include <string>

using namespace mqkit;

TEST_CASE("topic names", "[topic]") {
    CHECK(topic_name_problem("i/LOVE/Python").empty());
    CHECK(topic_name_problem("/").empty());
    CHECK(topic_name_problem("a//b").empty());
    CHECK(topic_name_problem("$SYS/x").empty());
    CHECK_FALSE(topic_name_problem("").empty());
    CHECK_FALSE(topic_name_problem("a/#").empty());
    CHECK_FALSE(topic_name_problem("a/+/b").empty());
    CHECK_FALSE(topic_name_problem(std::string("a\0b", 3)).empty());
    CHECK_FALSE(topic_name_problem("\xC3\x28").empty());      // invalid UTF-8
    CHECK_FALSE(topic_name_problem("\xED\xA0\x80").empty());  // UTF-16 surrogate
    CHECK_FALSE(topic_name_problem("\xC0\xAF").empty());      // overlong
    CHECK(topic_name_problem("caf\xC3\xA9").empty());
    // Valid UTF-8 that brokers refuse (mosquitto drops the connection as malformed).
    CHECK(topic_name_problem(std::string("cc/a\x01") + "b") ==
          "topic holds U+0001 at byte 4, which MQTT's UTF-8 rules do not allow in a topic");
    CHECK(topic_name_problem("a\x7f") ==
          "topic holds U+007F at byte 1, which MQTT's UTF-8 rules do not allow in a topic");
    CHECK_FALSE(topic_name_problem("a\xC2\x80").empty());          // U+0080, a C1 control
    CHECK_FALSE(topic_name_problem("a\xEF\xBF\xBF").empty());      // U+FFFF
    CHECK_FALSE(topic_name_problem("a\xEF\xB7\x90").empty());      // U+FDD0
    CHECK_FALSE(topic_name_problem("a\xF0\x9F\xBF\xBE").empty());  // U+1FFFE
    CHECK_FALSE(topic_filter_problem("s/\x1f").empty());
    CHECK(topic_name_problem(std::string("a\xC2\xA0") + "b").empty());  // U+00A0 is fine
    CHECK(topic_name_problem("\xF0\x9F\x8C\xA1/temp").empty());         // an emoji is fine
    CHECK(topic_name_problem(std::string(65535, 'a')).empty());
    CHECK(topic_name_problem(std::string(65536, 'a')) == "topic is 65536 bytes long (at most 65535)");
}

TEST_CASE("topic filters", "[topic]") {
    for (const char* ok : {"#", "+", "a/#", "a/+/c", "+/+", "/#", "a/b", "$SYS/#"})
        CHECK(topic_filter_problem(ok).empty());
    for (const char* bad : {"a/#/b", "a#", "a/b#", "a+", "+a/b", "#/a", ""})
        CHECK_FALSE(topic_filter_problem(bad).empty());
}

TEST_CASE("topic matching", "[topic]") {
    CHECK(topic_matches("a/#", "a/b/c"));
    CHECK(topic_matches("a/#", "a"));
    CHECK(topic_matches("#", "a/b"));
    CHECK(topic_matches("a/+/c", "a/b/c"));
    CHECK_FALSE(topic_matches("a/+/c", "a/b/d"));
    CHECK_FALSE(topic_matches("a/+", "a/b/c"));
    CHECK(topic_matches("a/+", "a/"));
    CHECK(topic_matches("home/+/temp", "home/kitchen/temp"));
    CHECK_FALSE(topic_matches("home/+/temp", "home/kitchen/humidity"));
    CHECK_FALSE(topic_matches("#", "$SYS/broker"));
    CHECK_FALSE(topic_matches("+/broker", "$SYS/broker"));
    CHECK(topic_matches("$SYS/#", "$SYS/broker"));
    CHECK(topic_matches("a/b", "a/b"));
    CHECK_FALSE(topic_matches("a/b", "a/b/c"));
    CHECK_FALSE(topic_matches("a/b/c", "a/b"));
}
