// Unit tests for mqsub --stats: numbers out of payloads, rolling windows, sparklines, the plain-line
// format and the table layout, all on fixed inputs and fixed times.
#include "core/stats.hpp"

#include "catch_compat.hpp"

#include <map>
#include <sstream>
#include <string>

using namespace mqkit;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

const char* no_env(const char*) {
    return nullptr;
}

}  // namespace

TEST_CASE("numeric_value reads plain decimal numbers only", "[stats]") {
    CHECK(numeric_value("21.5", "") == 21.5);
    CHECK(numeric_value(" -3\n", "") == -3.0);
    CHECK(numeric_value("+4", "") == 4.0);
    CHECK(numeric_value("1e3", "") == 1000.0);
    CHECK(numeric_value(".5", "") == 0.5);
    CHECK(numeric_value("7.", "") == 7.0);
    for (const char* bad : {"", " ", "abc", "0x1A", "inf", "nan", "1,5", "12 13", "1e", "-", ".", "21.5C", "1e999"}) {
        INFO(bad);
        CHECK_FALSE(numeric_value(bad, "").has_value());
    }
}

TEST_CASE("numeric_value follows a dotted JSON path with --field", "[stats]") {
    const std::string doc = R"({"temperature": 21.5, "sensor": {"temp": 19, "name": "lopy", "s": "22.5"},
                               "values": [1, 2, {"x": 3}], "flag": true})";
    CHECK(numeric_value(doc, "temperature") == 21.5);
    CHECK(numeric_value(doc, "sensor.temp") == 19.0);
    CHECK(numeric_value(doc, "sensor.s") == 22.5);  // a string holding a number counts
    CHECK(numeric_value(doc, "values.1") == 2.0);
    CHECK(numeric_value(doc, "values.2.x") == 3.0);
    CHECK_FALSE(numeric_value(doc, "sensor.name"));
    CHECK_FALSE(numeric_value(doc, "flag"));
    CHECK_FALSE(numeric_value(doc, "sensor"));
    CHECK_FALSE(numeric_value(doc, "missing"));
    CHECK_FALSE(numeric_value(doc, "values.9"));
    CHECK_FALSE(numeric_value(doc, "temperature.x"));
    CHECK_FALSE(numeric_value("21.5", "temperature"));  // a plain number has no fields
    CHECK_FALSE(numeric_value("{not json", "temperature"));
    CHECK(numeric_value("[4, 5]", "0") == 4.0);
}

TEST_CASE("stats_field_problem rejects empty path parts", "[stats]") {
    CHECK(stats_field_problem("sensor.temp").empty());
    CHECK(stats_field_problem("temperature").empty());
    CHECK_FALSE(stats_field_problem("").empty());
    CHECK_FALSE(stats_field_problem(".a").empty());
    CHECK_FALSE(stats_field_problem("a.").empty());
    CHECK_FALSE(stats_field_problem("a..b").empty());
}

TEST_CASE("rolling_window: count, rate and min/mean/max over the window", "[stats]") {
    rolling_window w(10.0);
    auto empty = w.summary(0, 5);
    CHECK(empty.total == 0);
    CHECK(empty.rate == 0);
    CHECK_FALSE(empty.mean);

    w.add(100.0, 4.0);
    auto first = w.summary(100.0, 5);
    CHECK(first.rate == 1.0);  // a first message reads as 1/s, not infinity
    CHECK(first.min == 4.0);

    w.add(101.0, 8.0);
    w.add(102.0, std::nullopt);
    w.add(103.0, 6.0);
    w.expire(104.0);
    auto s = w.summary(104.0, 5);
    CHECK(s.total == 4);
    CHECK(s.total_text == 1);
    CHECK(s.in_window == 4);
    CHECK(s.numeric == 3);
    CHECK(s.rate == 1.0);  // 4 messages over the 4 s since the first
    CHECK(s.min == 4.0);
    CHECK(s.mean == 6.0);
    CHECK(s.max == 8.0);
    CHECK(s.recent == std::vector<double>{4, 8, 6});

    // Later, only the messages of the last 10 s are left; the totals stay.
    w.add(111.0, 10.0);
    w.expire(111.5);
    s = w.summary(111.5, 2);
    CHECK(s.total == 5);
    CHECK(s.in_window == 3);  // 102 (text), 103, 111
    CHECK(s.numeric == 2);
    CHECK(s.min == 6.0);
    CHECK(s.max == 10.0);
    CHECK(s.mean == 8.0);
    CHECK(s.rate == Approx(0.3));  // 3 messages over the full 10 s window
    CHECK(s.recent == std::vector<double>{6, 10});

    w.expire(200.0);
    s = w.summary(200.0, 5);
    CHECK(s.in_window == 0);
    CHECK_FALSE(s.min);
    CHECK(s.total == 5);
}

