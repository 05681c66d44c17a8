// A scripted MQTT server for the misbehaving-broker tests: it accepts connections on a free loopback
// port and answers each one as its script says, including answers no conforming broker would give.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace mqkit::test {

/// MQTT control packet types (the fixed header's high nibble).
enum packet_type : int {
    CONNECT = 1,
    CONNACK,
    PUBLISH,
    PUBACK,
    PUBREC,
    PUBREL,
    PUBCOMP,
    SUBSCRIBE,
    SUBACK,
    UNSUBSCRIBE,
    UNSUBACK,
    PINGREQ,
    PINGRESP,
    DISCONNECT,
    AUTH
};

/// A packet: `header` (type << 4 | flags), then `body` behind its remaining length.
std::string packet(int header, const std::string& body);
/// A two-byte big-endian integer (packet ids, string lengths).
std::string u16(int value);
/// A string as MQTT writes it: its length, then its bytes.
std::string mqtt_string(const std::string& s);
/// MQTT's variable byte integer (remaining lengths, property lengths).
std::string varint(std::size_t value);

/// Changes what a conforming script sends, for the randomised pass: each packet about to be sent
/// may be bit-flipped, truncated, duplicated, held back behind the next one, or dropped. Seeded:
/// the same seed gives the same changes to the same packets.
class mutator {
public:
    explicit mutator(std::uint64_t seed, double rate = 0.5) : rng_(seed), rate_(rate) {}
    /// What to write instead of `p` (maybe nothing, maybe more than one packet).
    std::string apply(const std::string& p);
    /// What was held back and not yet sent (written when the script ends).
    std::string flush();
    /// One line per change made, for the failure report.
    std::vector<std::string> log() const;

private:
    mutable std::mutex mutex_;
    std::mt19937_64 rng_;
    double rate_;
    std::string held_;
    std::vector<std::string> log_;
};

/// One accepted connection, as the script sees it.
class wire {
public:
    explicit wire(int fd) : fd_(fd) {}
    /// The next whole packet, or "" on end of stream, error or `timeout`.
    std::string read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Reads packets until one of `type` comes and returns it; "" if the stream ends first.
    /// PINGREQs on the way are answered.
    std::string read_until(int type);
    /// Reads the CONNECT (remembering its protocol level and client id); false if the first packet
    /// is not one. Once it has been read, returns true at once.
    bool read_connect();
    /// Reads the CONNECT and answers it with an accepting CONNACK of its protocol level.
    bool accept();
    /// Writes `bytes` (through the mutator, if one is set).
    void send(const std::string& bytes);
    /// Writes `bytes` as they are, past any mutator.
    void send_raw(const std::string& bytes);
    /// Closes the connection with a TCP reset (SO_LINGER 0).
    void reset();
    /// Closes the connection in order (FIN); nothing more is read from it.
    void close();
    /// What behave() does differently from a conforming broker.
    struct twists {
        /// Called for each packet from the client (CONNECT included) before the conforming answer;
        /// return true when it has answered (or chosen not to), false for the conforming answer.
        std::function<bool(wire&, const std::string&)> on_packet;
        /// After a SUBACK, publish one message to the first filter (a wildcard one gets topic
        /// "t"), at the granted QoS: what a retained message would bring. Lets `mqsub -C 1` end.
        bool deliver_after_suback = true;
        /// End the connection (FIN) once the client has said nothing for this long; 0 = never.
        std::chrono::milliseconds give_up_after{0};
    };
    /// Plays a conforming broker until the client goes: CONNACKs, SUBACKs (granting what was
    /// asked), PUBACK/PUBREC/PUBCOMP for the client's publishes, PUBREL for its PUBRECs,
    /// PINGRESP, UNSUBACK; with `t`'s changes.
    void behave(const twists& t);
    void behave() { behave(twists{}); }
    /// Reads and ignores everything until the client goes (not even PINGREQ is answered).
    void ignore();
    /// 5 for an MQTT v5 CONNECT, 4 for 3.1.1, 3 for 3.1 (0 before read_connect()).
    int version() const { return version_; }
    bool v5() const { return version_ == 5; }
    /// The client id of the CONNECT ("" before read_connect()).
    const std::string& client_id() const { return client_id_; }
    int fd() const { return fd_; }
    /// Sends every later packet through `m` (nullptr: none).
    void set_mutator(mutator* m) { mutator_ = m; }

    /// The answer a conforming broker gives to `p` ("" for none): CONNACK, SUBACK, PUBACK, ...
    std::string answer(const std::string& p) const;
    /// CONNACK with `code`, in this connection's protocol version.
    std::string connack(int code = 0) const;
    /// PUBACK/PUBREC/PUBREL/PUBCOMP (`type`) for packet id `mid` (v5: with reason code `rc`).
    std::string ack(int type, int mid, int rc = 0) const;
    /// A PUBLISH of `payload` to `topic` at `qos` (packet id `mid` for QoS 1/2; v5: `props`).
    std::string publish(const std::string& topic, const std::string& payload, int qos = 0, int mid = 1,
                        const std::string& props = {}) const;
    /// SUBACK for packet id `mid` with `codes`, one byte each.
    std::string suback(int mid, const std::string& codes) const;
    /// A server DISCONNECT (MQTT v5: with reason code `rc`; 3.1.1 has none, so none is written).
    std::string disconnect(int rc = 0) const;

private:
    int fd_;
    int version_ = 0;
    std::string client_id_;
    bool answered_connect_ = false;  // accept() or behave() answered the CONNECT
    mutator* mutator_ = nullptr;
    int next_mid_ = 1;
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
/// The topic filters of a SUBSCRIBE, with the QoS asked for each.
std::vector<std::pair<std::string, int>> subscribe_filters(const std::string& p, bool v5);

/// Listens on 127.0.0.1:port() and runs `script` for every connection, each in a thread of its
/// own (mqbench keeps a second connection open beside its client's). When the script returns, the
/// connection is drained until the client closes it. The destructor ends the wait for clients and
/// every connection still open.
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
    void serve_one(int fd);

    script script_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<int> connections_{0};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::vector<int> open_;             // connections being served; guarded by mutex_
    std::vector<std::thread> workers_;  // guarded by mutex_
    std::thread thread_;
};

}  // namespace mqkit::test
