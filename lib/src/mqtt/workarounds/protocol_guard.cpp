// The protocol guard: a guard in front of Paho C's packet reader, for broker answers that Paho C 1.3
// (1.3.11 to 1.3.15, and its master as of 2026) crashes on. Linked with -Wl,--wrap (CMakeLists.txt)
// into the copy of Paho C that mqkit's programs carry; it needs that copy, since the shared Paho C
// does not export the functions it stands in front of. Off (the wrappers pass everything through)
// until workarounds.cpp turns it on.
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
//    (paho_protocol_fault() says which) and drops one for an id with nothing in flight.
// 2. An MQTT 3.1.1 CONNACK (remaining length 2) in answer to an MQTT v5 CONNECT, as aedes 1.2 and
//    other 3.1.1-only brokers send: before 1.3.14, MQTTPacket_connack leaves the properties of the
//    packet it builds uninitialised and Paho frees and copies them: a segfault on every mqpub/mqsub
//    -V 5. mosquitto's clients take such a CONNACK with code 1 as "unsupported protocol version"
//    (132). The guard gives Paho an empty property list for it, so the refusal reaches mqkit
//    (session.cpp maps it to 132); any other 2-byte CONNACK to a v5 CONNECT is a malformed packet
//    and closes the connection. (Paho C 1.3.14 initialises the properties itself, #1543.)
//
// The layouts below are the leading members of Paho C's internal structures (src/MQTTPacket.h and
// src/Clients.h), unchanged from 1.3.0 to 1.3.14.
#include "mqtt/workarounds/workarounds.hpp"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <utility>

extern "C" {  // MQTTProperties.h declares C functions without saying so
#include <MQTTProperties.h>
}