TEST_CASE("topic_stats keeps one window per topic and one over all of them", "[stats]") {
    topic_stats st(60.0, "");
    st.add("lab/g2/pm", "300", 1.0);
    st.add("lab/g1/pm", "100", 2.0);
    st.add("lab/g1/pm", "200", 3.0);
    st.add("lab/g3/led", "red", 4.0);
    auto snap = st.snapshot(0.0, 5.0, 10);
    CHECK(snap.elapsed == 5.0);
    REQUIRE(snap.topics.size() == 3);
    CHECK(snap.topics[0].topic == "lab/g1/pm");  // sorted by topic
    CHECK(snap.topics[0].window.total == 2);
    CHECK(snap.topics[0].window.mean == 150.0);
    CHECK(snap.topics[0].last == "200");
    CHECK(snap.topics[0].last_value == 200.0);
    CHECK(snap.topics[2].topic == "lab/g3/led");
    CHECK(snap.topics[2].window.numeric == 0);
    CHECK(snap.topics[2].window.total_text == 1);
    CHECK_FALSE(snap.topics[2].last_value);
    CHECK(snap.all.all);
    CHECK(snap.all.topics == 3);
    CHECK(snap.all.window.total == 4);
    CHECK(snap.all.window.total_text == 1);
    CHECK(snap.all.window.min == 100.0);
    CHECK(snap.all.window.mean == 200.0);
    CHECK(snap.all.window.max == 300.0);
    CHECK(snap.all.last_value == 250.0);  // mean of the last numbers: 200 (g1) and 300 (g2)

    topic_stats json_stats(60.0, "sensor.temp");
    json_stats.add("t", R"({"sensor": {"temp": 20}})", 1.0);
    json_stats.add("t", R"({"sensor": {"temp": 22}})", 2.0);
    json_stats.add("t", R"({"sensor": {}})", 3.0);
    auto js = json_stats.snapshot(0.0, 3.0, 10);
    CHECK(js.topics[0].window.mean == 21.0);
    CHECK(js.topics[0].window.total_text == 1);
}

