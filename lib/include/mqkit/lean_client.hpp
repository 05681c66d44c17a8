// A lean MQTT client for load generation (mqbench): it never waits and holds no lock of its own;
// the MQTT library's threads report every outcome to a listener. One process runs thousands.
// For one connection driven step by step, mqkit::session (mqkit/session.hpp) is the simpler tool.
#pragma once

#include "mqkit/options.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace mqkit {

class lean_client {
public:
    /// One publish in flight. The caller owns it (mqbench keeps a fixed pool per client) and gets
    /// it back in listener::published(); derive from it to carry more.
    struct pending_publish {
        lean_client* sender = nullptr;  ///< set by publish()
    };

    /// What happens to the clients, told on the MQTT library's threads; must not block.
    class listener {
    public:
        /// CONNACK (ok), or why there was none. `code`: the broker's refusal code (MQTT 3.x: 1-5;
        /// v5: >= 128), else 0.
        virtual void connected(lean_client& c, bool ok, int code, const std::string& why) = 0;
        /// SUBACK: ok with the granted QoS, or why the subscription was refused or failed.
        virtual void subscribed(lean_client& c, bool ok, int granted, const std::string& why) = 0;
        /// QoS 0: written; QoS 1/2: acknowledged (ok), or why not (a v5 refusal, a lost link).
        virtual void published(pending_publish& p, bool ok, const std::string& why) = 0;
        /// A message to a subscribed filter (only for clients made with `receives` true).
        virtual void received(lean_client& c, std::string_view payload, int qos, bool retained) = 0;
        /// The connection was lost after CONNACK.
        virtual void lost(lean_client& c, const std::string& why) = 0;

    protected:
        ~listener() = default;
    };

    /// A client of `conn`'s broker (host, port, TLS, version, user name and password) as
    /// `client_id`; `user` is the caller's, for the listener. Throws mqkit::error if the MQTT
    /// library cannot make it.
    lean_client(const connection_config& conn, std::string client_id, listener& events, void* user, bool receives);
    /// Leaves the library's client to the process's end (destroying thousands of them one by one
    /// takes Paho C 100 ms each to stop its threads, and gains nothing at exit).
    ~lean_client();
    lean_client(const lean_client&) = delete;
    lean_client& operator=(const lean_client&) = delete;

    const std::string& id() const { return id_; }
    void* user() const { return user_; }

    /// Starts a clean-session CONNECT; the outcome goes to listener::connected (at once, from
    /// this thread, when it cannot even start). `max_inflight`: unfinished publishes it may have.
    void connect(long max_inflight);
    /// Starts a SUBSCRIBE; the outcome goes to listener::subscribed.
    void subscribe(const std::string& filter, int qos);

    enum class send_result {
        queued,        ///< listener::published will tell how it ends
        disconnected,  ///< the link is down: not queued (listener::lost has come or will come)
        refused,       ///< not queued, for `why`
    };
    /// Queues a PUBLISH of `payload` (copied) and returns at once.
    send_result publish(const std::string& topic, std::string_view payload, int qos, bool retain, pending_publish& p,
                        std::string& why);

private:
    class impl;
    std::string id_;
    void* user_;
    std::unique_ptr<impl> impl_;
};

}  // namespace mqkit
