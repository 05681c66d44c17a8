// The protocol guard: a guard in front of Paho C's packet reader, for broker answers that Paho C 1.3
// (1.3.11 to 1.3.15, and its master as of 2026) crashes on, or takes without a word although MQTT
// calls them a protocol error. Linked with -Wl,--wrap (CMakeLists.txt) into the copy of Paho C that
// mqkit's programs carry; it needs that copy, since the shared Paho C does not export the functions
// it stands in front of. Off (the wrappers pass everything through) until workarounds.cpp turns it
// on. A fault closes the connection (Paho sees a socket error) and protocol_fault() says what it
// was; libmqkit reports it as a protocol error (exit 2, as mosquitto's clients).
//
// 1. An acknowledgement of the wrong kind. Paho's receive thread looks a PUBACK or PUBCOMP up by its
//    packet id among the commands awaiting an answer, reports the publish complete and frees it,
//    topic and payload included, without checking that the message was of that QoS; the session
//    keeps its own record of the message, which points at the same topic and payload. RabbitMQ 3.10
//    answers a QoS 2 PUBLISH with PUBACK: mqpub -q 2 then aborted ("free(): double free"),
//    segfaulted or exited 0 with nothing said, depending on the topic's length. A PUBCOMP before
//    PUBREC does the same; a PUBREC for a QoS 1 message leaves it waiting forever. An
//    acknowledgement for a packet id with no PUBLISH in flight can match a pending SUBSCRIBE's id
//    and is reported as that publish's success. mosquitto's clients call the first three a protocol
//    error and ignore the last; so does this guard: it follows every QoS 1/2 PUBLISH and PUBREL Paho
//    writes (per socket, by packet id), closes the connection on an acknowledgement of the wrong kind
//    and drops one for an id with nothing in flight.
// 2. An MQTT 3.1.1 CONNACK (remaining length 2) in answer to an MQTT v5 CONNECT, as aedes 1.2 and
//    other 3.1.1-only brokers send: before 1.3.14, MQTTPacket_connack leaves the properties of the
//    packet it builds uninitialised and Paho frees and copies them: a segfault on every mqpub/mqsub
//    -V 5. mosquitto's clients take such a CONNACK with code 1 as "unsupported protocol version"
//    (132). The guard gives Paho an empty property list for it, so the refusal reaches mqkit
//    (session.cpp maps it to 132); any other 2-byte CONNACK to a v5 CONNECT is a malformed packet
//    and closes the connection. (Paho C 1.3.14 initialises the properties itself, #1543.)
// 3. A SUBACK with fewer reason codes than the SUBSCRIBE had topic filters. Paho C hands a single
//    code over in place of the list (MQTTAsync_successData's alt.qos shares its storage with
//    alt.qosList), and Paho MQTT C++ 1.2 reads as many codes as it asked for
//    (subscribe_response(n, rsp)): `mqsub -t a -t b` segfaulted on a one-code SUBACK, and read past
//    the list on a shorter one. The guard counts the filters of every SUBSCRIBE (and MQTT v5
//    UNSUBSCRIBE) Paho writes and takes a SUBACK (UNSUBACK) only with as many codes.
// 4. What Paho C takes without a word: a packet before CONNACK, a second CONNACK, a PUBLISH whose
//    topic is not UTF-8 MQTT allows (or holds a wildcard), QoS 3, packet id 0, (MQTT v5) topic alias
//    0 or one above the Topic Alias Maximum the client sent (Paho C resolves no alias: the message
//    arrived with an empty topic), a packet larger than the Maximum Packet Size the client sent
//    (Paho allocated whatever the broker announced), PINGREQ, and in MQTT 3.1.1 a DISCONNECT or
//    AUTH (Paho skipped them). mosquitto's clients end with a protocol error on these; so does the
//    guard. And a packet Paho C itself cannot parse (a malformed one, or a remaining length of 5
//    bytes), which Paho reports only as a lost connection, is named as such.
//
// The layouts below are the leading members of Paho C's internal structures (src/MQTTPacket.h and
// src/Clients.h), unchanged from 1.3.0 to 1.3.14; the rest is read from the packets' own bytes.
#include "mqtt/paho_workarounds.hpp"
#include "mqtt/workarounds/packet_check.hpp"
#include "mqtt/workarounds/workarounds.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