TEST_CASE("sparkline scales values from the lowest to the full block", "[stats][sparkline]") {
    CHECK(sparkline({}, true).empty());
    CHECK(sparkline({0, 1, 2, 3, 4, 5, 6, 7}, true) == "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
    CHECK(sparkline({0, 1, 2, 3, 4, 5, 6, 7}, false) == "_.-=+*#@");
    CHECK(sparkline({10, 20}, false) == "_@");
    CHECK(sparkline({5, 5, 5}, true) == "\u2584\u2584\u2584");  // flat: mid height
    CHECK(sparkline({5}, false) == "=");
    CHECK(sparkline({0, 100, 50}, false) == "_@+");  // 50 -> level 3.5 rounds up to 4
    CHECK(display_width(sparkline({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, true)) == 10);
}

TEST_CASE("format_stat: whole numbers plainly, others with 6 significant digits", "[stats]") {
    CHECK(format_stat(std::nullopt) == "-");
    CHECK(format_stat(0.0) == "0");
    CHECK(format_stat(-0.0) == "0");
    CHECK(format_stat(12.0) == "12");
    CHECK(format_stat(-500.0) == "-500");
    CHECK(format_stat(21.53) == "21.53");
    CHECK(format_stat(2.0 / 3.0) == "0.666667");
    CHECK(format_stat(1e20) == "1e+20");
}

TEST_CASE("render_stats_lines: the documented plain-line format", "[stats]") {
    topic_stats st(10.0, "");
    st.add("PM/value", "100", 1.0);
    st.add("PM/value", "300", 2.0);
    st.add("room \"1\"", "on", 2.5);
    auto text = render_stats_lines(st.snapshot(0.0, 3.0, 10));
    CHECK(text ==
          "stats t=3.0 topic=\"PM/value\" count=2 text=0 window=2 rate=1.00 numeric=2 min=100 mean=200 max=300 "
          "last=\"300\"\n"
          "stats t=3.0 topic=\"room \\\"1\\\"\" count=1 text=1 window=1 rate=1.00 numeric=0 min=- mean=- max=- "
          "last=\"on\"\n"
          "stats t=3.0 all topics=2 count=3 text=1 window=3 rate=1.50 numeric=2 min=100 mean=200 max=300 "
          "last_mean=300\n");
    topic_stats none(10.0, "");
    CHECK(render_stats_lines(none.snapshot(0.0, 0.5, 10)) ==
          "stats t=0.5 all topics=0 count=0 text=0 window=0 rate=0.00 numeric=0 min=- mean=- max=- last_mean=-\n");
}

TEST_CASE("render_stats_table: a wide terminal shows every column", "[stats][layout]") {
    topic_stats st(60.0, "");
    for (int i = 0; i < 8; ++i) st.add("lab/group1/pm", std::to_string(100 * i), 1.0 + i);
    st.add("lab/group2/led", "green", 2.0);
    auto snap = st.snapshot(0.0, 9.0, 20);
    table_style style;
    style.width = 120;
    style.unicode = false;
    auto lines = lines_of(render_stats_table(snap, "mqsub --stats", style));
    REQUIRE(lines.size() == 7);
    CHECK(lines[0] == "mqsub --stats");
    CHECK(lines[1] == "TOPIC           COUNT  RATE/s  LAST   MIN  MEAN  MAX  TREND");
    CHECK(lines[2] == "lab/group1/pm       8    1.00  700      0   350  700  _.-=+*#@");
    CHECK(lines[3] == "lab/group2/led      1    0.14  green    -     -    -  (text)");  // 1 message in 7 s
    CHECK(lines[4] == "(all 2 topics)      9    1.12  700      0   350  700  _.-=+*#@");
    CHECK(lines[5] == "1 non-numeric message counted, not averaged");
    CHECK(lines[6] == "LAST of the all row: mean of each topic's last value");
    for (const auto& l : lines) CHECK(display_width(l) <= 120);
}

TEST_CASE("render_stats_table: narrow terminals cut and drop columns, never overflow", "[stats][layout]") {
    topic_stats st(60.0, "");
    st.add("building/floor-3/room-317/sensors/temperature", "21.5", 1.0);
    st.add("building/floor-3/room-317/sensors/temperature", "22.5", 2.0);
    st.add("x", "a very long text payload that does not fit anywhere", 2.0);
    auto snap = st.snapshot(0.0, 3.0, 20);
    for (bool unicode : {true, false}) {
        for (std::size_t width : {200u, 80u, 60u, 40u, 30u, 20u, 10u, 1u}) {
            table_style style;
            style.width = width;
            style.unicode = unicode;
            auto text = render_stats_table(snap, "mqsub --stats  127.0.0.1:1883  # window 60 s", style);
            for (const auto& l : lines_of(text)) {
                INFO(width << " [" << l << "]");
                CHECK(display_width(l) <= width);
            }
        }
    }
    table_style narrow;
    narrow.width = 40;
    narrow.unicode = false;
    auto lines = lines_of(render_stats_table(snap, "t", narrow));
    // TREND, MIN and MAX go first; the topic is cut with '~'.
    CHECK(lines[1].find("TREND") == std::string::npos);
    CHECK(lines[1].find("MIN") == std::string::npos);
    CHECK(lines[1].find("MEAN") != std::string::npos);
    CHECK(lines[2].find("building") == 0);
    CHECK(lines[2].find('~') != std::string::npos);

    narrow.unicode = true;
    lines = lines_of(render_stats_table(snap, "t", narrow));
    CHECK(lines[2].find("\u2026") != std::string::npos);  // a real ellipsis on UTF-8 terminals

    // Between those, the sparkline gives way first and keeps its newest values.
    topic_stats spark(60.0, "");
    for (int i = 0; i < 20; ++i) spark.add("lab/group1/pm", std::to_string(i), 1.0 + i);
    auto sp = spark.snapshot(0.0, 21.0, 20);
    table_style mid;
    mid.width = 60;
    mid.unicode = false;
    lines = lines_of(render_stats_table(sp, "t", mid));
    CHECK(lines[2].find("lab/group1/pm") == 0);  // the topic is whole
    CHECK(lines[2].size() == 60);
    CHECK(lines[2].substr(lines[2].size() - 3) == "#@@");  // the newest (largest) values are kept

    table_style bold;
    bold.bold = true;
    CHECK(render_stats_table(snap, "t", bold).find("\x1b[1mTOPIC") != std::string::npos);
}

TEST_CASE("render_stats_table makes control characters and (ASCII) non-ASCII bytes printable", "[stats][layout]") {
    topic_stats st(60.0, "");
    st.add("t", "a\x1b[2Jb\n\xC3\xA9", 1.0);
    auto snap = st.snapshot(0.0, 1.0, 20);
    table_style style;
    style.unicode = false;
    auto text = render_stats_table(snap, "t", style);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find("a?[2Jb???") != std::string::npos);
    style.unicode = true;
    CHECK(render_stats_table(snap, "t", style).find("a?[2Jb?\xC3\xA9") != std::string::npos);
}

TEST_CASE("locale_is_utf8 reads LC_ALL, LC_CTYPE, LANG in that order", "[stats]") {
    static std::map<std::string, std::string> env;
    auto lookup = [](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    CHECK_FALSE(locale_is_utf8(no_env));
    env = {{"LANG", "en_US.UTF-8"}};
    CHECK(locale_is_utf8(lookup));
    env = {{"LANG", "de_DE.utf8"}};
    CHECK(locale_is_utf8(lookup));
    env = {{"LANG", "en_US.UTF-8"}, {"LC_ALL", "C"}};
    CHECK_FALSE(locale_is_utf8(lookup));
    env = {{"LANG", "C"}, {"LC_CTYPE", "C.UTF-8"}};
    CHECK(locale_is_utf8(lookup));
    env = {{"LC_ALL", ""}, {"LANG", "POSIX"}};
    CHECK_FALSE(locale_is_utf8(lookup));
}

TEST_CASE("rolling_window: per-second buckets keep memory flat however many messages come", "[stats][memory]") {
    rolling_window w(10.0);
    // 1,000,000 messages over 100 s, 10,000 a second, values 0..9 repeating.
    for (int i = 0; i < 1000000; ++i) {
        const double t = 1000.0 + i / 10000.0;
        w.add(t, static_cast<double>(i % 10));
        if (i % 10000 == 0) w.expire(t);
    }
    w.expire(1100.0);
    CHECK(w.buckets() <= 11);  // one per second of the window, whatever the message count
    auto s = w.summary(1100.0, 20);
    CHECK(s.total == 1000000);
    CHECK(s.in_window == 100000);  // seconds 1090..1099: each second's start is within 10 s of 1100
    CHECK(s.numeric == 100000);
    CHECK(s.min == 0.0);
    CHECK(s.max == 9.0);
    CHECK(s.mean == Approx(4.5));
    CHECK(s.rate == Approx(10000.0));
    REQUIRE(s.recent.size() == 20);
    CHECK(s.recent.back() == 9.0);  // the newest number last
}

TEST_CASE("rolling_window: a second leaves the window whole, and short windows count tenths", "[stats][memory]") {
    rolling_window w(10.0);
    w.add(100.2, 1.0);
    w.add(100.9, 3.0);
    w.add(101.5, std::nullopt);
    w.expire(110.1);  // second 100 started 10.1 s ago: both its messages go
    auto s = w.summary(110.1, 10);
    CHECK(s.in_window == 1);
    CHECK(s.numeric == 0);
    CHECK_FALSE(s.min);
    CHECK(s.recent.empty());
    CHECK(s.total == 3);

    rolling_window half(0.5);  // buckets of 50 ms
    half.add(5.00, 1.0);
    half.add(5.30, 2.0);
    half.expire(5.52);
    s = half.summary(5.52, 10);
    CHECK(s.in_window == 1);
    CHECK(s.min == 2.0);
    CHECK(half.buckets() == 1);
}

TEST_CASE("rolling_window: a day-long window is cut into 600 buckets", "[stats][memory]") {
    rolling_window w(86400.0);  // --window's largest: buckets of 144 s
    for (int i = 0; i < 2 * 86400; ++i) {
        w.add(static_cast<double>(i), 1.0);
        if (i % 3600 == 0) w.expire(static_cast<double>(i));
    }
    w.expire(2 * 86400.0);
    CHECK(w.buckets() <= 601);
    auto s = w.summary(2 * 86400.0, 5);
    CHECK(s.in_window == 86400);
    CHECK(s.rate == Approx(1.0));
}

TEST_CASE("rolling_window: the sparkline keeps the newest 64 numbers of the window", "[stats][memory]") {
    rolling_window w(60.0);
    for (int i = 0; i < 200; ++i) w.add(10.0 + i * 0.01, static_cast<double>(i));
    w.expire(12.0);
    auto s = w.summary(12.0, 1000);
    REQUIRE(s.recent.size() == rolling_window::max_recent);
    CHECK(s.recent.front() == 136.0);
    CHECK(s.recent.back() == 199.0);
    CHECK(s.numeric == 200);  // min/mean/max cover the whole window, not just the sparkline
    CHECK(s.min == 0.0);
}

TEST_CASE("topic_stats keeps at most max_topics topics and counts the rest in the all row", "[stats][memory]") {
    auto name = [](std::size_t i) {
        std::string n = std::to_string(i);
        return "t/" + std::string(5 - n.size(), '0') + n;
    };
    topic_stats st(60.0, "");
    const std::size_t extra = 5;
    for (std::size_t i = 0; i < topic_stats::max_topics + extra; ++i) st.add(name(i), "1", 1.0);
    st.add("t/00000", "3", 2.0);                      // a kept topic still counts
    st.add(name(topic_stats::max_topics), "7", 2.0);  // an untracked one does not get a row
    auto snap = st.snapshot(0.0, 3.0, 10);
    CHECK(snap.topics.size() == topic_stats::max_topics);
    CHECK(snap.all.topics == topic_stats::max_topics);
    CHECK(snap.untracked == extra + 1);
    CHECK(snap.all.window.total == topic_stats::max_topics + extra + 2);
    CHECK(snap.all.window.max == 7.0);
    CHECK(snap.topics[0].window.total == 2);
    const std::string lines = render_stats_lines(snap);
    CHECK(lines.find(" untracked=6\n") != std::string::npos);
    table_style style;
    style.width = 100;
    CHECK(render_stats_table(snap, "t", style)
              .find("6 messages on topics beyond the first 1000 counted in the all row only") != std::string::npos);

    topic_stats few(60.0, "");
    few.add("a", "1", 1.0);
    CHECK(render_stats_lines(few.snapshot(0.0, 1.0, 10)).find("untracked") == std::string::npos);
}
