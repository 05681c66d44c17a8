// mqkit::lean_client on Paho C's asynchronous API: one Paho client each, Paho's callbacks turned
// into listener calls with the reason in words.
#include "mqkit/lean_client.hpp"

#include "core/tcp_probe.hpp"
#include "mqkit/error.hpp"
#include "mqtt/paho_workarounds.hpp"
#include "mqtt/session.hpp"

#include <MQTTAsync.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace mqkit {

using detail::reason_text;

class lean_client::impl {
public:
    impl(lean_client& self, const connection_config& conn, listener& events)
        : self_(self), conn_(conn), events_(events), v5_(conn.version == mqtt_version::v5) {}

    /// What ended the link, when more is known than Paho says: the protocol guard's finding or the
    /// broker's MQTT v5 DISCONNECT; "" otherwise.
    std::string link_cause() const {
        if (std::string fault = detail::paho_protocol_fault(); !fault.empty()) return "protocol error: " + fault;
        const int rc = disconnect_code_;
        if (rc == 0) return "the broker disconnected (reason code 0, normal disconnection)";
        if (rc > 0)
            return fmt::format("the broker disconnected: {} (reason code {})", reason_text(rc, mqtt_version::v5), rc);
        return {};
    }

    /// Paho's return code `code` (or the broker's reason code) and message in words.
    std::string reason(int code, const char* message) const {
        if (code > 0) return reason_text(code, conn_.version);  // the broker's CONNACK/SUBACK/PUBACK code
        const char* text = MQTTAsync_strerror(code);
        std::string out = text ? text : fmt::format("Paho code {}", code);
        if (message && *message) out += fmt::format(" ({})", message);
        return out;
    }

    // Paho C's callbacks: trampolines into the listener.
    static void connect_ok(void* ctx, MQTTAsync_successData*) {
        auto* c = static_cast<impl*>(ctx);
        c->events_.connected(c->self_, true, 0, {});
    }
    static void connect_ok5(void* ctx, MQTTAsync_successData5*) { connect_ok(ctx, nullptr); }
    static void connect_fail(void* ctx, MQTTAsync_failureData* r) {
        static_cast<impl*>(ctx)->connect_failed(r ? r->code : MQTTASYNC_FAILURE, r ? r->message : nullptr);
    }
    static void connect_fail5(void* ctx, MQTTAsync_failureData5* r) {
        int code = r ? (r->reasonCode >= 128 ? static_cast<int>(r->reasonCode) : r->code) : MQTTASYNC_FAILURE;
        static_cast<impl*>(ctx)->connect_failed(code, r ? r->message : nullptr);
    }
    void connect_failed(int code, const char* message) {
        // An MQTT 3.x broker answers a v5 CONNECT with its own CONNACK, code 1: v5's 132, as
        // mosquitto's clients say.
        if (v5_ && code == 1) code = 132;
        std::string why = code > 0 ? reason(code, message) : failure_before_connack(code, message);
        if (v5_ && why.rfind("reason code", 0) == 0)
            why = fmt::format("connection refused (CONNACK reason code {})", code);  // one v5 does not define
        events_.connected(self_, false, code > 0 ? code : 0, why);
    }
    /// Why a connect that got no CONNACK failed, as mqkit::session says it.
    std::string failure_before_connack(int code, const char* message) const {
        if (std::string cause = link_cause(); !cause.empty()) return cause;
        if (code != MQTTASYNC_FAILURE) return reason(code, message);
        if (std::string tcp = detail::probe_tcp(conn_.host, conn_.port).message; !tcp.empty()) return tcp;
        if (conn_.tls.enabled) return reason(code, message);
        if (message && std::strstr(message, "timeout"))
            return "the broker accepted the TCP connection but did not answer the MQTT CONNECT within 10 s";
        return "the broker closed the connection without answering the MQTT CONNECT";
    }

