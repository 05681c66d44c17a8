// The protocol guard's reading of raw MQTT packets (lib/src/mqtt/workarounds/packet_check.cpp), on
// fixed bytes: what the client's CONNECT and SUBSCRIBE asked for, and what is wrong with a PUBLISH.
#ifdef MQKIT_HAS_PROTOCOL_GUARD
#include "mqtt/workarounds/packet_check.hpp"

#include "catch_compat.hpp"

#include <string>

using namespace mqkit::workarounds;

namespace {

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int x : b) s.push_back(static_cast<char>(x));
    return s;
}

std::string str(const std::string& s) {
    return bytes({static_cast<int>(s.size() >> 8), static_cast<int>(s.size() & 0xff)}) + s;
}

}  // namespace

TEST_CASE("packet_check: a CONNECT's protocol level, Maximum Packet Size and Topic Alias Maximum", "[packet-check]") {
    auto v311 = read_connect(str("MQTT") + bytes({4, 2, 0, 60}) + str("id"));
    REQUIRE(v311);
    CHECK(v311->version == 4);
    CHECK(v311->max_packet == 0);
    // v5: properties 0x27 (u32 200) and 0x22 (u16 10), then the client id.
    auto v5 = read_connect(str("MQTT") + bytes({5, 2, 0, 60, 8, 0x27, 0, 0, 0, 200, 0x22, 0, 10}) + str("id"));
    REQUIRE(v5);
    CHECK(v5->version == 5);
    CHECK(v5->max_packet == 200);
    CHECK(v5->topic_alias_max == 10);
    CHECK(read_connect(str("MQIsdp") + bytes({3, 2, 0, 60}))->version == 3);
    CHECK_FALSE(read_connect(bytes({0, 4, 'M'})));                                 // cut short
    CHECK_FALSE(read_connect(str("MQTT") + bytes({5, 2, 0, 60, 3, 0x7f, 0, 0})));  // unknown property
}

TEST_CASE("packet_check: SUBSCRIBE and UNSUBSCRIBE filters, SUBACK and UNSUBACK codes", "[packet-check]") {
    const std::string two = bytes({0, 7}) + str("a/b") + bytes({1}) + str("c") + bytes({2});
    auto sub = read_subscribe(two, 4, false);
    REQUIRE(sub);
    CHECK(sub->packet_id == 7);
    CHECK(sub->filters == 2);
    auto sub5 = read_subscribe(bytes({0, 8, 0}) + str("a") + bytes({0}), 5, false);
    REQUIRE(sub5);
    CHECK(sub5->filters == 1);
    auto unsub5 = read_subscribe(bytes({0, 9, 0}) + str("a") + str("b"), 5, true);
    REQUIRE(unsub5);
    CHECK(unsub5->filters == 2);
    CHECK_FALSE(read_subscribe(bytes({0, 7}) + bytes({0, 9, 'a'}), 4, false));  // a filter cut short

    auto ack = read_suback(bytes({0, 7, 1}), 4);
    REQUIRE(ack);
    CHECK(ack->packet_id == 7);
    CHECK(ack->filters == 1);
    CHECK(read_suback(bytes({0, 7, 0, 0x80, 0x87}), 5)->filters == 2);  // v5: an empty property list first
    CHECK(read_suback(bytes({0, 7}), 4)->filters == 0);

    CHECK(suback_problem(bytes({0, 7, 0, 1, 2, 0x80}), 4, false).empty());
    CHECK(suback_problem(bytes({0, 7, 0x30}), 4, false) ==
          "the broker's SUBACK holds reason code 48, which MQTT does not define there");
    CHECK_FALSE(suback_problem(bytes({0, 7, 0x87}), 4, false).empty());  // 3.1.1 knows only 0x80
    CHECK(suback_problem(bytes({0, 7, 0, 0x87, 0xa2}), 5, false).empty());
    CHECK(suback_problem(bytes({0, 7, 0, 0x11, 0x87}), 5, true).empty());
    CHECK_FALSE(suback_problem(bytes({0, 7, 0, 1}), 5, true).empty());
}

TEST_CASE("packet_check: what is wrong with a PUBLISH from the broker", "[packet-check]") {
    const unsigned char q0 = 0x30, q1 = 0x32, q3 = 0x36;
    CHECK(publish_problem(q0, str("a/b") + "payload", 4, 0).empty());
    CHECK(publish_problem(q1, str("a/b") + bytes({0, 1}) + "x", 4, 0).empty());
    CHECK(publish_problem(q3, str("a") + bytes({0, 1}), 4, 0) == "the broker sent a PUBLISH with QoS 3");
    CHECK(publish_problem(q1, str("a") + bytes({0, 0}), 4, 0) == "the broker sent a QoS 1 PUBLISH with packet id 0");
    CHECK(publish_problem(q0, str("t/\xff\xfe"), 4, 0).find("not valid UTF-8 (byte 2)") != std::string::npos);
    CHECK(publish_problem(q0, str("a/+"), 4, 0).find("wildcards") != std::string::npos);
    CHECK(publish_problem(q0, str(std::string("a\0b", 3)), 4, 0).find("NUL") != std::string::npos);
    CHECK(publish_problem(q0, str(""), 4, 0) == "the broker sent a PUBLISH without a topic");
    // MQTT v5: topic alias (0x23).
    CHECK(publish_problem(q0, str("a") + bytes({3, 0x23, 0, 0}), 5, 10) ==
          "the broker sent a PUBLISH with topic alias 0");
    CHECK(publish_problem(q0, str("") + bytes({3, 0x23, 0, 5}), 5, 0) ==
          "the broker sent a PUBLISH with topic alias 5, above this client's topic alias maximum of 0");
    CHECK(publish_problem(q0, str("") + bytes({3, 0x23, 0, 5}), 5, 10).empty());
    CHECK(publish_problem(q0, str("a") + bytes({0}) + "x", 5, 0).empty());
    CHECK(publish_problem(q0, str("a") + bytes({5, 0x26}) + str("k") + bytes({0}), 5, 0).empty());  // cut: Paho's
}

TEST_CASE("packet_check: packet sizes and names", "[packet-check]") {
    CHECK(packet_size(0) == 2);
    CHECK(packet_size(127) == 129);
    CHECK(packet_size(128) == 131);
    CHECK(packet_size(268435455) == 268435460);
    CHECK(packet_name(3) == "PUBLISH");
    CHECK(packet_name(0) == "packet type 0");
}
#endif