extern "C" {  // MQTTProperties.h declares C functions without saying so
#include <MQTTProperties.h>
}

namespace mqkit::workarounds {

std::atomic<bool> protocol_guard_on{false};

namespace {

std::mutex fault_mutex;
std::string first_fault;        // guarded by fault_mutex
std::string first_fault_trace;  // its packet as mosquitto's -d shows it received; guarded by fault_mutex

// Paho C's packet types and return codes (MQTTPacket.h, Socket.h).
constexpr int connect = 1, connack = 2, publish = 3, puback = 4, pubrec = 5, pubrel = 6, pubcomp = 7, subscribe = 8,
              suback = 9, unsubscribe = 10, unsuback = 11, pingreq = 12, pingresp = 13, disconnect = 14, auth = 15;
constexpr int socket_error = -1, tcpsocket_complete = 0;
constexpr int mqtt_v5 = 5;

struct paho_ack {  // Ack: PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT, AUTH
    unsigned char header;
    int msg_id;
    unsigned char rc;
    int mqtt_version;
    MQTTProperties properties;
};
struct paho_publish_head {  // the first members of Publish
    unsigned char header;
    char* topic;
    int topiclen;
    int msg_id;
};
struct paho_net_head {  // the first member of networkHandles
    int socket;
};

int socket_of(void* net) {
    return static_cast<paho_net_head*>(net)->socket;
}

void note_fault(std::string what, std::string trace = {}) {
    std::lock_guard<std::mutex> lock(fault_mutex);
    if (!first_fault.empty()) return;
    first_fault = std::move(what);
    first_fault_trace = std::move(trace);
}

// ---- what each connection asked for and awaits, per socket ---------------------------------------

enum class awaiting { ack, rec, comp };

struct connection {
    int version = 0;            // the CONNECT's protocol level (0: its CONNECT was not seen)
    bool connack_due = false;   // CONNECT written, no CONNACK read yet
    bool connack_seen = false;  // a CONNACK came on this connection
    std::uint32_t max_packet = 0;
    std::uint16_t topic_alias_max = 0;
    std::map<int, awaiting> in_flight;            // packet id -> the answer a PUBLISH/PUBREL waits for
    std::map<int, int> subscribes, unsubscribes;  // packet id -> topic filters
};

std::mutex state_mutex;
std::map<int, connection> connections;  // guarded by state_mutex
std::atomic<bool> size_limits{false};   // some connection sent a Maximum Packet Size

const char* name(awaiting a) {
    return a == awaiting::ack ? "PUBACK" : a == awaiting::rec ? "PUBREC" : "PUBCOMP";
}

/// What the client writes: a CONNECT starts a connection afresh; SUBSCRIBE and UNSUBSCRIBE are
/// counted. Called before the packet is written (the answer may be read before the write returns).
void note_sent(int socket, int type, std::string_view body, int version) {
    std::lock_guard<std::mutex> lock(state_mutex);
    if (type == connect) {
        auto req = read_connect(body);
        connection& c = connections[socket] = connection{};
        c.version = req ? req->version : version;
        c.connack_due = true;
        if (req) {
            c.max_packet = req->max_packet;
            c.topic_alias_max = req->topic_alias_max;
            if (c.max_packet) size_limits = true;
        }
    } else if (type == subscribe || (type == unsubscribe && version >= mqtt_v5)) {
        if (auto f = read_subscribe(body, version, type == unsubscribe))
            (type == subscribe ? connections[socket].subscribes : connections[socket].unsubscribes)[f->packet_id] =
                f->filters;
    }
}

/// A packet of `remaining` bytes is larger than the connection's Maximum Packet Size.
bool too_large(int socket, std::size_t remaining) {
    std::lock_guard<std::mutex> lock(state_mutex);
    auto it = connections.find(socket);
    if (it == connections.end() || it->second.max_packet == 0 || packet_size(remaining) <= it->second.max_packet)
        return false;
    note_fault("the broker sent a packet of " + std::to_string(packet_size(remaining)) +
               " bytes, more than the Maximum Packet Size of " + std::to_string(it->second.max_packet) +
               " this client asked for");
    return true;
}

// ---- the packet being read, on the thread reading it ------------------------------------------

struct packet_read {
    bool active = false;  // inside MQTTPacket_Factory
    int bytes = 0;        // bytes of the fixed header read: the type byte, the remaining length
    unsigned char header = 0;
    unsigned char second = 0;  // the first byte of the remaining length
    bool failed = false;       // the socket failed or ended under the reader
    bool too_large = false;    // refused for its size (the fault is noted)
    std::string_view body;     // the whole body, once read
};
thread_local packet_read reading;

enum class verdict { pass, drop, fault };

/// Checks an incoming acknowledgement against what was sent, and moves its message on.
verdict check_ack(connection& c, int type, const paho_ack& ack) {
    auto it = c.in_flight.find(ack.msg_id);
    if (it == c.in_flight.end()) return verdict::drop;
    const awaiting state = it->second;
    const bool refused = ack.mqtt_version >= mqtt_v5 && ack.rc >= 0x80;
    if (type == puback && state == awaiting::ack) {
        c.in_flight.erase(it);
        return verdict::pass;
    }
    if (type == pubrec && (state == awaiting::rec || state == awaiting::comp)) {
        if (refused)
            c.in_flight.erase(it);
        else
            it->second = awaiting::comp;  // a repeated PUBREC is answered with PUBREL again
        return verdict::pass;
    }
    if (type == pubcomp && state == awaiting::comp) {
        c.in_flight.erase(it);
        return verdict::pass;
    }
    const bool qos2 = state != awaiting::ack;
    std::string what = std::string("the broker answered a QoS ") + (qos2 ? "2" : "1") +
                       " PUBLISH (Mid: " + std::to_string(ack.msg_id) + ") with " + packet_name(type);
    if (type == puback && qos2)
        what += " (it may not support QoS 2: try -q 1)";
    else if (state == awaiting::rec)
        what += std::string(" where ") + name(state) + " was due";
    // mosquitto's -d line for it (MQTT 3.1.1 acknowledgements carry no reason code: RC:0).
    std::string trace = type == pubrec ? "received PUBREC (Mid: " + std::to_string(ack.msg_id) + ")"
                                       : "received " + packet_name(type) + " (Mid: " + std::to_string(ack.msg_id) +
                                             ", RC:" + std::to_string(ack.mqtt_version >= mqtt_v5 ? ack.rc : 0) + ")";
    note_fault(std::move(what), std::move(trace));
    c.in_flight.erase(it);
    return verdict::fault;
}

/// A SUBACK (UNSUBACK) must hold one reason code per topic filter of its SUBSCRIBE (UNSUBSCRIBE).
verdict check_suback(connection& c, int type, std::string_view body, int version) {
    if (std::string why = suback_problem(body, version, type == unsuback); !why.empty()) {
        note_fault(std::move(why));
        return verdict::fault;
    }
    auto& asked = type == suback ? c.subscribes : c.unsubscribes;
    auto got = read_suback(body, version);
    if (!got) return verdict::pass;  // Paho C parsed it; nothing to compare
    auto it = asked.find(got->packet_id);
    if (it == asked.end()) return verdict::pass;  // Paho ignores an answer to nothing
    const int filters = it->second;
    asked.erase(it);
    if (got->filters == filters) return verdict::pass;
    note_fault("the broker's " + packet_name(type) + " (Mid: " + std::to_string(got->packet_id) + ") holds " +
               std::to_string(got->filters) + " reason code" + (got->filters == 1 ? "" : "s") + " for " +
               std::to_string(filters) + " topic filter" + (filters == 1 ? "" : "s"));
    return verdict::fault;
}

/// Where a packet may come in the conversation: CONNACK first and once.
verdict check_order(connection& c, int type, int version) {
    if (c.connack_due) {
        if (type == connack) {
            c.connack_due = false;
            c.connack_seen = true;
            return verdict::pass;
        }
        if (type == auth && version >= mqtt_v5) return verdict::pass;
        note_fault("the broker sent " + packet_name(type) + " before CONNACK");
        return verdict::fault;
    }
    if (type == connack && c.connack_seen) {
        note_fault("the broker sent a second CONNACK");
        return verdict::fault;
    }
    if (type == connack) c.connack_seen = true;
    if (type == pingreq) {
        note_fault("the broker sent PINGREQ, which only a client may send");
        return verdict::fault;
    }
    return verdict::pass;
}

/// Judges a packet Paho C parsed (`pack`).
verdict judge(int socket, int version, const packet_read& seen, void* pack) {
    const int type = *static_cast<unsigned char*>(pack) >> 4;
    std::lock_guard<std::mutex> lock(state_mutex);
    connection& c = connections[socket];
    if (c.version == 0) c.version = version;
    if (verdict v = check_order(c, type, version); v != verdict::pass) return v;
    if (type == connack) {
        c.in_flight.clear();  // a new connection: Paho resends what is still in flight after this
        return verdict::pass;
    }
    if (type == suback || (type == unsuback && version >= mqtt_v5)) return check_suback(c, type, seen.body, version);
    if (type == publish) {
        std::string why = publish_problem(seen.header, seen.body, version, c.topic_alias_max);
        if (why.empty()) return verdict::pass;
        note_fault(std::move(why));
        return verdict::fault;
    }
    if (type == puback || type == pubrec || type == pubcomp) return check_ack(c, type, *static_cast<paho_ack*>(pack));
    return verdict::pass;
}

/// "HT" where a CONNACK is due: an HTTP server's answer ("HTTP/1.1 400 Bad Request"), as a
/// WebSocket listener gives plain MQTT. Said as soon as the two bytes are in.
bool http_answer(int socket, const packet_read& seen) {
    if (seen.bytes < 2 || seen.header != 'H' || seen.second != 'T') return false;
    std::lock_guard<std::mutex> lock(state_mutex);
    auto it = connections.find(socket);
    if (it == connections.end() || !it->second.connack_due) return false;
    note_fault(std::string(detail::http_answer_fault));
    return true;
}

/// Paho C read a whole packet and made nothing of it: it could not parse it, or skipped its type.
/// Says what it was (true), or false when the socket itself failed or nothing was read yet.
bool judge_unparsed(int version, const packet_read& seen, int error) {
    if (seen.too_large) return true;  // noted by too_large()
    if (seen.failed || seen.bytes == 0) return false;
    const int type = seen.header >> 4;
    if (error == socket_error) {
        if (seen.body.data() == nullptr && seen.bytes >= 5)
            note_fault("the broker sent a remaining length longer than MQTT's 4 bytes");
        else
            note_fault("the broker sent a malformed " + packet_name(type));
        return true;
    }
    if (error != tcpsocket_complete) return false;  // not read whole yet
    if (version < mqtt_v5 && (type == disconnect || type == auth))
        note_fault("the broker sent " + packet_name(type) + ", which MQTT 3.1.1 does not let a broker send");
    else
        note_fault("the broker sent " + packet_name(type) + ", which only a client may send");
    return true;
}

}  // namespace

std::string protocol_fault() {
    std::lock_guard<std::mutex> lock(fault_mutex);
    return first_fault;
}

std::string protocol_fault_trace() {
    std::lock_guard<std::mutex> lock(fault_mutex);
    return first_fault_trace;
}

}  // namespace mqkit::workarounds

