// The registry of the Paho workarounds a program was linked with (see paho_workarounds.hpp).
#include "mqtt/paho_workarounds.hpp"

#include <utility>

namespace mqkit::detail {
namespace {

paho_workarounds& registry() {
    static paho_workarounds registered;
    return registered;
}

}  // namespace

void register_paho_workarounds(paho_workarounds w) {
    registry() = std::move(w);
}

const paho_workarounds& registered_paho_workarounds() {
    return registry();
}

std::string paho_protocol_fault() {
    auto fault = registry().protocol_fault;
    return fault ? fault() : std::string();
}

std::string paho_protocol_fault_trace() {
    auto trace = registry().protocol_fault_trace;
    return trace ? trace() : std::string();
}

}  // namespace mqkit::detail
