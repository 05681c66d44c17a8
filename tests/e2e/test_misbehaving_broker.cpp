// End-to-end tests against a scripted broker that answers what no conforming broker would: a table
// of cases, each its own test, each run against mqpub, mqsub, mqrr, mqbench (one client) and tspub. Every
// tool must end within its time, without a crash or a sanitizer report, with at most one error
// line and the exit code the table gives (mosquitto's where mosquitto has one; README "Exit
// status"). Then a randomised pass: the same server, its answers mutated, seeded.
#include "support/process.hpp"
#include "support/scripted_broker.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

/// Which part of the conversation a case gets wrong; it decides how mqbench is run (pub: one
/// publisher; sub: one subscriber).
enum class side { connect, publish, subscribe };

/// What a tool must do in a case: its exit code and a piece of its stderr ("" = nothing at all on
/// stderr). `any` leaves the exit code open. `or_exit`: a second exit code that is also right, where
/// the broker's misdeed races with the tool's own end (tspub's QoS 0 update may be out before it),
/// then with whatever it says.
struct outcome {
    int exit = 0;
    std::string says;
    int or_exit = -1;
};
constexpr int any = -1000;

struct broker_case {
    std::string name;
    side where = side::connect;
    int qos = 1;
    const char* version = "311";
    scripted_broker::script script;
    outcome mqpub, mqsub, mqbench, tspub;
    args extra;      ///< for mqpub and mqsub (e.g. -D connect maximum-packet-size 200)
    args sub_extra;  ///< for mqsub only (a second -t)
    /// How long a tool may take (a silent broker: the 10 s connect timeout).
    std::chrono::seconds limit{8};
    /// mqsub's -W.
    int sub_wait = 4;
    /// The outcomes need the protocol guard (MQKIT_HAS_PROTOCOL_GUARD): without it Paho C crashes on
    /// the case or takes it without a word (test_paho_faults.cpp).
    bool needs_guard = false;
};

/// `c`, run only where the protocol guard is built in.
broker_case guarded(broker_case c) {
    c.needs_guard = true;
    return c;
}

using twist = std::function<bool(wire&, const std::string&)>;

/// A conforming broker with `t`'s changes (see wire::twists).
scripted_broker::script behaving(twist t, bool deliver = true) {
    return [t = std::move(t), deliver](wire& w) {
        wire::twists tw;
        tw.on_packet = t;
        tw.deliver_after_suback = deliver;
        w.behave(tw);
    };
}

/// On CONNECT: send `bytes` (built for this connection) instead of the CONNACK, then close.
scripted_broker::script on_connect_send(std::function<std::string(const wire&)> bytes, bool then_close = true) {
    return behaving([bytes = std::move(bytes), then_close](wire& w, const std::string& p) {
        if (type_of(p) != CONNECT) return false;
        w.send(bytes(w));
        if (then_close) w.close();
        return true;
    });
}

/// After the CONNACK, at once: `bytes` (built for this connection); then a conforming broker.
twist after_connack(std::function<std::string(const wire&)> bytes, bool then_close = false) {
    return [bytes = std::move(bytes), then_close](wire& w, const std::string& p) {
        if (type_of(p) != CONNECT) return false;
        w.send(w.connack(0) + bytes(w));
        if (then_close) w.close();
        return true;
    };
}

/// Which first acknowledgement on_first_ack() replaces.
enum class first { puback, suback, either };

/// The first acknowledgement the client waits for (`which`: PUBACK/PUBREC for a QoS 1/2 PUBLISH,
/// SUBACK for a SUBSCRIBE, or whichever comes first) replaced by `bytes(w, conforming answer)`.
twist on_first_ack(std::function<std::string(const wire&, const std::string&)> bytes, bool then_close = false,
                   first which = first::either) {
    return [bytes = std::move(bytes), then_close, which](wire& w, const std::string& p) {
        const bool pub = type_of(p) == PUBLISH && qos_of(p) > 0, sub = type_of(p) == SUBSCRIBE;
        if (!(pub && which != first::suback) && !(sub && which != first::puback)) return false;
        w.send(bytes(w, w.answer(p)));
        if (then_close) w.close();
        return true;
    };
}

std::string v5_property_u16(int id, int value) {
    return std::string(1, static_cast<char>(id)) + u16(value);
}

// ---- the cases ---------------------------------------------------------------------------------

const std::string closed = "the broker closed the connection without answering the MQTT CONNECT";
const std::string ts_silent = "accepted the TCP connection but did not answer MQTT";
const outcome fine{0, ""};

