// The QoS 2 receive index: a guard against Paho C's quadratic handling of incoming QoS 2 messages
// (README "Known Paho behaviour"), linked with -Wl,--wrap (CMakeLists.txt) into the copy of Paho C
// that mqkit's programs carry, on and off with the protocol guard.
//
// Paho C keeps every incoming QoS 2 message from its PUBLISH to its PUBREL in a linked list (the
// client's inboundMsgs), and MQTTProtocol_handlePublishes looks each new PUBLISH's packet id up in
// that whole list, to replace a message the broker sends again: a full walk of the list for every
// new message (1.3.11 to 1.3.15 and master as of 2026). The list is as long as the number of
// messages the broker has sent ahead of its PUBRELs, which MQTT 3.1.1 does not bound: mosquitto
// 2.0.11 counts a QoS 2 message against its in-flight quota only until PUBREC, so once a subscriber
// falls behind (a moment of CPU contention is enough) tens of thousands of messages are in flight,
// each new PUBLISH costs a walk of all of them (~2-3 ms at 25,000), and the PUBRELs that would
// shorten the list wait in the socket behind the PUBLISHes: `mqsub -q 2` went from ~20,000 msg/s to
// a few hundred and never caught up (the e2e benchmark's 50,000 lines: -W ended it, exit 27).
//
// The guard follows the packet ids that can be in each client's list: it adds the id of every QoS 2
// PUBLISH Paho handles and removes it once Paho has handled its PUBREL (which takes the message out
// of the list). This is a superset of the list (Paho empties the list on a clean session without
// saying so, and mqkit creates its clients without persistence, the only other way into the list),
// so a PUBLISH whose id is not in it cannot be in the list, and Paho's lookup is answered "not there"
// at once. A lookup for any other id, list or purpose goes to Paho as before.
#include "mqtt/workarounds/workarounds.hpp"

#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace {

struct paho_publish_head {  // the first members of Publish (src/MQTTPacket.h)
    unsigned char header;   // type << 4 | dup << 3 | qos << 1 | retain
    char* topic;
    int topiclen;
    int msg_id;
};
struct paho_ack_head {  // the first members of Ack (PUBREL)
    unsigned char header;
    int msg_id;
};

/// The lookup of the packet being handled on this thread (Paho's receive thread).
struct lookup {
    bool armed = false;    // the next inbound lookup of `id` is the one to answer or follow
    bool publish = false;  // a PUBLISH's duplicate check (else a PUBREL's lookup)
    int id = 0;
    void* list = nullptr;  // the list it looked in, once seen
};
thread_local lookup pending;

std::mutex ids_mutex;
using id_sets = std::unordered_map<void*, std::unordered_set<int>>;  // Paho list -> ids that may be in it

/// Guarded by ids_mutex. Never destroyed: Paho's receive thread can still run while the process exits.
id_sets& ids() {
    static id_sets* sets = new id_sets;
    return *sets;
}

bool may_hold(void* list, int id) {
    std::lock_guard<std::mutex> lock(ids_mutex);
    auto it = ids().find(list);
    return it != ids().end() && it->second.count(id) != 0;
}

void add(void* list, int id) {
    std::lock_guard<std::mutex> lock(ids_mutex);
    ids()[list].insert(id);
}

void remove(void* list, int id) {
    std::lock_guard<std::mutex> lock(ids_mutex);
    auto it = ids().find(list);
    if (it == ids().end()) return;
    it->second.erase(id);
    if (it->second.empty()) ids().erase(it);
}

}  // namespace

#define MQKIT_PAHO_WRAP extern "C" __attribute__((visibility("hidden")))

extern "C" int messageIDCompare(void* a, void* b);  // Paho C's, src/MQTTProtocolClient.c

MQKIT_PAHO_WRAP void* __real_ListFindItem(void* list, void* content, int (*callback)(void*, void*));
MQKIT_PAHO_WRAP int __real_MQTTProtocol_handlePublishes(void* pack, int sock);
MQKIT_PAHO_WRAP int __real_MQTTProtocol_handlePubrels(void* pack, int sock);

MQKIT_PAHO_WRAP void* __wrap_ListFindItem(void* list, void* content, int (*callback)(void*, void*)) {
    if (pending.armed && callback == messageIDCompare && *static_cast<int*>(content) == pending.id) {
        pending.armed = false;
        pending.list = list;
        if (pending.publish && !may_hold(list, pending.id)) return nullptr;  // not there: no walk
    }
    return __real_ListFindItem(list, content, callback);
}

MQKIT_PAHO_WRAP int __wrap_MQTTProtocol_handlePublishes(void* pack, int sock) {
    const auto* p = static_cast<paho_publish_head*>(pack);
    if (((p->header >> 1) & 3) != 2 || !mqkit::workarounds::protocol_guard_on.load(std::memory_order_relaxed))
        return __real_MQTTProtocol_handlePublishes(pack, sock);
    pending = lookup{true, true, p->msg_id, nullptr};
    const int id = p->msg_id;
    const int rc = __real_MQTTProtocol_handlePublishes(pack, sock);  // frees pack
    if (pending.list) add(pending.list, id);  // in the list now (appended, or in place of the old one)
    pending = lookup{};
    return rc;
}

MQKIT_PAHO_WRAP int __wrap_MQTTProtocol_handlePubrels(void* pack, int sock) {
    if (!mqkit::workarounds::protocol_guard_on.load(std::memory_order_relaxed))
        return __real_MQTTProtocol_handlePubrels(pack, sock);
    const int id = static_cast<paho_ack_head*>(pack)->msg_id;
    pending = lookup{true, false, id, nullptr};
    const int rc = __real_MQTTProtocol_handlePubrels(pack, sock);  // frees pack
    if (pending.list) remove(pending.list, id);                    // taken out of the list, if it was there
    pending = lookup{};
    return rc;
}
