// The flag groups every tool shares (connection, authentication, will, general), for each tool's table.
#pragma once

#include "mqkit/flags.hpp"

#include <string_view>
#include <vector>

namespace mqkit::detail {

/// "0", "1", "2": the choices of every QoS flag.
const std::vector<std::string_view>& qos_choices();

/// -h -p -L -i -I -k -V -c -x --ws --ws-path --proxy and the flags Paho cannot honour.
flag_group connection_group();
/// --cafile --capath --cert --key --key-pw-file --keyform --ciphers --tls-version --tls-alpn
/// --insecure --tls-use-os-certs, and --psk/--tls-engine (refused: Paho cannot do them).
flag_group tls_group();
/// -u -P --pw-file.
flag_group auth_group();
/// --will-topic --will-payload --will-qos --will-retain.
flag_group will_group();
/// -D -d --quiet --no-config --help --version.
flag_group general_group();

}  // namespace mqkit::detail
