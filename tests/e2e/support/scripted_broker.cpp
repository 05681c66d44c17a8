#include "support/scripted_broker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

namespace mqkit::test {

std::string varint(std::size_t n) {
    std::string out;
    do {
        unsigned char b = n % 128;
        n /= 128;
        if (n) b |= 0x80;
        out.push_back(static_cast<char>(b));
    } while (n);
    return out;
}

std::string packet(int header, const std::string& body) {
    return std::string(1, static_cast<char>(header)) + varint(body.size()) + body;
}

std::string u16(int value) {
    return {static_cast<char>((value >> 8) & 0xff), static_cast<char>(value & 0xff)};
}

std::string mqtt_string(const std::string& s) {
    return u16(static_cast<int>(s.size())) + s;
}

namespace {

// Where a packet's body starts (behind the fixed header).
std::size_t body_start(const std::string& p) {
    std::size_t i = 1;
    while (i < p.size() && (static_cast<unsigned char>(p[i]) & 0x80)) ++i;
    return i + 1;
}

int read_u16(const std::string& p, std::size_t at) {
    if (at + 2 > p.size()) return -1;
    return (static_cast<unsigned char>(p[at]) << 8) | static_cast<unsigned char>(p[at + 1]);
}

// Skips an MQTT v5 property list at `at`; returns the position behind it.
std::size_t skip_properties(const std::string& p, std::size_t at) {
    std::size_t len = 0;
    int shift = 0;
    while (at < p.size()) {
        unsigned char b = static_cast<unsigned char>(p[at++]);
        len |= static_cast<std::size_t>(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    return at + len;
}

}  // namespace

int packet_id(const std::string& p) {
    const std::size_t at = body_start(p);
    if (type_of(p) == PUBLISH) {
        if (qos_of(p) == 0) return 0;
        const int topic_len = read_u16(p, at);
        return topic_len < 0 ? -1 : read_u16(p, at + 2 + static_cast<std::size_t>(topic_len));
    }
    return read_u16(p, at);
}

std::vector<std::pair<std::string, int>> subscribe_filters(const std::string& p, bool v5) {
    std::vector<std::pair<std::string, int>> out;
    std::size_t at = body_start(p) + 2;
    if (v5) at = skip_properties(p, at);
    while (at + 2 < p.size()) {
        const auto len = static_cast<std::size_t>(read_u16(p, at));
        if (at + 2 + len >= p.size()) break;
        out.emplace_back(p.substr(at + 2, len), p[at + 2 + len] & 3);
        at += 3 + len;
    }
    return out;
}

// ---- mutator ---------------------------------------------------------------------------------

std::string mutator::apply(const std::string& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::uniform_real_distribution<double> chance(0.0, 1.0);
    std::string out;
    if (p.empty() || chance(rng_) >= rate_) {
        out = p + held_;  // a packet held back goes behind this one: the two change places
        held_.clear();
        return out;
    }
    const int kind = std::uniform_int_distribution<int>(0, 4)(rng_);
    const std::string type = std::to_string(type_of(p));
    switch (kind) {
        case 0: {
            const auto at = std::uniform_int_distribution<std::size_t>(0, p.size() - 1)(rng_);
            const int bit = std::uniform_int_distribution<int>(0, 7)(rng_);
            out = p;
            out[at] = static_cast<char>(out[at] ^ (1 << bit));
            log_.push_back("packet type " + type + ": flipped bit " + std::to_string(bit) + " of byte " +
                           std::to_string(at));
            break;
        }
        case 1: {
            const auto keep = std::uniform_int_distribution<std::size_t>(0, p.size() - 1)(rng_);
            out = p.substr(0, keep);
            log_.push_back("packet type " + type + ": cut to " + std::to_string(keep) + " of " +
                           std::to_string(p.size()) + " bytes");
            break;
        }
        case 2:
            out = p + p;
            log_.push_back("packet type " + type + ": sent twice");
            break;
        case 3:
            held_ += p;
            log_.push_back("packet type " + type + ": held back behind the next packet");
            return {};
        default:
            log_.push_back("packet type " + type + ": dropped");
            return {};
    }
    out += held_;
    held_.clear();
    return out;
}

std::string mutator::flush() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    out.swap(held_);
    return out;
}

std::vector<std::string> mutator::log() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
}

// ---- wire ------------------------------------------------------------------------------------

std::string wire::read(std::chrono::milliseconds timeout) {
    std::string p;
    const auto until = std::chrono::steady_clock::now() + timeout;
    auto read_bytes = [&](char* into, std::size_t n) {
        std::size_t got = 0;
        while (got < n) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() < 0) return false;
            pollfd pf{fd_, POLLIN, 0};
            int r = ::poll(&pf, 1, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR) continue;
            if (r != 1) return false;
            ssize_t k = ::read(fd_, into + got, n - got);
            if (k <= 0) return false;
            got += static_cast<std::size_t>(k);
        }
        return true;
    };
    char c = 0;
    if (!read_bytes(&c, 1)) return {};
    p.push_back(c);
    std::size_t len = 0;
    for (int shift = 0; shift < 28; shift += 7) {
        if (!read_bytes(&c, 1)) return {};
        p.push_back(c);
        len |= static_cast<std::size_t>(c & 0x7f) << shift;
        if (!(c & 0x80)) break;
    }
    std::string body(len, '\0');
    if (len > 0 && !read_bytes(body.data(), len)) return {};
    return p + body;
}

