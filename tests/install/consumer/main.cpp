// A program outside mqkit that uses an installed libmqkit (tests/install/check-install.sh): its
// public API against a real broker (a subscription, then a QoS 1 publish that must come back), and
// checks that linking libmqkit changed nothing in its process: `write` is libc's, Paho C is
// libpaho-mqtt3as.so's, no Paho workaround is on.
// Usage: consumer <broker host> <broker port>
#include <mqkit/flags.hpp>
#include <mqkit/session.hpp>
#include <mqkit/topic.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    std::printf("consumer: %s: %s\n", ok ? "ok" : "FAILED", what.c_str());
    failures += ok ? 0 : 1;
}

/// The file of the object that defines `symbol` for the whole process.
std::string definer(const char* symbol) {
    Dl_info info{};
    void* address = dlsym(RTLD_DEFAULT, symbol);
    return address && dladdr(address, &info) && info.dli_fname ? info.dli_fname : "";
}

mqkit::connection_config broker(const char* host, const char* port, const std::string& id) {
    mqkit::connection_config c;
    c.host = host;
    c.port = std::stoi(port);
    c.client_id = id;
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fputs("usage: consumer <broker host> <broker port>\n", stderr);
        return 2;
    }
    check(mqkit::topic_matches("home/+/temp", "home/kitchen/temp") &&
              !mqkit::topic_matches("home/+/temp", "home/kitchen/humidity"),
          "topic_matches");
    check(mqkit::mqpub_spec().find("topic") != nullptr, "mqpub's flag table");

    // Linking libmqkit changed nothing in this process.
    void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    check(libc && dlsym(RTLD_DEFAULT, "write") == dlsym(libc, "write"), "write is libc's (" + definer("write") + ")");
    check(definer("MQTTAsync_connect").find("libpaho-mqtt3as.so") != std::string::npos,
          "Paho C is libpaho-mqtt3as.so's (" + definer("MQTTAsync_connect") + ")");
    check(definer("MQTTAsync_create").find("libmqkit") == std::string::npos, "libmqkit exports no Paho C function");
    check(mqkit::paho_workarounds().empty(), "no Paho workaround in a program that merely links libmqkit");

    // A round trip through the broker.
    const std::string topic = "mqkit/consumer/" + std::to_string(::getpid());
    std::mutex mutex;
    std::condition_variable arrived;
    std::string received;
    try {
        mqkit::session sub(broker(argv[1], argv[2], "consumer-sub-" + std::to_string(::getpid())));
        sub.on_message([&](const mqkit::received_message& m) {
            std::lock_guard<std::mutex> lock(mutex);
            received = m.topic + " " + m.payload;
            arrived.notify_all();
        });
        sub.connect();
        const std::vector<int> granted = sub.subscribe({topic}, 1);
        check(granted.size() == 1 && granted[0] == 1, "SUBACK grants QoS 1");

        mqkit::session pub(broker(argv[1], argv[2], "consumer-pub-" + std::to_string(::getpid())));
        pub.connect();
        check(pub.publish(topic, "hello from a consumer", 1), "publish queued");
        check(pub.wait_published(std::chrono::seconds(10)) == 0 && pub.completed_publishes() == 1,
              "publish acknowledged");
        pub.disconnect();

        std::unique_lock<std::mutex> lock(mutex);
        arrived.wait_for(lock, std::chrono::seconds(10), [&] { return !received.empty(); });
        check(received == topic + " hello from a consumer", "message received: '" + received + "'");
    } catch (const mqkit::error& e) {
        check(false, std::string("mqkit::error (exit status ") + std::to_string(e.status()) + "): " + e.what());
    }
    std::puts(failures == 0 ? "consumer: mqkit works" : "consumer: mqkit gave wrong answers");
    return failures == 0 ? 0 : 1;
}