namespace mqkit::workarounds {

std::atomic<bool> protocol_guard_on{false};

namespace {

std::mutex fault_mutex;
std::string first_fault;  // guarded by fault_mutex

// Paho C's packet types and return codes (MQTTPacket.h, Socket.h).
constexpr int connack = 2, puback = 4, pubrec = 5, pubcomp = 7;
constexpr int socket_error = -1, tcpsocket_complete = 0;
constexpr int mqtt_v5 = 5;

struct paho_ack {  // Ack: PUBACK, PUBREC, PUBREL, PUBCOMP
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

enum class awaiting { ack, rec, comp };

const char* name(awaiting a) {
    switch (a) {
        case awaiting::ack:
            return "PUBACK";
        case awaiting::rec:
            return "PUBREC";
        case awaiting::comp:
            return "PUBCOMP";
    }
    return "?";
}

const char* name_of_packet(int type) {
    return type == puback ? "PUBACK" : type == pubrec ? "PUBREC" : "PUBCOMP";
}

std::mutex flight_mutex;
std::map<std::pair<int, int>, awaiting> in_flight;  // (socket, packet id) -> the answer it waits for

void note_fault(std::string what) {
    std::lock_guard<std::mutex> lock(fault_mutex);
    if (first_fault.empty()) first_fault = std::move(what);
}

void forget_socket(int socket) {
    std::lock_guard<std::mutex> lock(flight_mutex);
    auto it = in_flight.lower_bound({socket, -1});
    while (it != in_flight.end() && it->first.first == socket) it = in_flight.erase(it);
}

void free_ack(paho_ack* ack) {
    if (ack->mqtt_version >= mqtt_v5) MQTTProperties_free(&ack->properties);
    std::free(ack);  // Paho's free is plain free here (paho_c_trackers.cpp)
}

enum class verdict { pass, drop, fault };

// Checks an incoming acknowledgement against what was sent, and moves its message on.
verdict check_ack(int socket, int type, const paho_ack& ack) {
    std::lock_guard<std::mutex> lock(flight_mutex);
    auto it = in_flight.find({socket, ack.msg_id});
    if (it == in_flight.end()) return verdict::drop;
    const awaiting state = it->second;
    const bool refused = ack.mqtt_version >= mqtt_v5 && ack.rc >= 0x80;
    if (type == puback && state == awaiting::ack) {
        in_flight.erase(it);
        return verdict::pass;
    }
    if (type == pubrec && (state == awaiting::rec || state == awaiting::comp)) {
        if (refused)
            in_flight.erase(it);
        else
            it->second = awaiting::comp;  // a repeated PUBREC is answered with PUBREL again
        return verdict::pass;
    }
    if (type == pubcomp && state == awaiting::comp) {
        in_flight.erase(it);
        return verdict::pass;
    }
    const bool qos2 = state != awaiting::ack;
    std::string what = std::string("the broker answered a QoS ") + (qos2 ? "2" : "1") +
                       " PUBLISH (Mid: " + std::to_string(ack.msg_id) + ") with " + name_of_packet(type);
    if (type == puback && qos2)
        what += " (it may not support QoS 2: try -q 1)";
    else if (state == awaiting::rec)
        what += std::string(" where ") + name(state) + " was due";
    note_fault(std::move(what));
    in_flight.erase(it);
    return verdict::fault;
}

}  // namespace

std::string protocol_fault() {
    std::lock_guard<std::mutex> lock(fault_mutex);
    return first_fault;
}

}  // namespace mqkit::workarounds

using mqkit::workarounds::paho_ack;
using mqkit::workarounds::paho_net_head;
using mqkit::workarounds::paho_publish_head;

#define MQKIT_PAHO_WRAP extern "C" __attribute__((visibility("hidden")))

MQKIT_PAHO_WRAP void* __real_MQTTPacket_Factory(int version, void* net, int* error);
MQKIT_PAHO_WRAP void* __real_MQTTPacket_connack(int version, unsigned char header, char* data, std::size_t len);
MQKIT_PAHO_WRAP int __real_MQTTPacket_send_publish(void* pack, int dup, int qos, int retained, void* net,
                                                   const char* client_id);
MQKIT_PAHO_WRAP int __real_MQTTPacket_send_pubrel(int version, int msg_id, int dup, void* net, const char* client_id);

MQKIT_PAHO_WRAP void* __wrap_MQTTPacket_Factory(int version, void* net, int* error) {
    namespace d = mqkit::workarounds;
    void* pack = __real_MQTTPacket_Factory(version, net, error);
    if (!pack || !d::protocol_guard_on.load(std::memory_order_relaxed)) return pack;
    const int socket = static_cast<paho_net_head*>(net)->socket;
    const int type = *static_cast<unsigned char*>(pack) >> 4;
    if (type == d::connack) {
        d::forget_socket(socket);  // a new connection: Paho resends what is still in flight after this
    } else if (type == d::puback || type == d::pubrec || type == d::pubcomp) {
        auto* ack = static_cast<paho_ack*>(pack);
        switch (d::check_ack(socket, type, *ack)) {
            case d::verdict::pass:
                break;
            case d::verdict::drop:
                d::free_ack(ack);
                *error = d::tcpsocket_complete;
                return nullptr;
            case d::verdict::fault:
                d::free_ack(ack);
                d::forget_socket(socket);
                *error = d::socket_error;  // Paho closes the connection
                return nullptr;
        }
    }
    return pack;
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

MQKIT_PAHO_WRAP int __wrap_MQTTPacket_send_publish(void* pack, int dup, int qos, int retained, void* net,
                                                   const char* client_id) {
    namespace d = mqkit::workarounds;
    if (qos > 0 && d::protocol_guard_on.load(std::memory_order_relaxed)) {
        // Before the write: the answer can be read on the receive thread before this returns.
        const int socket = static_cast<paho_net_head*>(net)->socket;
        const int id = static_cast<paho_publish_head*>(pack)->msg_id;
        std::lock_guard<std::mutex> lock(d::flight_mutex);
        d::in_flight[{socket, id}] = qos == 1 ? d::awaiting::ack : d::awaiting::rec;
    }
    return __real_MQTTPacket_send_publish(pack, dup, qos, retained, net, client_id);
}

MQKIT_PAHO_WRAP int __wrap_MQTTPacket_send_pubrel(int version, int msg_id, int dup, void* net, const char* client_id) {
    namespace d = mqkit::workarounds;
    if (d::protocol_guard_on.load(std::memory_order_relaxed)) {
        const int socket = static_cast<paho_net_head*>(net)->socket;
        std::lock_guard<std::mutex> lock(d::flight_mutex);
        d::in_flight[{socket, msg_id}] = d::awaiting::comp;
    }
    return __real_MQTTPacket_send_pubrel(version, msg_id, dup, net, client_id);
}
