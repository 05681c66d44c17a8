// The versions of the Paho libraries this process runs on, for --version.
#include "mqtt/paho_versions.hpp"

#include <MQTTAsync.h>
#include <fmt/format.h>
#include <mqtt/async_client.h>

#include <link.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace mqkit::detail {

namespace {

/// The version of the Paho C++ library this process runs on, from the file name the loader found
/// (libpaho-mqttpp3.so.1 -> libpaho-mqttpp3.so.1.2.0); Paho C++ has no run-time version call, so the
/// version of the headers mqkit was built with stands in when the file name tells nothing.
std::string paho_cpp_version() {
    std::string found;
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            if (!info->dlpi_name || !std::strstr(info->dlpi_name, "libpaho-mqttpp3.so")) return 0;
            char real[PATH_MAX];
            if (::realpath(info->dlpi_name, real)) *static_cast<std::string*>(data) = real;
            return 1;
        },
        &found);
    if (auto at = found.rfind(".so."); at != std::string::npos && found.find('.', at + 4) != std::string::npos)
        return found.substr(at + 4);
#if defined(PAHO_MQTTPP_VERSIONS)
    const std::uint32_t v = mqtt::PAHO_MQTTPP_VERSION;
#else
    const std::uint32_t v = mqtt::VERSION;
#endif
    return fmt::format("{}.{}.{}", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff);
}

}  // namespace

std::string paho_c_version() {
    for (MQTTAsync_nameValue* nv = MQTTAsync_getVersionInfo(); nv && nv->name; ++nv)
        if (std::strcmp(nv->name, "Version") == 0) return nv->value;
    return "unknown";
}

std::string paho_versions() {
    return fmt::format("Eclipse Paho MQTT C++ {}, Paho MQTT C {}", paho_cpp_version(), paho_c_version());
}

}  // namespace mqkit::detail