    static void subscribe_ok(void* ctx, MQTTAsync_successData* r) {
        static_cast<impl*>(ctx)->suback(r ? r->alt.qos : 0);
    }
    static void subscribe_ok5(void* ctx, MQTTAsync_successData5* r) {
        static_cast<impl*>(ctx)->suback(r ? static_cast<int>(r->reasonCode) : 0);
    }
    void suback(int granted) {
        if (granted < 128)
            events_.subscribed(self_, true, granted, {});
        else
            events_.subscribed(self_, false, granted, refusal(granted));
    }
    /// A SUBACK's refusal in words: MQTT 3.1.1's 0x80, or an MQTT v5 reason code.
    std::string refusal(int code) const {
        if (!v5_) return "refused by the broker (SUBACK return code 0x80)";
        return fmt::format("refused by the broker: {} (reason code {})", reason_text(code, mqtt_version::v5), code);
    }
    /// Why a subscribe without a SUBACK failed.
    std::string failure_without_suback(int code, const char* message) const {
        if (std::string cause = link_cause(); !cause.empty()) return cause;
        if (code == MQTTASYNC_OPERATION_INCOMPLETE || code == MQTTASYNC_DISCONNECTED) return "the connection was lost";
        return reason(code, message);
    }
    static void subscribe_fail(void* ctx, MQTTAsync_failureData* r) {
        auto* c = static_cast<impl*>(ctx);
        const int code = r ? r->code : -1;
        c->events_.subscribed(
            c->self_, false, code >= 128 ? code : -1,
            code >= 128 ? c->refusal(code) : c->failure_without_suback(code, r ? r->message : nullptr));
    }
    static void subscribe_fail5(void* ctx, MQTTAsync_failureData5* r) {
        auto* c = static_cast<impl*>(ctx);
        int code = r ? static_cast<int>(r->reasonCode) : -1;
        c->events_.subscribed(
            c->self_, false, code,
            code >= 128 ? c->refusal(code) : c->failure_without_suback(r ? r->code : -1, r ? r->message : nullptr));
    }

    static void publish_ok(void* ctx, MQTTAsync_successData*) {
        auto* p = static_cast<pending_publish*>(ctx);
        p->sender->impl_->events_.published(*p, true, {});
    }
    static void publish_ok5(void* ctx, MQTTAsync_successData5* r) {
        auto* p = static_cast<pending_publish*>(ctx);
        int code = r ? static_cast<int>(r->reasonCode) : 0;
        impl& c = *p->sender->impl_;
        if (code < 128)
            c.events_.published(*p, true, {});
        else
            c.events_.published(*p, false, c.reason(code, nullptr));
    }
    /// Why a publish without its acknowledgement failed.
    std::string failure_without_ack(int code, const char* message) const {
        if (std::string cause = link_cause(); !cause.empty()) return cause;
        if (code == MQTTASYNC_OPERATION_INCOMPLETE || code == MQTTASYNC_DISCONNECTED) return "the connection was lost";
        return reason(code, message);
    }
    static void publish_fail(void* ctx, MQTTAsync_failureData* r) {
        auto* p = static_cast<pending_publish*>(ctx);
        impl& c = *p->sender->impl_;
        c.events_.published(*p, false, c.failure_without_ack(r ? r->code : -1, r ? r->message : nullptr));
    }
    static void publish_fail5(void* ctx, MQTTAsync_failureData5* r) {
        auto* p = static_cast<pending_publish*>(ctx);
        impl& c = *p->sender->impl_;
        int code = r ? (r->reasonCode >= 128 ? static_cast<int>(r->reasonCode) : r->code) : -1;
        c.events_.published(
            *p, false, code >= 128 ? c.reason(code, nullptr) : c.failure_without_ack(code, r ? r->message : nullptr));
    }

