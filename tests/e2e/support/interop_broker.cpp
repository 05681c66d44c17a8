#include "support/interop_broker.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace mqkit::test {
namespace {

std::string env(const char* name, const std::string& fallback = {}) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

int env_port(const char* name) {
    const std::string v = env(name);
    return v.empty() || v == "-" ? 0 : std::stoi(v);
}

}  // namespace

interop_broker::interop_broker() : name_(env("MQKIT_E2E_BROKER")) {
    if (!name_.empty()) {
        host_ = env("MQKIT_E2E_HOST", "127.0.0.1");
        port_ = env_port("MQKIT_E2E_PORT");
        ws_port_ = env_port("MQKIT_E2E_WS_PORT");
        ws_path_ = env("MQKIT_E2E_WS_PATH", "/mqtt");
        auth_port_ = env_port("MQKIT_E2E_AUTH_PORT");
        auth_ws_port_ = env_port("MQKIT_E2E_AUTH_WS_PORT");
        user_ = env("MQKIT_E2E_USER", user_);
        password_ = env("MQKIT_E2E_PASSWORD", password_);
        std::istringstream words(env("MQKIT_E2E_DIFFERS"));
        for (std::string w; words >> w;) differs_.push_back(w);
        if (port_ == 0 || auth_port_ == 0)
            throw std::runtime_error("MQKIT_E2E_BROKER is set, but MQKIT_E2E_PORT or MQKIT_E2E_AUTH_PORT is not");
        return;
    }
    name_ = "mosquitto";
    broker_options open;
    open.websockets = true;
    local_ = std::make_unique<broker>(open);
    broker_options closed;
    closed.websockets = true;
    closed.allow_anonymous = false;
    closed.users = {{user_, password_}};
    local_auth_ = std::make_unique<broker>(closed);
    port_ = local_->port();
    ws_port_ = local_->ws_port();
    auth_port_ = local_auth_->port();
    auth_ws_port_ = local_auth_->ws_port();
}

bool interop_broker::differs(const std::string& what) const {
    return std::find(differs_.begin(), differs_.end(), what) != differs_.end();
}

std::vector<std::string> interop_broker::at(std::vector<std::string> a) const {
    a.insert(a.begin(), {"-h", host_, "-p", std::to_string(port_)});
    return a;
}

std::vector<std::string> interop_broker::at_auth(std::vector<std::string> a) const {
    a.insert(a.begin(), {"-h", host_, "-p", std::to_string(auth_port_)});
    return a;
}

std::vector<std::string> interop_broker::at_ws(std::vector<std::string> a, bool auth) const {
    const int port = auth ? auth_ws_port_ : ws_port_;
    if (port == 0) return {};
    a.insert(a.begin(), {"--ws", "--ws-path", ws_path_, "-h", host_, "-p", std::to_string(port)});
    return a;
}

std::string interop_broker::topic(const std::string& what) const {
    static std::atomic<int> n{0};
    return "mqkit-interop/" + std::to_string(::getpid()) + "/" + std::to_string(++n) + "/" + what;
}

}  // namespace mqkit::test