std::string wire::read_until(int type) {
    while (true) {
        std::string p = read();
        if (p.empty() || type_of(p) == type) return p;
        if (type_of(p) == PINGREQ) send(packet(PINGRESP << 4, {}));
    }
}

bool wire::read_connect() {
    if (version_ != 0) return true;
    std::string p = read();
    if (type_of(p) != CONNECT) return false;
    // Protocol name ("MQTT" or "MQIsdp"), level, flags, keep alive, (v5) properties, client id.
    const std::size_t at = body_start(p);
    const int name_len = read_u16(p, at);
    const std::size_t level_at = at + 2 + static_cast<std::size_t>(std::max(0, name_len));
    version_ = level_at < p.size() ? static_cast<unsigned char>(p[level_at]) : 0;
    std::size_t id_at = level_at + 4;
    if (version_ == 5) id_at = skip_properties(p, id_at);
    if (const int id_len = read_u16(p, id_at); id_len >= 0)
        client_id_ = p.substr(id_at + 2, static_cast<std::size_t>(id_len));
    return true;
}

bool wire::accept() {
    if (!read_connect()) return false;
    answered_connect_ = true;
    send(connack(0));
    return true;
}

void wire::send(const std::string& bytes) {
    send_raw(mutator_ ? mutator_->apply(bytes) : bytes);
}

void wire::send_raw(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;  // the client went: the script goes on as if it had sent
        sent += static_cast<std::size_t>(n);
    }
}

void wire::reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::shutdown(fd_, SHUT_RDWR);
}

void wire::close() {
    ::shutdown(fd_, SHUT_RDWR);
}

std::string wire::connack(int code) const {
    return v5() ? packet(CONNACK << 4, std::string{0, static_cast<char>(code), 0})
                : packet(CONNACK << 4, std::string{0, static_cast<char>(code)});
}

std::string wire::ack(int type, int mid, int rc) const {
    const int flags = type == PUBREL ? 2 : 0;
    if (v5() && rc != 0) return packet(type << 4 | flags, u16(mid) + std::string{static_cast<char>(rc), 0});
    return packet(type << 4 | flags, u16(mid));
}

std::string wire::publish(const std::string& topic, const std::string& payload, int qos, int mid,
                          const std::string& props) const {
    std::string body = mqtt_string(topic);
    if (qos > 0) body += u16(mid);
    if (v5()) body += varint(props.size()) + props;
    return packet(PUBLISH << 4 | qos << 1, body + payload);
}

std::string wire::suback(int mid, const std::string& codes) const {
    return packet(SUBACK << 4, u16(mid) + (v5() ? std::string(1, '\0') : std::string()) + codes);
}

std::string wire::disconnect(int rc) const {
    return v5() ? packet(DISCONNECT << 4, std::string{static_cast<char>(rc), 0}) : packet(DISCONNECT << 4, {});
}