/// CONNACKs of the wrong kind.
std::vector<broker_case> connack_cases() {
    std::vector<broker_case> v;
    v.push_back(
        {"CONNACK of the wrong protocol level: MQTT 3.1.1's 'unacceptable protocol version' to an MQTT "
         "v5 CONNECT (aedes 1.2)",
         side::connect,
         1,
         "5",
         on_connect_send([](const wire&) {
             return packet(CONNACK << 4, std::string{0, 1});
         }),
         {132, "error: unsupported protocol version\nmqpub: hint: the broker speaks MQTT 3.1.1"},
         {132, "error: unsupported protocol version\nmqsub: hint: the broker speaks MQTT 3.1.1"},
         {1, ": unsupported protocol version"},
         {6, "error: connection refused: unacceptable protocol version"}});
    v.push_back(
        guarded({"CONNACK of the wrong protocol level: an MQTT 3.1.1 CONNACK accepting an MQTT v5 CONNECT",
                 side::connect,
                 1,
                 "5",
                 behaving([](wire& w, const std::string& p) {
                     if (type_of(p) != CONNECT) return false;
                     w.send(packet(CONNACK << 4, std::string{0, 0}));
                     return true;
                 }),
                 {2, "protocol error: the broker answered an MQTT v5 CONNECT with an MQTT 3.1.1 CONNACK (code 0)"},
                 {2, "protocol error: the broker answered an MQTT v5 CONNECT with an MQTT 3.1.1 CONNACK (code 0)"},
                 {1, "protocol error: the broker answered an MQTT v5 CONNECT"},
                 fine}));
    v.push_back({"CONNACK of the wrong protocol level: an MQTT v5 CONNACK to an MQTT 3.1.1 CONNECT", side::connect, 1,
                 "311", behaving([](wire& w, const std::string& p) {
                     if (type_of(p) != CONNECT) return false;
                     w.send(packet(CONNACK << 4, std::string{0, 0, 0}));
                     return true;
                 }),
                 fine, fine, fine, fine});
    v.push_back({"CONNACK with an unknown return code (MQTT 3.1.1: 6)",
                 side::connect,
                 1,
                 "311",
                 on_connect_send([](const wire& w) { return w.connack(6); }),
                 {6, "error: connection refused (CONNACK code 6)"},
                 {6, "error: connection refused (CONNACK code 6)"},
                 {1, "connection refused (CONNACK code 6)"},
                 {6, "error: connection refused (CONNACK code 6)"}});
    v.push_back({"CONNACK with a reason code MQTT v5 does not define for it (3)",
                 side::connect,
                 1,
                 "5",
                 on_connect_send([](const wire& w) { return w.connack(3); }),
                 {3, "error: connection refused (CONNACK reason code 3)"},
                 {3, "error: connection refused (CONNACK reason code 3)"},
                 {1, "connection refused (CONNACK reason code 3)"},
                 {6, "error: connection refused: broker unavailable"}});
    v.push_back({"CONNACK with an unknown MQTT v5 reason code (0xfe)",
                 side::connect,
                 1,
                 "5",
                 on_connect_send([](const wire& w) { return w.connack(0xfe); }),
                 {254, "error: connection refused (CONNACK reason code 254)"},
                 {254, "error: connection refused (CONNACK reason code 254)"},
                 {1, "connection refused (CONNACK reason code 254)"},
                 {6, "error: connection refused (CONNACK code 254)"}});
    v.push_back(guarded({"CONNACK twice",
                         side::connect,
                         1,
                         "311",
                         behaving(after_connack([](const wire& w) { return w.connack(0); })),
                         {2, "protocol error: the broker sent a second CONNACK"},
                         {2, "error: protocol error: the broker sent a second CONNACK"},
                         {3, "protocol error: the broker sent a second CONNACK"},
                         {6, "protocol error: the broker sent a second CONNACK", 0}}));
    return v;
}

/// Connections that get no usable CONNACK.
std::vector<broker_case> no_connack_cases() {
    std::vector<broker_case> v;
    v.push_back({"no CONNACK: the connection is closed after CONNECT (RabbitMQ 3.x on MQTT v5)",
                 side::connect,
                 1,
                 "311",
                 [](wire& w) {
                     if (w.read_connect()) w.close();
                 },
                 {7, closed},
                 {7, closed},
                 {1, closed},
                 {6, ts_silent}});
    v.push_back({"a silent socket: the broker accepts TCP and never sends a byte",
                 side::connect,
                 1,
                 "311",
                 [](wire&) {},
                 {7, "did not answer the MQTT CONNECT within 10 s"},
                 {27, "error: timed out after 4 s (-W)"},
                 {1, "did not answer the MQTT CONNECT within 10 s"},
                 {6, ts_silent},
                 {},
                 {},
                 std::chrono::seconds(16)});
    v.push_back(guarded({"a PUBLISH before CONNACK",
                         side::connect,
                         1,
                         "311",
                         behaving([](wire& w, const std::string& p) {
                             if (type_of(p) != CONNECT) return false;
                             w.send(w.publish("t/early", "x") + w.connack(0));
                             return true;
                         }),
                         {2, "error: protocol error: the broker sent PUBLISH before CONNACK"},
                         {2, "error: protocol error: the broker sent PUBLISH before CONNACK"},
                         {1, "protocol error: the broker sent PUBLISH before CONNACK"},
                         {6, "error: protocol error: the broker sent PUBLISH before CONNACK"}}));
    v.push_back({"a truncated CONNACK, then the connection closes",
                 side::connect,
                 1,
                 "311",
                 on_connect_send([](const wire& w) { return w.connack(0).substr(0, 3); }),
                 {7, closed},
                 {7, closed},
                 {1, closed},
                 {6, ts_silent}});
    v.push_back(guarded({"a CONNACK shorter than its content (remaining length 1)",
                         side::connect,
                         1,
                         "311",
                         on_connect_send([](const wire&) { return std::string("\x20\x01\x00", 3); }, false),
                         {2, "error: protocol error: the broker sent a malformed CONNACK"},
                         {2, "error: protocol error: the broker sent a malformed CONNACK"},
                         {1, "protocol error: the broker sent a malformed CONNACK"},
                         {6, "error: protocol error: the broker sent a malformed CONNACK"}}));
    v.push_back({"a reset in the middle of the CONNACK",
                 side::connect,
                 1,
                 "311",
                 behaving([](wire& w, const std::string& p) {
                     if (type_of(p) != CONNECT) return false;
                     w.send(w.connack(0).substr(0, 2));
                     w.reset();
                     return true;
                 }),
                 {7, closed},
                 {7, closed},
                 {1, closed},
                 {6, ts_silent}});
    return v;
}

