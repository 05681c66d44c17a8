// The versions of the Paho libraries this process runs on, for --version.
#pragma once

#include <string>

namespace mqkit::detail {

/// Paho C's version as MQTTAsync_getVersionInfo() reports it ("1.3.11"), or "unknown".
std::string paho_c_version();

/// "Eclipse Paho MQTT C++ 1.2.0, Paho MQTT C 1.3.11": the libraries loaded at run time.
std::string paho_versions();

}  // namespace mqkit::detail
