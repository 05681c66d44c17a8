// The broker of the [interop] tests: a private mosquitto (the default, as every e2e test), or a
// running broker given by the environment (scripts/test-interop.sh starts aedes and RabbitMQ and
// sets these), with what that broker does differently from mosquitto:
//
//   MQKIT_E2E_BROKER          its name ("aedes", "rabbitmq"); unset: a private mosquitto
//   MQKIT_E2E_HOST, _PORT     its plain MQTT listener (anonymous clients allowed)
//   MQKIT_E2E_WS_PORT, _WS_PATH   its WebSocket listener (port 0 or unset: none)
//   MQKIT_E2E_AUTH_PORT, _AUTH_WS_PORT   a second instance that needs MQKIT_E2E_USER/_PASSWORD
//   MQKIT_E2E_DIFFERS         space-separated: what the broker does differently
//       qos2-is-qos1        answers a QoS 2 PUBLISH with PUBACK and grants QoS 1 for QoS 2 (RabbitMQ 3.x)
//       no-retained-wildcard  retained messages reach exact-topic subscriptions only (RabbitMQ 3.x)
//       dot-is-slash        '.' in a topic arrives as '/' (RabbitMQ 3.x, AMQP routing keys)
//       v5-refused          answers an MQTT v5 CONNECT with 3.1.1's CONNACK 1 (aedes 1.2)
//       v5-closed           closes an MQTT v5 CONNECT unanswered (RabbitMQ 3.x)
//       ws-auth-closes      closes a WebSocket with a wrong password, no CONNACK (RabbitMQ 3.x)
#pragma once

#include "support/broker.hpp"

#include <memory>
#include <string>
#include <vector>

namespace mqkit::test {

class interop_broker {
public:
    /// The broker of the environment, or a private mosquitto with a WebSocket listener and a second
    /// one that needs user "mq", password "secret".
    interop_broker();

    /// "mosquitto", "aedes", "rabbitmq".
    const std::string& name() const { return name_; }
    /// True if the broker does `what` differently (see MQKIT_E2E_DIFFERS).
    bool differs(const std::string& what) const;

    /// "-h HOST -p PORT" for the plain listener, then `a`.
    std::vector<std::string> at(std::vector<std::string> a) const;
    /// The same for the instance that needs a password (no credentials added).
    std::vector<std::string> at_auth(std::vector<std::string> a) const;
    /// "-L ws://HOST:WSPORT/PATH..." is not used: "--ws --ws-path PATH -h HOST -p WSPORT", then `a`;
    /// `auth`: the instance that needs a password. Empty when there is no WebSocket listener.
    std::vector<std::string> at_ws(std::vector<std::string> a, bool auth = false) const;
    bool has_ws() const { return ws_port_ > 0; }

    const std::string& user() const { return user_; }
    const std::string& password() const { return password_; }
    /// A topic no other test uses, on this broker, in this run: "mqkit-interop/<pid>/<n>/<what>".
    std::string topic(const std::string& what) const;

private:
    std::unique_ptr<broker> local_, local_auth_;
    std::string name_, host_ = "127.0.0.1", ws_path_ = "/mqtt", user_ = "mq", password_ = "secret";
    int port_ = 0, ws_port_ = 0, auth_port_ = 0, auth_ws_port_ = 0;
    std::vector<std::string> differs_;
};

}  // namespace mqkit::test