/// Acknowledgements of the wrong kind or with the wrong packet id.
std::vector<broker_case> ack_cases() {
    std::vector<broker_case> v;
    const std::string qos2_puback = "protocol error: the broker answered a QoS 2 PUBLISH (Mid: 1) with PUBACK";
    v.push_back(guarded(
        {"PUBACK for a QoS 2 PUBLISH (RabbitMQ 3.x)",
         side::publish,
         2,
         "311",
         behaving(on_first_ack(
             [](const wire& w, const std::string& a) { return type_of(a) == PUBREC ? w.ack(PUBACK, packet_id(a)) : a; },
             false, first::puback)),
         {2, "error: 1 of 1 messages were not acknowledged: " + qos2_puback},
         fine,
         {3, qos2_puback},
         fine}));
    const std::string qos1_pubrec = "protocol error: the broker answered a QoS 1 PUBLISH (Mid: 1) with PUBREC";
    v.push_back(guarded(
        {"PUBREC for a QoS 1 PUBLISH",
         side::publish,
         1,
         "311",
         behaving(on_first_ack(
             [](const wire& w, const std::string& a) { return type_of(a) == PUBACK ? w.ack(PUBREC, packet_id(a)) : a; },
             false, first::puback)),
         {2, "error: 1 of 1 messages were not acknowledged: " + qos1_pubrec},
         fine,
         {3, qos1_pubrec},
         fine}));
    const std::string pubcomp =
        "protocol error: the broker answered a QoS 2 PUBLISH (Mid: 1) with PUBCOMP where "
        "PUBREC was due";
    v.push_back(guarded({"PUBCOMP before PUBREC for a QoS 2 PUBLISH",
                         side::publish,
                         2,
                         "311",
                         behaving(on_first_ack(
                             [](const wire& w, const std::string& a) {
                                 return type_of(a) == PUBREC ? w.ack(PUBCOMP, packet_id(a)) : a;
                             },
                             false, first::puback)),
                         {2, "error: 1 of 1 messages were not acknowledged: " + pubcomp},
                         fine,
                         {3, pubcomp},
                         fine}));
    v.push_back({"an acknowledgement with an unknown packet id, then the right one", side::publish, 1, "311",
                 behaving(on_first_ack(
                     [](const wire& w, const std::string& a) {
                         if (type_of(a) == SUBACK) return a;
                         return w.ack(type_of(a), packet_id(a) + 100) + a;
                     },
                     false, first::puback)),
                 fine, fine, fine, fine});
    v.push_back({"an acknowledgement repeated", side::publish, 2, "311", behaving([](wire& w, const std::string& p) {
                     const std::string a = w.answer(p);
                     if (type_of(a) != PUBREC && type_of(a) != PUBCOMP && type_of(a) != PUBACK) return false;
                     w.send(a + a);
                     return true;
                 }),
                 fine, fine, fine, fine});
    return v;
}

/// Packets cut short, malformed or reset in the middle.
std::vector<broker_case> framing_cases() {
    std::vector<broker_case> v;
    v.push_back({"a truncated PUBACK or SUBACK, then the connection closes",
                 side::publish,
                 1,
                 "311",
                 behaving(on_first_ack([](const wire&, const std::string& a) { return a.substr(0, 3); }, true)),
                 {7, "error: 1 of 1 messages were not acknowledged: connection to 127.0.0.1:"},
                 {27, "error: timed out after 4 s (-W)"},
                 {3, "the connection was lost"},
                 fine});
    v.push_back(guarded({"a PUBACK or SUBACK shorter than its content (remaining length 1)",
                         side::publish,
                         1,
                         "311",
                         behaving(on_first_ack([](const wire&, const std::string& a) {
                             return std::string(1, a[0]) + std::string("\x01\x00", 2);
                         })),
                         {2, "protocol error: the broker sent a malformed PUBACK"},
                         {2, "error: protocol error: the broker sent a malformed SUBACK"},
                         {3, "protocol error: the broker sent a malformed PUBACK"},
                         fine}));
    v.push_back({"a reset in the middle of a PUBACK or SUBACK",
                 side::publish,
                 1,
                 "311",
                 [](wire& w) {
                     wire::twists t;
                     auto half = on_first_ack([](const wire&, const std::string& a) { return a.substr(0, 2); });
                     t.on_packet = [half](wire& ww, const std::string& p) {
                         if (!half(ww, p)) return false;
                         ww.reset();
                         return true;
                     };
                     w.behave(t);
                 },
                 {7, "error: 1 of 1 messages were not acknowledged: connection to 127.0.0.1:"},
                 {27, "error: timed out after 4 s (-W)"},
                 {3, "the connection was lost"},
                 fine});
    const std::string too_long = "protocol error: the broker sent a remaining length longer than MQTT's 4 bytes";
    v.push_back(
        guarded({"a remaining length over MQTT's maximum (5 bytes)",
                 side::publish,
                 1,
                 "311",
                 behaving(after_connack([](const wire&) { return std::string("\x30\xff\xff\xff\xff\x7f", 6); })),
                 {2, too_long},
                 {2, "error: " + too_long},
                 {3, too_long},
                 {6, too_long, 0}}));
    return v;
}

/// SUBACKs that refuse every filter, and a PUBREL that never comes.
std::vector<broker_case> suback_cases() {
    std::vector<broker_case> v;
    v.push_back({"PUBREL never sent for a QoS 2 message",
                 side::subscribe,
                 2,
                 "311",
                 behaving([](wire&, const std::string& p) { return type_of(p) == PUBREC; }),
                 fine,
                 {27, "error: timed out after 4 s (-W)\n"},
                 fine,
                 fine});
    v.push_back({"SUBACK with 0x80 (failure) for every filter",
                 side::subscribe,
                 1,
                 "311",
                 behaving(on_first_ack(
                     [](const wire& w, const std::string& a) {
                         if (type_of(a) != SUBACK) return a;
                         const std::size_t n = a.size() - 4;
                         return w.suback(packet_id(a), std::string(n, '\x80'));
                     },
                     false, first::suback)),
                 fine,
                 {1,
                  "warning: the broker refused the subscription to 't/sub' (reason code 128)\n"
                  "mqsub: error: all subscription requests were denied"},
                 {3, "refused by the broker (SUBACK return code 0x80)"},
                 fine});
    v.push_back({"SUBACK with 0x87 (not authorized) for every filter (MQTT v5)",
                 side::subscribe,
                 1,
                 "5",
                 behaving(on_first_ack(
                     [](const wire& w, const std::string& a) {
                         if (type_of(a) != SUBACK) return a;
                         const std::size_t n = a.size() - 5;
                         return w.suback(packet_id(a), std::string(n, '\x87'));
                     },
                     false, first::suback)),
                 fine,
                 {1,
                  "warning: the broker refused the subscription to 't/sub' (reason code 135)\n"
                  "mqsub: error: all subscription requests were denied"},
                 {3, "refused by the broker: not authorized (reason code 135)"},
                 fine});
    return v;
}

