#include "support/scripted_broker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace mqkit::test {

std::string packet(int header, const std::string& body) {
    std::string p(1, static_cast<char>(header));
    std::size_t n = body.size();
    do {
        unsigned char b = n % 128;
        n /= 128;
        if (n) b |= 0x80;
        p.push_back(static_cast<char>(b));
    } while (n);
    return p + body;
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

std::string wire::read(std::chrono::milliseconds timeout) {
    std::string p;
    const auto until = std::chrono::steady_clock::now() + timeout;
    auto read_byte = [&](unsigned char& c) {
        while (true) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() < 0) return false;
            pollfd pf{fd_, POLLIN, 0};
            int r = ::poll(&pf, 1, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR) continue;
            if (r != 1) return false;
            return ::read(fd_, &c, 1) == 1;
        }
    };
    unsigned char c = 0;
    if (!read_byte(c)) return {};
    p.push_back(static_cast<char>(c));
    std::size_t len = 0;
    for (int shift = 0; shift < 28; shift += 7) {
        if (!read_byte(c)) return {};
        p.push_back(static_cast<char>(c));
        len |= static_cast<std::size_t>(c & 0x7f) << shift;
        if (!(c & 0x80)) break;
    }
    std::string body(len, '\0');
    std::size_t got = 0;
    while (got < len) {
        pollfd pf{fd_, POLLIN, 0};
        if (::poll(&pf, 1, 10000) != 1) return {};
        ssize_t n = ::read(fd_, body.data() + got, len - got);
        if (n <= 0) return {};
        got += static_cast<std::size_t>(n);
    }
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
    std::string p = read();
    if (type_of(p) != CONNECT) return false;
    // Protocol name ("MQTT" or "MQIsdp"), then the level.
    const std::size_t at = body_start(p);
    const int name_len = read_u16(p, at);
    const std::size_t level_at = at + 2 + static_cast<std::size_t>(name_len);
    version_ = level_at < p.size() ? static_cast<unsigned char>(p[level_at]) : 0;
    return true;
}

bool wire::accept() {
    if (!read_connect()) return false;
    send(connack(0));
    return true;
}

void wire::send(const std::string& bytes) {
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
    if (v5()) body += std::string(1, static_cast<char>(props.size())) + props;
    return packet(PUBLISH << 4 | qos << 1, body + payload);
}

std::string wire::answer(const std::string& p) const {
    switch (type_of(p)) {
        case CONNECT:
            return connack(0);
        case PUBLISH:
            if (qos_of(p) == 1) return ack(PUBACK, packet_id(p));
            if (qos_of(p) == 2) return ack(PUBREC, packet_id(p));
            return {};
        case PUBREL:
            return ack(PUBCOMP, packet_id(p));
        case SUBSCRIBE: {
            std::size_t at = body_start(p) + 2;
            if (v5()) at = skip_properties(p, at);
            std::string codes;
            while (at + 2 < p.size()) {
                at += 2 + static_cast<std::size_t>(read_u16(p, at));
                if (at < p.size()) codes.push_back(static_cast<char>(p[at] & 3));
                ++at;
            }
            return packet(SUBACK << 4, u16(packet_id(p)) + (v5() ? std::string(1, '\0') : std::string()) + codes);
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

void wire::behave() {
    while (true) {
        std::string p = read();
        if (p.empty() || type_of(p) == DISCONNECT) return;
        send(answer(p));
    }
}

void wire::ignore() {
    while (!read().empty()) {
    }
}

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
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (current_ >= 0) ::shutdown(current_, SHUT_RDWR);
    }
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
}

void scripted_broker::serve() {
    while (!stopping_) {
        pollfd pf{listener_, POLLIN, 0};
        if (::poll(&pf, 1, 100) != 1) continue;
        const int c = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            current_ = c;
        }
        ++connections_;
        wire w(c);
        if (!stopping_) script_(w);
        if (!stopping_) w.ignore();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            current_ = -1;
        }
        ::close(c);
    }
}

}  // namespace mqkit::test
