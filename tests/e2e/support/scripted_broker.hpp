// A scripted MQTT server for the misbehaving-broker tests: it accepts connections on a free loopback
// port and answers each one as its script says, including answers no conforming broker would give.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mqkit::test {

/// MQTT control packet types (the fixed header's high nibble).
enum packet_type : int {
    CONNECT = 1, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK,
    UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH
};

/// A packet: `header` (type << 4 | flags), then `body` behind its remaining length.
std::string packet(int header, const std::string& body);
/// A two-byte big-endian integer (packet ids, string lengths).
std::string u16(int value);
/// A string as MQTT writes it: its length, then its bytes.
std::string mqtt_string(const std::string& s);

/// One accepted connection, as the script sees it.
class wire {
public:
    explicit wire(int fd) : fd_(fd) {}
    /// The next whole packet, or "" on end of stream, error or `timeout`.
    std::string read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Reads packets until one of `type` comes and returns it; "" if the stream ends first.
    /// PINGREQs on the way are answered.
    std::string read_until(int type);
    /// Reads the CONNECT (remembering its protocol level); false if the first packet is not one.
    bool read_connect();
    /// Reads the CONNECT and answers it with an accepting CONNACK of its protocol level.
    bool accept();
    void send(const std::string& bytes);
    /// Closes the connection with a TCP reset (SO_LINGER 0).
    void reset();
    /// Plays a conforming broker until the client goes: CONNACKs, SUBACKs (granting what was
    /// asked), PUBACK/PUBREC/PUBCOMP for the client's publishes, PINGRESP, UNSUBACK.
    void behave();
    /// Reads and ignores everything until the client goes (not even PINGREQ is answered).
    void ignore();
    /// 5 for an MQTT v5 CONNECT, 4 for 3.1.1, 3 for 3.1 (0 before read_connect()).
    int version() const { return version_; }
    bool v5() const { return version_ == 5; }
    int fd() const { return fd_; }

    /// The answer a conforming broker gives to `p` ("" for none): CONNACK, SUBACK, PUBACK, ...
    std::string answer(const std::string& p) const;
    /// CONNACK with `code`, in this connection's protocol version.
    std::string connack(int code = 0) const;
    /// PUBACK/PUBREC/PUBREL/PUBCOMP (`type`) for packet id `mid` (v5: with reason code `rc`).
    std::string ack(int type, int mid, int rc = 0) const;
    /// A PUBLISH of `payload` to `topic` at `qos` (packet id `mid` for QoS 1/2; v5: `props`).
    std::string publish(const std::string& topic, const std::string& payload, int qos = 0, int mid = 1,
                        const std::string& props = {}) const;

private:
    int fd_;
    int version_ = 0;
};

/// The packet id of a PUBLISH (0 at QoS 0), SUBSCRIBE or acknowledgement.
int packet_id(const std::string& p);
/// The QoS of a PUBLISH.
inline int qos_of(const std::string& p) {
    return p.empty() ? 0 : (static_cast<unsigned char>(p[0]) >> 1) & 3;
}
/// The type of a packet (its header's high nibble), 0 for "".
inline int type_of(const std::string& p) {
    return p.empty() ? 0 : static_cast<unsigned char>(p[0]) >> 4;
}

/// Listens on 127.0.0.1:port() and runs `script` for every connection, one at a time, in a thread
/// of its own. When the script returns, the connection is drained until the client closes it. The
/// destructor ends the wait for clients and every connection still open.
class scripted_broker {
public:
    using script = std::function<void(wire&)>;
    explicit scripted_broker(script s);
    ~scripted_broker();
    scripted_broker(const scripted_broker&) = delete;
    scripted_broker& operator=(const scripted_broker&) = delete;

    int port() const { return port_; }
    /// Connections accepted so far.
    int connections() const { return connections_.load(); }

private:
    void serve();

    script script_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<int> connections_{0};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    int current_ = -1;  // the connection being served; guarded by mutex_
    std::thread thread_;
};

}  // namespace mqkit::test