/// SUBACKs that refuse some filters, or hold too few codes.
std::vector<broker_case> suback_count_cases() {
    std::vector<broker_case> v;
    v.push_back({"SUBACK with 0x80 for the first of two filters",
                 side::subscribe,
                 1,
                 "311",
                 behaving(on_first_ack(
                     [](const wire& w, const std::string& a) {
                         if (type_of(a) != SUBACK) return a;
                         std::string codes = a.substr(4);
                         codes[0] = '\x80';
                         return w.suback(packet_id(a), codes) + w.publish("t/sub2", "x");  // the granted one's
                     },
                     false, first::suback)),
                 fine,
                 {0, "mqsub: warning: the broker refused the subscription to 't/sub' (reason code 128)\n"},
                 {3, "refused by the broker (SUBACK return code 0x80)"},
                 fine,
                 {},
                 {"-t", "t/sub2"}});
    v.push_back(
        guarded({"SUBACK with fewer reason codes than filters",
                 side::subscribe,
                 1,
                 "311",
                 behaving(on_first_ack(
                     [](const wire& w, const std::string& a) {
                         return type_of(a) == SUBACK ? w.suback(packet_id(a), std::string(1, '\x01')) : a;
                     },
                     false, first::suback)),
                 fine,
                 {2, "error: protocol error: the broker's SUBACK (Mid: 1) holds 1 reason code for 2 topic filters"},
                 fine,
                 fine,
                 {},
                 {"-t", "t/sub2"}}));
    v.push_back(guarded(
        {"SUBACK without any reason code",
         side::subscribe,
         1,
         "311",
         behaving(on_first_ack(
             [](const wire& w, const std::string& a) { return type_of(a) == SUBACK ? w.suback(packet_id(a), "") : a; },
             false, first::suback)),
         fine,
         {2, "error: protocol error: the broker sent a malformed SUBACK"},
         {3, "protocol error: the broker sent a malformed SUBACK"},
         fine}));
    return v;
}

/// PUBLISH packets from the broker that MQTT forbids, sent right behind the CONNACK. At QoS 1, so
/// that mqpub waits for its PUBACK and reads them: at QoS 0 it could be done before they arrive.
std::vector<broker_case> broker_publish_cases() {
    std::vector<broker_case> v;
    const std::string too_big =
        "protocol error: the broker sent a packet of 1011 bytes, more than the Maximum Packet "
        "Size of 200 this client asked for";
    v.push_back(
        guarded({"a PUBLISH bigger than the maximum packet size the client asked for (MQTT v5)",
                 side::subscribe,
                 1,
                 "5",
                 behaving(after_connack([](const wire& w) { return w.publish("t/big", std::string(1000, 'b')); })),
                 {2, too_big},
                 {2, "error: " + too_big},
                 fine,
                 fine,
                 {"-D", "connect", "maximum-packet-size", "200"}}));
    const std::string utf8 =
        "protocol error: the broker sent a PUBLISH with a topic MQTT does not allow: topic is not "
        "valid UTF-8 (byte 2)";
    v.push_back(guarded({"a PUBLISH whose topic is not valid UTF-8",
                         side::subscribe,
                         1,
                         "311",
                         behaving(after_connack([](const wire& w) { return w.publish("t/\xff\xfe", "x"); })),
                         {2, utf8},
                         {2, "error: " + utf8},
                         {3, utf8},
                         {6, utf8, 0}}));
    const std::string alias0 = "protocol error: the broker sent a PUBLISH with topic alias 0";
    v.push_back(guarded(
        {"a PUBLISH with topic alias 0 (MQTT v5)",
         side::subscribe,
         1,
         "5",
         behaving(after_connack([](const wire& w) { return w.publish("t/a", "x", 0, 1, v5_property_u16(0x23, 0)); })),
         {2, alias0},
         {2, "error: " + alias0},
         {3, alias0},
         fine}));
    const std::string alias5 =
        "protocol error: the broker sent a PUBLISH with topic alias 5, above this client's "
        "topic alias maximum of 0";
    v.push_back(guarded(
        {"a PUBLISH with a topic alias above the client's maximum (MQTT v5)",
         side::subscribe,
         1,
         "5",
         behaving(after_connack([](const wire& w) { return w.publish("", "x", 0, 1, v5_property_u16(0x23, 5)); })),
         {2, alias5},
         {2, "error: " + alias5},
         {3, alias5},
         {6, "protocol error: the broker sent a PUBLISH without a topic", 0}}));
    return v;
}

/// MQTT v5's DISCONNECT reason codes (a server may send each of these).
const std::vector<int> disconnect_codes = {0x00, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e,
                                           0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a,
                                           0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2};

