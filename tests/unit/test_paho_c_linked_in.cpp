// mqkit's programs carry their own copy of Paho C without the debugging trackers, and export its API
// (lib/src/mqtt/workarounds): these tests, one of those programs, check that the process really
// uses that copy, for Paho MQTT C++ too. If libpaho-mqttpp3 bound to libpaho-mqtt3as.so instead,
// every message would pay the trackers again, and two copies of Paho C with separate state would
// be in use at once. libmqkit itself carries none of it (tests/install/consumer checks that).
#include "mqkit/session.hpp"

#include <dlfcn.h>
#include <mqtt/async_client.h>

#include <cstddef>
#include <string>
#include "catch_compat.hpp"

namespace {

/// The object that defines `symbol` for the whole process: "" for the program itself.
std::string object_defining(const char* symbol) {
    void* address = dlsym(RTLD_DEFAULT, symbol);
    Dl_info info{};
    if (!address || !dladdr(address, &info) || !info.dli_fname) return "?";
    Dl_info self{};  // this function is the program's own
    if (!dladdr(reinterpret_cast<void*>(&object_defining), &self)) return "?";
    return info.dli_fbase == self.dli_fbase ? "" : info.dli_fname;
}

struct paho_heap_info {
    std::size_t current_size;
    std::size_t max_size;
};

}  // namespace

#ifdef MQKIT_HAS_PAHO_C_COPY

TEST_CASE("Paho C's API resolves to the program's own copy", "[paho-c]") {
    for (const char* f : {"MQTTAsync_createWithOptions", "MQTTAsync_sendMessage", "MQTTAsync_connect",
                          "MQTTAsync_setTraceCallback", "MQTTProperties_add", "MQTTAsync_free"}) {
        INFO(f);
        CHECK(object_defining(f).empty());
    }
    CHECK(mqkit::paho_workarounds().at(0).rfind("Paho C linked in without its debug trackers", 0) == 0);
}

TEST_CASE("Paho MQTT C++ allocates through the tracker-free Paho C, not libpaho-mqtt3as.so", "[paho-c]") {
    // libpaho-mqtt3as.so keeps its heap tracker; its running total shows whether it was used.
    using heap_info_fn = paho_heap_info* (*)();
    std::string owner = object_defining("Heap_get_info");
    REQUIRE_THAT(owner, Catch::Contains("libpaho-mqtt3as.so"));
    auto heap_info = reinterpret_cast<heap_info_fn>(dlsym(RTLD_DEFAULT, "Heap_get_info"));
    REQUIRE(heap_info != nullptr);
    std::size_t before = heap_info()->max_size;
    {
        mqtt::async_client client("tcp://127.0.0.1:1", "mqkit-unit-paho-c", mqtt::create_options(MQTTVERSION_5));
        auto msg = mqtt::make_message("t", "payload", 1, false);
        // Not connected: Paho refuses the publish, after copying the message into its own heap.
        CHECK_THROWS(client.publish(msg));
    }
    CHECK(heap_info()->max_size == before);
}

#else

TEST_CASE("Paho C's API resolves to the program's own copy", "[paho-c]") {
    WARN("mqkit's programs use the shared Paho C (workarounds off, or no usable libpaho-mqtt3as.a)");
    CHECK_THAT(object_defining("MQTTAsync_sendMessage"), Catch::Contains("libpaho-mqtt3as.so"));
}

#endif