    static int message(void* ctx, char* topic, int, MQTTAsync_message* m) {
        auto* c = static_cast<impl*>(ctx);
        c->events_.received(c->self_,
                            std::string_view(static_cast<const char*>(m->payload),
                                             static_cast<std::size_t>(std::max(0, m->payloadlen))),
                            std::clamp(m->qos, 0, 2), m->retained != 0);
        MQTTAsync_freeMessage(&m);
        MQTTAsync_free(topic);
        return 1;
    }
    static void lost(void* ctx, char* cause) {
        auto* c = static_cast<impl*>(ctx);
        std::string why = c->link_cause();
        c->events_.lost(c->self_, !why.empty() ? why : cause && *cause ? cause : "");
        if (cause) MQTTAsync_free(cause);
    }
    static void disconnected(void* ctx, MQTTProperties*, enum MQTTReasonCodes rc) {
        static_cast<impl*>(ctx)->disconnect_code_ = static_cast<int>(rc);
    }

    /// Paho C copies these options during MQTTAsync_connect; the strings belong to conn_.
    MQTTAsync_SSLOptions* fill_ssl(MQTTAsync_SSLOptions& ssl) const {
        const tls_config& t = conn_.tls;
        if (!t.cafile.empty()) ssl.trustStore = t.cafile.c_str();
        if (!t.capath.empty()) ssl.CApath = t.capath.c_str();
        if (!t.certfile.empty()) ssl.keyStore = t.certfile.c_str();
        if (!t.keyfile.empty()) ssl.privateKey = t.keyfile.c_str();
        if (!t.key_password.empty()) ssl.privateKeyPassword = t.key_password.c_str();
        if (!t.ciphers.empty()) ssl.enabledCipherSuites = t.ciphers.c_str();
        if (t.version == "tlsv1.2") ssl.sslVersion = MQTT_SSL_VERSION_TLS_1_2;
        ssl.enableServerCertAuth = 1;
        ssl.verify = t.insecure ? 0 : 1;
        return &ssl;
    }

    lean_client& self_;
    const connection_config& conn_;
    listener& events_;
    const bool v5_;
    std::atomic<int> disconnect_code_{-1};  // the broker's MQTT v5 DISCONNECT; -1: none
    MQTTAsync handle_ = nullptr;
    MQTTAsync_responseOptions publish_options_ = MQTTAsync_responseOptions_initializer;
};

lean_client::lean_client(const connection_config& conn, std::string client_id, listener& events, void* user,
                         bool receives)
    : id_(std::move(client_id)), user_(user), impl_(std::make_unique<impl>(*this, conn, events)) {
    detail::init_paho();
    const bool v6 = conn.host.find(':') != std::string::npos;
    const std::string uri = fmt::format("{}://{}{}{}:{}", conn.tls.enabled ? "ssl" : "tcp", v6 ? "[" : "", conn.host,
                                        v6 ? "]" : "", conn.port);
    MQTTAsync_createOptions opts = MQTTAsync_createOptions_initializer;
    opts.MQTTVersion = static_cast<int>(conn.version);
    opts.sendWhileDisconnected = 0;
    opts.maxBufferedMessages = 65535;
    int rc = MQTTAsync_createWithOptions(&impl_->handle_, uri.c_str(), id_.c_str(), MQTTCLIENT_PERSISTENCE_NONE,
                                         nullptr, &opts);
    if (rc != MQTTASYNC_SUCCESS)
        throw error(exit_code::failure, fmt::format("cannot create client {}: {}", id_, impl_->reason(rc, nullptr)));
    // One by one: MQTTAsync_setCallbacks sets nothing at all without a message callback, and a
    // publisher then never heard of its lost connection.
    MQTTAsync_setConnectionLostCallback(impl_->handle_, impl_.get(), impl::lost);
    if (receives) MQTTAsync_setMessageArrivedCallback(impl_->handle_, impl_.get(), impl::message);
    if (impl_->v5_) MQTTAsync_setDisconnected(impl_->handle_, impl_.get(), impl::disconnected);
    MQTTAsync_responseOptions& p = impl_->publish_options_;
    if (impl_->v5_) {
        p.onSuccess5 = impl::publish_ok5;
        p.onFailure5 = impl::publish_fail5;
    } else {
        p.onSuccess = impl::publish_ok;
        p.onFailure = impl::publish_fail;
    }
}