std::vector<broker_case> disconnect_cases() {
    std::vector<broker_case> v;
    const outcome reconnecting{27, "error: timed out after 1 s (-W)"};
    for (int rc : disconnect_codes) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", rc);
        const std::string said =
            rc == 0 ? "the broker disconnected (reason code 0, normal disconnection)" : "the broker disconnected: ";
        broker_case c{
            std::string("a server DISCONNECT with reason code ") + hex,
            side::publish,
            1,
            "5",
            behaving(on_first_ack([rc](const wire& w, const std::string&) { return w.disconnect(rc); }, true)),
            {rc == 0 ? 7 : rc, "error: 1 of 1 messages were not acknowledged: " + said},
            reconnecting,
            {3, said},
            fine};
        c.sub_wait = 1;
        v.push_back(c);
    }
    const std::string v311 = "protocol error: the broker sent DISCONNECT, which MQTT 3.1.1 does not let a broker send";
    v.push_back(
        guarded({"a server DISCONNECT in MQTT 3.1.1, which has none",
                 side::publish,
                 1,
                 "311",
                 behaving(on_first_ack([](const wire& w, const std::string&) { return w.disconnect(0); }, true)),
                 {2, v311},
                 {2, "error: " + v311},
                 {3, v311},
                 fine}));
    return v;
}

const std::vector<broker_case>& all_cases() {
    static const std::vector<broker_case> cases = [] {
        std::vector<broker_case> v;
        for (auto part : {connack_cases(), no_connack_cases(), ack_cases(), framing_cases(), suback_cases(),
                          suback_count_cases(), broker_publish_cases(), disconnect_cases()})
            v.insert(v.end(), part.begin(), part.end());
        return v;
    }();
    return cases;
}

/// What mqrr does in each case, by the case's name. mqrr subscribes to its response topic (the
/// scripted broker answers a SUBSCRIBE with a message on it: the response), then publishes its
/// request: a broker's misdeed on the request races with that response (or_exit).
outcome mqrr_outcome(const std::string& case_name) {
    const std::string disconnect = "a server DISCONNECT with reason code 0x";
    if (case_name.rfind(disconnect, 0) == 0) {  // at the SUBACK
        const int rc = std::stoi(case_name.substr(disconnect.size()), nullptr, 16);
        const std::string lost = "lost before the subscription to the response topic was acknowledged";
        return {rc == 0 ? 7 : rc, lost};
    }
    static const std::map<std::string, outcome> known = {
        {"CONNACK of the wrong protocol level: MQTT 3.1.1's 'unacceptable protocol version' to an MQTT v5 CONNECT "
         "(aedes 1.2)",
         {132, "unsupported protocol version"}},
        {"CONNACK of the wrong protocol level: an MQTT 3.1.1 CONNACK accepting an MQTT v5 CONNECT",
         {2, "protocol error: the broker answered an MQTT v5 CONNECT with an MQTT 3.1.1 CONNACK (code 0)"}},
        {"CONNACK of the wrong protocol level: an MQTT v5 CONNACK to an MQTT 3.1.1 CONNECT", {0, ""}},
        {"CONNACK with an unknown return code (MQTT 3.1.1: 6)", {6, "connection refused (CONNACK code 6)"}},
        {"CONNACK with a reason code MQTT v5 does not define for it (3)",
         {3, "connection refused (CONNACK reason code 3)"}},
        {"CONNACK with an unknown MQTT v5 reason code (0xfe)", {254, "connection refused (CONNACK reason code 254)"}},
        {"CONNACK twice", {2, "protocol error: the broker sent a second CONNACK"}},
        {"no CONNACK: the connection is closed after CONNECT (RabbitMQ 3.x on MQTT v5)",
         {7, "the broker closed the connection without answering the MQTT CONNECT"}},
        {"a silent socket: the broker accepts TCP and never sends a byte", {27, "no response on 't/rr/answer' within"}},
        {"a PUBLISH before CONNACK", {2, "protocol error: the broker sent PUBLISH before CONNACK"}},
        {"a truncated CONNACK, then the connection closes",
         {7, "the broker closed the connection without answering the MQTT CONNECT"}},
        {"a CONNACK shorter than its content (remaining length 1)",
         {2, "protocol error: the broker sent a malformed CONNACK"}},
        {"a reset in the middle of the CONNACK",
         {7, "the broker closed the connection without answering the MQTT CONNECT"}},
        {"PUBACK for a QoS 2 PUBLISH (RabbitMQ 3.x)", {2, "protocol error: the broker answered a QoS 2 PUBLISH", 0}},
        {"PUBREC for a QoS 1 PUBLISH", {0, "", 2}},
        {"PUBCOMP before PUBREC for a QoS 2 PUBLISH", {2, "protocol error: the broker answered a QoS 2 PUBLISH", 0}},
        {"an acknowledgement with an unknown packet id, then the right one", {0, ""}},
        {"an acknowledgement repeated", {0, ""}},
        {"a truncated PUBACK or SUBACK, then the connection closes",
         {7, "lost before the subscription to the response topic was acknowledged"}},
        {"a PUBACK or SUBACK shorter than its content (remaining length 1)",
         {2, "protocol error: the broker sent a malformed SUBACK"}},
        {"a reset in the middle of a PUBACK or SUBACK",
         {7, "lost before the subscription to the response topic was acknowledged"}},
        {"a remaining length over MQTT's maximum (5 bytes)",
         {2, "protocol error: the broker sent a remaining length longer than MQTT's 4 bytes"}},
        {"PUBREL never sent for a QoS 2 message", {27, "no response on 't/rr/answer' within"}},
        {"SUBACK with 0x80 (failure) for every filter",
         {1, "the broker refused the subscription to the response topic 't/rr/answer' (unspecified error)"}},
        {"SUBACK with 0x87 (not authorized) for every filter (MQTT v5)",
         {1, "the broker refused the subscription to the response topic 't/rr/answer' (not authorized)"}},
        {"SUBACK with 0x80 for the first of two filters",
         {1, "the broker refused the subscription to the response topic 't/rr/answer' (unspecified error)"}},
        {"SUBACK with fewer reason codes than filters", {27, "no response on 't/rr/answer' within"}},
        {"SUBACK without any reason code", {2, "protocol error: the broker sent a malformed SUBACK"}},
        {"a PUBLISH bigger than the maximum packet size the client asked for (MQTT v5)",
         {2,
          "protocol error: the broker sent a packet of 1011 bytes, more than the Maximum Packet Size of 200 this "
          "client asked for"}},
        {"a PUBLISH whose topic is not valid UTF-8",
         {2,
          "protocol error: the broker sent a PUBLISH with a topic MQTT does not allow: topic is not valid UTF-8 (byte "
          "2)"}},
        {"a PUBLISH with topic alias 0 (MQTT v5)", {2, "protocol error: the broker sent a PUBLISH with topic alias 0"}},
        {"a PUBLISH with a topic alias above the client's maximum (MQTT v5)",
         {2,
          "protocol error: the broker sent a PUBLISH with topic alias 5, above this client's topic alias maximum of "
          "0"}},
        {"a server DISCONNECT in MQTT 3.1.1, which has none",
         {2, "protocol error: the broker sent DISCONNECT, which MQTT 3.1.1 does not let a broker send"}},
    };
    return known.at(case_name);
}