// ---- the wrappers (-Wl,--wrap) ---------------------------------------------------------------------

using mqkit::workarounds::paho_ack;
using mqkit::workarounds::paho_publish_head;

#define MQKIT_PAHO_WRAP extern "C" __attribute__((visibility("hidden")))

union paho_header {  // Paho C's Header: one byte
    unsigned char byte;
};

extern "C" {
void MQTTPacket_freePublish(void* pack);
void MQTTPacket_freeSuback(void* pack);
void MQTTPacket_freeUnsuback(void* pack);
void MQTTPacket_freeConnack(void* pack);
}

MQKIT_PAHO_WRAP void* __real_MQTTPacket_Factory(int version, void* net, int* error);
MQKIT_PAHO_WRAP void* __real_MQTTPacket_connack(int version, unsigned char header, char* data, std::size_t len);
MQKIT_PAHO_WRAP void* __real_MQTTPacket_suback(int version, unsigned char header, char* data, std::size_t len);
MQKIT_PAHO_WRAP int __real_MQTTPacket_send_publish(void* pack, int dup, int qos, int retained, void* net,
                                                   const char* client_id);
MQKIT_PAHO_WRAP int __real_MQTTPacket_send_pubrel(int version, int msg_id, int dup, void* net, const char* client_id);
MQKIT_PAHO_WRAP int __real_MQTTPacket_send(void* net, paho_header header, char* buffer, std::size_t buflen,
                                           int free_data, int version);
