// The flag groups every tool shares (connection, authentication, will, general), for each tool's table.
#pragma once

#include "mqkit/flags.hpp"

#include <string_view>
#include <vector>

namespace mqkit::detail {

/// "0", "1", "2": the choices of every QoS flag.
const std::vector<std::string_view>& qos_choices();
/// "always", "new", "never": the choices of --retain-handling.
const std::vector<std::string_view>& retain_handling_choices();

/// -h -p -L -i -I -k -V -c -x --ws --ws-path --proxy --no-tls and the flags Paho cannot honour.
flag_group connection_group();
/// --cafile --capath --cert --key --key-pw-file --keyform --ciphers --tls-version --tls-alpn
/// --insecure --tls-keylog --tls-use-os-certs --psk --psk-identity, and --tls-engine (refused: Paho
/// cannot do it).
flag_group tls_group();
/// -u -P --pw-file.
flag_group auth_group();
/// --will-topic --will-payload --will-qos --will-retain.
flag_group will_group();
/// -D -d --quiet -o --no-config --help --version.
flag_group general_group();

/// Exit statuses 1-5 and 128-159: the broker refused the connection (CONNACK), as mosquitto's clients.
std::vector<doc_entry> connack_exit_status();
/// Exit statuses 130 and 143: stopped by SIGINT or SIGTERM after a clean DISCONNECT.
doc_entry signal_exit_status();
/// MQKIT_USERNAME and MQKIT_PASSWORD, read by auth_group()'s flags.
std::vector<doc_entry> auth_environment();

}  // namespace mqkit::detail