// ---- running a case ------------------------------------------------------------------------------

/// A private HOME for tspub (its state and config folders), removed afterwards.
struct private_home {
    std::string dir;
    private_home() {
        char tmpl[] = "/tmp/mqkit-misbehave-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        dir = tmpl;
    }
    ~private_home() { std::system(("rm -rf '" + dir + "'").c_str()); }
    env_list env() const {
        return {{"HOME", dir}, {"XDG_CONFIG_HOME", dir + "/config"}, {"XDG_STATE_HOME", dir + "/state"}};
    }
};

struct tool_call {
    std::string name;  ///< mqpub, mqsub, mqbench, tspub, mosquitto_pub, mosquitto_sub
    std::string exe;
    args a;
};

/// mosquitto's clients for the survey: MQKIT_SURVEY_MOSQUITTO_PUB/_SUB name others (2.1.2's).
std::string mosquitto_client(const char* variable, const char* fallback) {
    const char* v = std::getenv(variable);
    return v && *v ? v : fallback;
}

std::vector<tool_call> calls(const broker_case& c, int port, bool with_mosquitto) {
    const std::string h = "127.0.0.1", p = std::to_string(port), q = std::to_string(c.qos);
    args pub = {"-h", h, "-p", p, "-V", c.version, "-q", q, "-t", "t/pub", "-m", "x"};
    args sub = {"-h", h, "-p", p, "-V", c.version, "-q", q, "-t", "t/sub", "-C", "1", "-W", std::to_string(c.sub_wait)};
    pub.insert(pub.end(), c.extra.begin(), c.extra.end());
    sub.insert(sub.end(), c.extra.begin(), c.extra.end());
    sub.insert(sub.end(), c.sub_extra.begin(), c.sub_extra.end());
    args bench = {c.where == side::subscribe ? "sub" : "pub",
                  "-h",
                  h,
                  "-p",
                  p,
                  "-V",
                  c.version,
                  "-q",
                  q,
                  "-c",
                  "1",
                  "-t",
                  "t/bench",
                  "--workers",
                  "1",
                  "--no-progress"};
    if (c.where == side::subscribe)
        bench.insert(bench.end(), {"--duration", "1"});
    else
        bench.insert(bench.end(), {"-n", "2", "--drain", "1"});
    args ts = {"-h",  h,    "-p",   p,    "--no-tls", "--channel",      "1", "-i",
               "dev", "-u", "user", "-P", "pw",       "--min-interval", "0", "field1=1"};
    // mqrr subscribes to its response topic, then publishes its request: both sides in one client.
    args rr = {"-h", h,         "-p", p,
               "-V", c.version, "-q", q,
               "-t", "t/rr",    "-e", "t/rr/answer",
               "-m", "x",       "-W", std::to_string(c.sub_wait)};
    rr.insert(rr.end(), c.extra.begin(), c.extra.end());
    std::vector<tool_call> v = {{"mqpub", tool("mqpub"), pub},
                                {"mqsub", tool("mqsub"), sub},
                                {"mqrr", tool("mqrr"), rr},
                                {"mqbench", tool("mqbench"), bench},
                                {"tspub", tool("tspub"), ts}};
    if (with_mosquitto) {
        v.push_back({"mosquitto_pub", mosquitto_client("MQKIT_SURVEY_MOSQUITTO_PUB", MOSQUITTO_PUB_EXECUTABLE), pub});
        v.push_back({"mosquitto_sub", mosquitto_client("MQKIT_SURVEY_MOSQUITTO_SUB", MOSQUITTO_SUB_EXECUTABLE), sub});
    }
    return v;
}

struct tool_result {
    tool_call call;
    run_result r;
    double seconds = 0;
};

/// Runs every tool of `c` at once against one scripted broker.
std::vector<tool_result> run_all(const broker_case& c, bool with_mosquitto, std::chrono::seconds limit) {
    scripted_broker b([&c](wire& w) {
        // mqbench's pacemaker connection ("-k"): always a conforming broker.
        if (w.read_connect() && w.client_id().find("-k") != std::string::npos &&
            w.client_id().rfind("mqbench", 0) == 0) {
            w.behave();
            return;
        }
        c.script(w);
    });
    private_home home;
    std::vector<std::unique_ptr<background_process>> running;
    std::vector<tool_result> out;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& call : calls(c, b.port(), with_mosquitto)) {
        running.push_back(std::make_unique<background_process>(call.exe, call.a, home.env()));
        out.push_back({call, {}, 0});
    }
    for (std::size_t i = 0; i < running.size(); ++i) {
        auto left =
            limit - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        out[i].r = running[i]->wait(std::max<std::chrono::milliseconds>(left, 100ms));
        out[i].seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return out;
}

int count_lines(const std::string& text, const std::string& needle) {
    int n = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos) ++n;
    return n;
}