MQKIT_PAHO_WRAP int __real_WebSocket_getch(void* net, char* c);
MQKIT_PAHO_WRAP char* __real_WebSocket_getdata(void* net, std::size_t bytes, std::size_t* actual_len);

namespace {

/// Frees a packet Paho C's reader made, as Paho would.
void free_packet(void* pack) {
    namespace d = mqkit::workarounds;
    switch (*static_cast<unsigned char*>(pack) >> 4) {
        case d::publish:
            MQTTPacket_freePublish(pack);
            return;
        case d::suback:
            MQTTPacket_freeSuback(pack);
            return;
        case d::unsuback:
            MQTTPacket_freeUnsuback(pack);
            return;
        case d::connack:
            MQTTPacket_freeConnack(pack);
            return;
        case d::puback:
        case d::pubrec:
        case d::pubrel:
        case d::pubcomp:
        case d::disconnect:
        case d::auth: {
            auto* ack = static_cast<paho_ack*>(pack);
            if (ack->mqtt_version >= d::mqtt_v5) MQTTProperties_free(&ack->properties);
            std::free(ack);  // Paho's free is plain free here (trackers.cpp)
            return;
        }
        default:
            std::free(pack);  // header only: PINGREQ, PINGRESP
    }
}

}  // namespace

MQKIT_PAHO_WRAP void* __wrap_MQTTPacket_Factory(int version, void* net, int* error) {
    namespace d = mqkit::workarounds;
    const bool on = d::protocol_guard_on.load(std::memory_order_relaxed);
    if (on) d::reading = d::packet_read{true};
    void* pack = __real_MQTTPacket_Factory(version, net, error);
    if (!on) return pack;
    const d::packet_read seen = d::reading;
    d::reading.active = false;
    if (d::http_answer(d::socket_of(net), seen)) {
        if (pack) free_packet(pack);
        *error = d::socket_error;  // Paho closes the connection
        return nullptr;
    }
    if (!pack) {
        if (d::judge_unparsed(version, seen, *error)) *error = d::socket_error;  // Paho closes the connection
        return nullptr;
    }
    switch (d::judge(d::socket_of(net), version, seen, pack)) {
        case d::verdict::pass:
            return pack;
        case d::verdict::drop:
            free_packet(pack);
            *error = d::tcpsocket_complete;
            return nullptr;
        case d::verdict::fault:
            break;
    }
    free_packet(pack);
    *error = d::socket_error;  // Paho closes the connection
    return nullptr;
}