std::string wire::answer(const std::string& p) const {
    switch (type_of(p)) {
        case CONNECT:
            return connack(0);
        case PUBLISH:
            if (qos_of(p) == 1) return ack(PUBACK, packet_id(p));
            if (qos_of(p) == 2) return ack(PUBREC, packet_id(p));
            return {};
        case PUBREC:
            return ack(PUBREL, packet_id(p));
        case PUBREL:
            return ack(PUBCOMP, packet_id(p));
        case SUBSCRIBE: {
            std::string codes;
            for (const auto& f : subscribe_filters(p, v5())) codes.push_back(static_cast<char>(f.second));
            return suback(packet_id(p), codes);
        }
        case UNSUBSCRIBE: {
            std::size_t at = body_start(p) + 2;
            if (v5()) at = skip_properties(p, at);
            std::string codes;
            while (at + 2 <= p.size()) {
                at += 2 + static_cast<std::size_t>(read_u16(p, at));
                codes.push_back('\0');
            }
            return packet(UNSUBACK << 4, u16(packet_id(p)) + (v5() ? std::string(1, '\0') + codes : std::string()));
        }
        case PINGREQ:
            return packet(PINGRESP << 4, {});
        default:
            return {};
    }
}

void wire::behave(const twists& t) {
    // A CONNECT already read (read_connect) is answered first.
    std::string p;
    if (version_ != 0 && !answered_connect_) p = packet(CONNECT << 4, {});
    const auto wait = t.give_up_after.count() > 0 ? t.give_up_after : std::chrono::milliseconds(60000);
    while (true) {
        if (p.empty()) p = read(wait);
        if (p.empty()) {
            if (t.give_up_after.count() > 0) close();
            break;
        }
        if (type_of(p) == DISCONNECT) break;
        if (type_of(p) == CONNECT && version_ == 0) {
            // behave() without read_connect(): learn the version from this CONNECT.
            const std::size_t at = body_start(p);
            const std::size_t level_at = at + 2 + static_cast<std::size_t>(std::max(0, read_u16(p, at)));
            version_ = level_at < p.size() ? static_cast<unsigned char>(p[level_at]) : 4;
        }
        if (type_of(p) == CONNECT) answered_connect_ = true;
        if (!t.on_packet || !t.on_packet(*this, p)) {
            send(answer(p));
            if (type_of(p) == SUBSCRIBE && t.deliver_after_suback) {
                const auto filters = subscribe_filters(p, v5());
                if (!filters.empty() && filters[0].first.rfind("$", 0) != 0) {
                    std::string topic = filters[0].first;
                    if (topic.find_first_of("+#") != std::string::npos) topic = "t";
                    send(publish(topic, "x", filters[0].second, next_mid_++));
                }
            }
        }
        p.clear();
    }
    if (mutator_) send_raw(mutator_->flush());
}

void wire::ignore() {
    char buf[4096];
    while (true) {  // until the client closes (or the scripted_broker's destructor shuts the socket)
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno != EINTR)) return;
    }
}

// ---- scripted_broker -------------------------------------------------------------------------

scripted_broker::scripted_broker(script s) : script_(std::move(s)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 16) != 0)
        throw std::runtime_error("scripted_broker: cannot listen on 127.0.0.1");
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
}

scripted_broker::~scripted_broker() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();  // no new workers after this
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& w : workers_) w.join();
    ::close(listener_);
}

void scripted_broker::serve() {
    while (!stopping_) {
        pollfd pf{listener_, POLLIN, 0};
        if (::poll(&pf, 1, 100) != 1) continue;
        const int c = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) {
            ::close(c);
            break;
        }
        open_.push_back(c);
        ++connections_;
        workers_.emplace_back([this, c] { serve_one(c); });
    }
}

void scripted_broker::serve_one(int c) {
    wire w(c);
    if (!stopping_) script_(w);
    if (!stopping_) w.ignore();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        open_.erase(std::find(open_.begin(), open_.end(), c));
    }
    ::close(c);
}

}  // namespace mqkit::test