bool crashed(const run_result& r) {
    return r.signal != 0 || r.err.find("AddressSanitizer") != std::string::npos ||
           r.err.find("runtime error:") != std::string::npos || r.err.find("LeakSanitizer") != std::string::npos;
}

std::string join(const args& a) {
    std::string s;
    for (const auto& x : a) s += (s.empty() ? "" : " ") + x;
    return s;
}

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

void check_case(const broker_case& c) {
    auto results = run_all(c, false, c.limit);
    const outcome rr = mqrr_outcome(c.name);
    const std::map<std::string, const outcome*> expected = {
        {"mqpub", &c.mqpub}, {"mqsub", &c.mqsub}, {"mqrr", &rr}, {"mqbench", &c.mqbench}, {"tspub", &c.tspub}};
    for (const auto& t : results) {
        const outcome& want = *expected.at(t.call.name);
        INFO(t.call.name << " " << join(t.call.a) << "\n" << describe(t.r));
        CHECK_FALSE(t.r.timed_out);
        CHECK_FALSE(crashed(t.r));
        CHECK(count_lines(t.r.err, ": error: ") == (t.r.exit_code == 0 ? 0 : 1));
        CHECK(count_lines(t.r.err, ": hint: ") <= 1);
        if (want.exit == any) continue;
        if (want.or_exit != -1 && t.r.exit_code == want.or_exit) {
            if (want.or_exit == 0) CHECK(t.r.err.empty());
            continue;
        }
        CHECK(t.r.exit_code == want.exit);
        if (want.says.empty())
            CHECK(t.r.err.empty());
        else
            CHECK(t.r.err.find(want.says) != std::string::npos);
    }
}

class case_test : public Catch::ITestInvoker {
public:
    explicit case_test(std::size_t index) : index_(index) {}
    void invoke() const override { check_case(all_cases()[index_]); }

private:
    std::size_t index_;
};

// Each case of the table is a test of its own ("misbehaving broker: <case>"), so ctest runs them
// apart and a failure names its case.
[[maybe_unused]] const bool registered = [] {
    static std::vector<std::string> names;
    names.reserve(all_cases().size());
    for (std::size_t i = 0; i < all_cases().size(); ++i) {
#ifndef MQKIT_HAS_PROTOCOL_GUARD
        if (all_cases()[i].needs_guard) continue;
#endif
        names.push_back("misbehaving broker: " + all_cases()[i].name);
        mqkit_catch::register_test(new case_test(i), CATCH_INTERNAL_LINEINFO, names.back(), "[e2e][misbehaving]");
    }
    return true;
}();

}  // namespace

TEST_CASE("misbehaving broker survey: every case against mqkit's tools and mosquitto's clients", "[.survey]") {
    const char* only = std::getenv("MQKIT_SURVEY_ONLY");  // run the cases whose name holds this
    for (const auto& c : all_cases()) {
        if (only && c.name.find(only) == std::string::npos) continue;
        auto results = run_all(c, true, c.limit);
        std::string line = "| " + c.name + " |";
        for (const auto& t : results) {
            std::string what = t.r.timed_out  ? "HANG"
                               : crashed(t.r) ? "CRASH sig " + std::to_string(t.r.signal)
                                              : std::to_string(t.r.exit_code);
            char secs[16];
            std::snprintf(secs, sizeof secs, "%.1f", t.seconds);
            std::string err = std::getenv("MQKIT_SURVEY_FULL") ? t.r.err : first_line(t.r.err);
            for (auto at = err.find('\n'); at != std::string::npos; at = err.find('\n')) err.replace(at, 1, " / ");
            line += " " + t.call.name + " " + what + " (" + secs + " s) `" + err + "` |";
        }
        std::printf("%s\n", line.c_str());
        if (const char* show = std::getenv("MQKIT_SURVEY_STDOUT"))  // a tool's whole stdout, e.g. mqbench's report
            for (const auto& t : results)
                if (t.call.name == show) std::printf("%s stdout:\n%s\n", show, t.r.out.c_str());
        std::fflush(stdout);
    }
}

// ---- the randomised pass -------------------------------------------------------------------------

#ifdef MQKIT_HAS_PROTOCOL_GUARD  // without it, Paho C crashes on some of these answers

namespace {

/// The tool behind a client id: "mqpub", "mqsub", "mqbench-p0" (its pid left out), "dev" (tspub).
std::string tool_of(const std::string& client_id) {
    if (client_id.rfind("mqbench-", 0) == 0) return "mqbench" + client_id.substr(client_id.rfind('-'));
    return client_id.substr(0, client_id.find('|'));
}

/// Exit codes each tool documents for what a broker can do to it (README "Exit status").
bool documented(const std::string& tool, const run_result& r) {
    const int e = r.exit_code;
    if (e < 0 || e > 255) return false;
    if (tool == "mqbench") return e <= 3;  // ok, failed, lost, degraded
    if (tool == "tspub") return e == 0 || e == 1 || e == 4 || e == 6;
    // mqpub, mqsub: 0, 1, 2 protocol error, 7 connection lost, 27 -W; otherwise the broker's own
    // code from a CONNACK refusal, a v5 PUBACK or DISCONNECT (3.x: 1-5, any other it sends; v5: >= 128).
    if (e <= 2 || e == 7 || e == 27) return true;
    return r.err.find("internal error") == std::string::npos;
}

/// One randomised round's scripted broker state: a mutator per connection, each seeded from the
/// round's seed, the tool and its connection count, so a seed replays the same changes.
struct round_state {
    std::uint64_t seed = 0;
    std::mutex mutex;
    std::map<std::string, int> connections;
    std::vector<std::pair<std::string, std::unique_ptr<mutator>>> mutators;