MQKIT_PAHO_WRAP int __wrap_WebSocket_getch(void* net, char* c) {
    namespace d = mqkit::workarounds;
    const int rc = __real_WebSocket_getch(net, c);
    d::packet_read& r = d::reading;
    if (r.active) {
        if (rc == d::tcpsocket_complete) {
            if (r.bytes == 0) r.header = static_cast<unsigned char>(*c);
            if (r.bytes == 1) r.second = static_cast<unsigned char>(*c);
            ++r.bytes;
        } else if (rc == d::socket_error) {
            r.failed = true;
        }
    }
    return rc;
}

MQKIT_PAHO_WRAP char* __wrap_WebSocket_getdata(void* net, std::size_t bytes, std::size_t* actual_len) {
    namespace d = mqkit::workarounds;
    d::packet_read& r = d::reading;
    if (r.active && bytes > 0 && d::size_limits.load(std::memory_order_relaxed) &&
        d::too_large(d::socket_of(net), bytes)) {
        r.too_large = true;
        *actual_len = 0;
        return nullptr;  // Paho: a socket error, the connection is closed
    }
    char* data = __real_WebSocket_getdata(net, bytes, actual_len);
    if (r.active) {
        if (!data && bytes > 0)
            r.failed = true;
        else if (data && *actual_len >= bytes)
            r.body = std::string_view(data, bytes);
    }
    return data;
}

