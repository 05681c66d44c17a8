// libmqkit carries its own copy of Paho C without the debugging trackers (lib/paho-c). These tests
// check that the process really uses that copy, for Paho MQTT C++ too: if libpaho-mqttpp3 bound to
// libpaho-mqtt3as.so instead, every message would pay the trackers again, and two copies of Paho C
// with separate state would be in use at once.
#include <dlfcn.h>
#include <mqtt/async_client.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <string>

namespace {

std::string object_defining(const char* symbol) {
    void* address = dlsym(RTLD_DEFAULT, symbol);
    Dl_info info{};
    if (!address || !dladdr(address, &info) || !info.dli_fname) return "";
    return info.dli_fname;
}

struct paho_heap_info {
    std::size_t current_size;
    std::size_t max_size;
};

}  // namespace

#ifdef MQKIT_PAHO_C_LINKED_IN

TEST_CASE("Paho C's API resolves to libmqkit's copy", "[paho-c]") {
    for (const char* f : {"MQTTAsync_createWithOptions", "MQTTAsync_sendMessage", "MQTTAsync_connect",
                          "MQTTAsync_setTraceCallback", "MQTTProperties_add", "MQTTAsync_free"}) {
        INFO(f);
        CHECK_THAT(object_defining(f), Catch::Contains("libmqkit.so"));
    }
}

TEST_CASE("Paho MQTT C++ allocates through libmqkit's tracker-free Paho C, not libpaho-mqtt3as.so", "[paho-c]") {
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

TEST_CASE("Paho C's API resolves to libmqkit's copy", "[paho-c]") {
    WARN("libmqkit links the shared Paho C (MQKIT_PAHO_C_LINKED_IN off or no libpaho-mqtt3as.a)");
    CHECK_THAT(object_defining("MQTTAsync_sendMessage"), Catch::Contains("libpaho-mqtt3as.so"));
}

#endif