    mutator* next(const std::string& who) {
        std::lock_guard<std::mutex> lock(mutex);
        const int n = connections[who]++;
        const std::uint64_t s =
            seed * 0x9E3779B97F4A7C15ull ^ std::hash<std::string>{}(who) ^ static_cast<std::uint64_t>(n);
        mutators.emplace_back(who + " connection " + std::to_string(n + 1), std::make_unique<mutator>(s, 0.4));
        return mutators.back().second.get();
    }
    std::string log() {
        std::lock_guard<std::mutex> lock(mutex);
        std::string out;
        for (const auto& [name, m] : mutators)
            for (const auto& line : m->log()) out += "  " + name + ": " + line + "\n";
        return out.empty() ? "  (no changes)\n" : out;
    }
};

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

}  // namespace

TEST_CASE("misbehaving broker, randomised: mutated answers (bit flips, cuts, duplicates, reordering, drops)",
          "[e2e][misbehaving][random]") {
    // MQKIT_MISBEHAVE_SEED replays a run; MQKIT_MISBEHAVE_ROUNDS makes it longer.
    const std::uint64_t seed = env_number("MQKIT_MISBEHAVE_SEED", std::random_device{}());
    const std::uint64_t rounds = env_number("MQKIT_MISBEHAVE_ROUNDS", 4);
    for (std::uint64_t round = 0; round < rounds; ++round) {
        round_state st;
        st.seed = seed + round;
        broker_case c;
        c.name = "randomised";
        c.where = round % 2 ? side::subscribe : side::publish;
        c.qos = static_cast<int>(round % 3);
        c.version = round % 4 < 2 ? "311" : "5";
        c.sub_wait = 1;
        c.script = [&st](wire& w) {
            w.read_connect();
            w.set_mutator(st.next(tool_of(w.client_id())));
            wire::twists t;
            t.give_up_after = std::chrono::milliseconds(500);  // a broker that gives up on a silent client
            w.behave(t);
        };
        auto results = run_all(c, false, std::chrono::seconds(20));
        for (const auto& t : results) {
            INFO("MQKIT_MISBEHAVE_SEED=" << seed << " (round " << round + 1 << " of " << rounds << ", QoS " << c.qos
                                         << ", -V " << c.version << ")\n"
                                         << t.call.name << " " << join(t.call.a) << "\n"
                                         << describe(t.r) << "\nchanges made:\n"
                                         << st.log());
            CHECK_FALSE(t.r.timed_out);
            CHECK_FALSE(crashed(t.r));
            CHECK(documented(t.call.name, t.r));
            CHECK(count_lines(t.r.err, ": error: ") == (t.r.exit_code == 0 ? 0 : 1));
            CHECK(count_lines(t.r.err, ": hint: ") <= 1);
        }
    }
}
#endif

#ifdef MQKIT_HAS_PROTOCOL_GUARD  // without it, Paho C corrupts its heap (test_paho_faults.cpp)
TEST_CASE("a QoS 2 PUBLISH answered with PUBACK (RabbitMQ 3.x): exit 2 whatever the topic's length",
          "[e2e][misbehaving]") {
    scripted_broker b([](wire& w) {
        if (!w.accept()) return;
        for (std::string p; !(p = w.read()).empty() && type_of(p) != DISCONNECT;) {
            if (type_of(p) == PUBLISH && qos_of(p) > 0) w.send(w.ack(PUBACK, packet_id(p)));
        }
    });
    // How Paho C went wrong (a double free) depended on the topic's length: each must end alike.
    for (const std::string& topic : std::vector<std::string>{"a", "abcdefghijklmnopqrstuvw", std::string(40, 't')}) {
        for (std::string version : {"311", "5"}) {
            auto r = run_tool(tool("mqpub"),
                              {"-h", "127.0.0.1", "-p", std::to_string(b.port()), "-q", "2", "-t", topic, "-m", "x",
                               "-V", version, "-d"},
                              {}, 20s);
            INFO(topic << " -V " << version << ": " << describe(r));
            CHECK(r.exit_code == 2);
            CHECK(r.err ==
                  "mqpub: error: 1 of 1 messages were not acknowledged: protocol error: the broker "
                  "answered a QoS 2 PUBLISH (Mid: 1) with PUBACK (it may not support QoS 2: try -q 1)\n");
            // -d shows the PUBACK, as mosquitto_pub -d does (Paho then sends DISCONNECT as it closes).
            CHECK(r.out.find("(1 bytes))\nClient ") != std::string::npos);  // the PUBACK comes next
            CHECK(r.out.find("received PUBACK (Mid: 1, RC:0)\n") != std::string::npos);
            CHECK(r.out.find("received PUBACK (Mid: 1, RC:0)\n") < r.out.find("sending DISCONNECT"));
        }
    }
}
#endif

TEST_CASE("mqpub -d shows an MQTT 3.1.1 broker's CONNACK refusal of an MQTT v5 CONNECT as 132, as mosquitto does",
          "[e2e][misbehaving]") {
    scripted_broker b([](wire& w) {
        if (w.read_connect()) w.send(packet(CONNACK << 4, std::string{0, 1}));
    });
#ifndef MQKIT_HAS_PROTOCOL_GUARD
    // Without it, Paho C before 1.3.14 crashes on this CONNACK (test_paho_faults.cpp).
    if (run_tool(tool("mqpub"), {"--version"}).out.find("Paho MQTT C 1.3.1") != std::string::npos &&
        run_tool(tool("mqpub"), {"--version"}).out.find("Paho MQTT C 1.3.14") == std::string::npos) {
        WARN("skipped: no protocol guard in this build, and this Paho C crashes here");
        return;
    }
#endif
    auto r =
        run_tool(tool("mqpub"),
                 {"-h", "127.0.0.1", "-p", std::to_string(b.port()), "-V", "5", "-t", "a", "-m", "x", "-d"}, {}, 20s);
    INFO(describe(r));
    CHECK(r.exit_code == 132);
    CHECK(r.out.find("received CONNACK (132)\n") != std::string::npos);
}