MQKIT_PAHO_WRAP int __wrap_MQTTPacket_send(void* net, paho_header header, char* buffer, std::size_t buflen,
                                           int free_data, int version) {
    namespace d = mqkit::workarounds;
    if (d::protocol_guard_on.load(std::memory_order_relaxed))
        d::note_sent(d::socket_of(net), header.byte >> 4, std::string_view(buffer ? buffer : "", buffer ? buflen : 0),
                     version);
    return __real_MQTTPacket_send(net, header, buffer, buflen, free_data, version);
}

MQKIT_PAHO_WRAP void* __wrap_MQTTPacket_connack(int version, unsigned char header, char* data, std::size_t len) {
    namespace d = mqkit::workarounds;
    if (version >= d::mqtt_v5 && len == 2 && d::protocol_guard_on.load(std::memory_order_relaxed)) {
        if (static_cast<unsigned char>(data[1]) != 1) {
            d::note_fault("the broker answered an MQTT v5 CONNECT with an MQTT 3.1.1 CONNACK (code " +
                          std::to_string(static_cast<unsigned char>(data[1])) + ")");
            return nullptr;  // Paho: "Bad MQTT packet", the connection is closed
        }
        char padded[3] = {data[0], data[1], 0};  // an empty property list
        return __real_MQTTPacket_connack(version, header, padded, sizeof padded);
    }
    return __real_MQTTPacket_connack(version, header, data, len);
}

MQKIT_PAHO_WRAP void* __wrap_MQTTPacket_suback(int version, unsigned char header, char* data, std::size_t len) {
    namespace d = mqkit::workarounds;
    // An MQTT 3.x SUBACK without a reason code: Paho C 1.3 frees its never-set property list
    // (a pointer malloc left as it found it) as it rejects the packet. Rejected here instead, so
    // Paho reports a bad packet (the guard names it) and closes the connection.
    if (version < d::mqtt_v5 && len <= 2 && d::protocol_guard_on.load(std::memory_order_relaxed)) return nullptr;
    return __real_MQTTPacket_suback(version, header, data, len);
}

MQKIT_PAHO_WRAP int __wrap_MQTTPacket_send_publish(void* pack, int dup, int qos, int retained, void* net,
                                                   const char* client_id) {
    namespace d = mqkit::workarounds;
    if (qos > 0 && d::protocol_guard_on.load(std::memory_order_relaxed)) {
        // Before the write: the answer can be read on the receive thread before this returns.
        const int id = static_cast<paho_publish_head*>(pack)->msg_id;
        std::lock_guard<std::mutex> lock(d::state_mutex);
        d::connections[d::socket_of(net)].in_flight[id] = qos == 1 ? d::awaiting::ack : d::awaiting::rec;
    }
    return __real_MQTTPacket_send_publish(pack, dup, qos, retained, net, client_id);
}

MQKIT_PAHO_WRAP int __wrap_MQTTPacket_send_pubrel(int version, int msg_id, int dup, void* net, const char* client_id) {
    namespace d = mqkit::workarounds;
    if (d::protocol_guard_on.load(std::memory_order_relaxed)) {
        std::lock_guard<std::mutex> lock(d::state_mutex);
        d::connections[d::socket_of(net)].in_flight[msg_id] = d::awaiting::comp;
    }
    return __real_MQTTPacket_send_pubrel(version, msg_id, dup, net, client_id);
}