lean_client::~lean_client() {
    if (detail::clients_left_to_exit()) {
        (void)impl_.release();  // Paho may still call back into it until the process ends
        return;
    }
    MQTTAsync_destroy(&impl_->handle_);
}

void lean_client::connect(long max_inflight) {
    MQTTAsync_connectOptions opts = MQTTAsync_connectOptions_initializer;
    if (impl_->v5_) {
        MQTTAsync_connectOptions o5 = MQTTAsync_connectOptions_initializer5;
        opts = o5;
        opts.cleanstart = 1;
        opts.onSuccess5 = impl::connect_ok5;
        opts.onFailure5 = impl::connect_fail5;
    } else {
        opts.cleansession = 1;
        opts.onSuccess = impl::connect_ok;
        opts.onFailure = impl::connect_fail;
    }
    const connection_config& conn = impl_->conn_;
    opts.MQTTVersion = static_cast<int>(conn.version);
    opts.keepAliveInterval = conn.keepalive;
    opts.connectTimeout = 10;
    // Paho counts a message as in flight for a moment after it reports it complete: headroom.
    opts.maxInflight = static_cast<int>(std::min<long>(65535, max_inflight * 2 + 16));
    opts.automaticReconnect = 0;
    opts.context = impl_.get();
    if (conn.username) opts.username = conn.username->c_str();
    if (conn.password) opts.password = conn.password->c_str();
    if (!conn.proxy.empty()) {
        opts.httpProxy = conn.proxy.c_str();   // plain TCP
        opts.httpsProxy = conn.proxy.c_str();  // TLS: the same HTTP CONNECT tunnel
    }
    MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
    if (conn.tls.enabled) opts.ssl = impl_->fill_ssl(ssl);
    int rc = MQTTAsync_connect(impl_->handle_, &opts);
    if (rc != MQTTASYNC_SUCCESS) impl_->connect_failed(rc, nullptr);
}

void lean_client::subscribe(const std::string& filter, int qos) {
    MQTTAsync_responseOptions opts = MQTTAsync_responseOptions_initializer;
    opts.context = impl_.get();
    if (impl_->v5_) {
        opts.onSuccess5 = impl::subscribe_ok5;
        opts.onFailure5 = impl::subscribe_fail5;
    } else {
        opts.onSuccess = impl::subscribe_ok;
        opts.onFailure = impl::subscribe_fail;
    }
    int rc = MQTTAsync_subscribe(impl_->handle_, filter.c_str(), qos, &opts);
    if (rc != MQTTASYNC_SUCCESS) impl_->events_.subscribed(*this, false, -1, impl_->reason(rc, nullptr));
}

lean_client::send_result lean_client::publish(const std::string& topic, std::string_view payload, int qos, bool retain,
                                              pending_publish& p, std::string& why) {
    p.sender = this;
    MQTTAsync_message msg = MQTTAsync_message_initializer;
    msg.payload = const_cast<char*>(payload.data());  // Paho copies it
    msg.payloadlen = static_cast<int>(payload.size());
    msg.qos = qos;
    msg.retained = retain ? 1 : 0;
    MQTTAsync_responseOptions opts = impl_->publish_options_;
    opts.context = &p;
    int rc = MQTTAsync_sendMessage(impl_->handle_, topic.c_str(), &msg, &opts);
    if (rc == MQTTASYNC_SUCCESS) return send_result::queued;
    if (rc == MQTTASYNC_DISCONNECTED) return send_result::disconnected;
    why = impl_->reason(rc, nullptr);
    return send_result::refused;
}

}  // namespace mqkit
