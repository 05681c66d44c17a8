// End-to-end fault tests: broker restarts, silent and vanishing brokers, slow readers and signals.
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

using mqkit::test::with_port;  // and, for a port alone:

args with_port(int port, args a) {
    a.insert(a.begin(), {"-h", "127.0.0.1", "-p", std::to_string(port)});
    return a;
}

std::string numbered_lines(int from, int to) {
    std::string s;
    for (int i = from; i <= to; ++i) s += "line " + std::to_string(i) + "\n";
    return s;
}

/// How often each "line N" appears in `out`.
std::map<int, int> line_counts(const std::string& out) {
    std::map<int, int> counts;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("line ", 0) == 0) ++counts[std::stoi(line.substr(5))];
    return counts;
}

/// A loopback TCP listener that never answers: the kernel completes the TCP handshake, nobody
/// reads. Stands in for a broker that accepts connections but never sends CONNACK.
class silent_listener {
public:
    silent_listener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 8) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~silent_listener() {
        for (int c : accepted_) ::close(c);
        ::close(fd_);
    }
    int port() const { return port_; }
    int fd() const { return fd_; }
    /// Waits for a client's TCP connection and takes it (still never answering); false on timeout.
    bool accept_one(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
        const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) accepted_.push_back(c);
        return c >= 0;
    }

private:
    int fd_ = -1;
    int port_ = 0;
    std::vector<int> accepted_;
};

/// Reads one MQTT packet (fixed header, remaining length, body) from fd; false on EOF/timeout.
bool read_packet(int fd, std::string& packet) {
    packet.clear();
    auto read_byte = [&](unsigned char& c) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 10000) != 1) return false;
        return ::read(fd, &c, 1) == 1;
    };
    unsigned char c = 0;
    if (!read_byte(c)) return false;
    packet.push_back(static_cast<char>(c));
    std::size_t len = 0;
    for (int shift = 0; shift < 28; shift += 7) {
        if (!read_byte(c)) return false;
        packet.push_back(static_cast<char>(c));
        len |= static_cast<std::size_t>(c & 0x7f) << shift;
        if (!(c & 0x80)) break;
    }
    for (std::size_t i = 0; i < len; ++i) {
        if (!read_byte(c)) return false;
        packet.push_back(static_cast<char>(c));
    }
    return true;
}

/// Accepts one client on `listener` and answers its CONNECT with CONNACK (accepted). Returns the
/// connection, or -1 if none came or its first packet was not CONNECT (that connection is closed).
int accept_with_connack(int listener) {
    int c = ::accept(listener, nullptr, nullptr);
    if (c < 0) return -1;
    std::string p;
    if (!read_packet(c, p) || (p[0] & 0xf0) != 0x10) {
        ::close(c);
        return -1;
    }
    const char connack[] = {0x20, 0x02, 0x00, 0x00};
    (void)!::write(c, connack, sizeof connack);
    return c;
}

/// A one-connection fake broker: accepts, answers CONNACK, reads until the first PUBLISH, then
/// closes the connection and stops listening (so reconnects are refused).
class vanishing_broker {
public:
    vanishing_broker() {
        thread_ = std::thread([this] {
            int c = accept_with_connack(listener_.fd());
            std::string p;
            while (c >= 0 && read_packet(c, p))
                if ((p[0] & 0xf0) == 0x30) {
                    saw_publish_ = true;
                    break;
                }
            ::shutdown(listener_.fd(), SHUT_RDWR);
            if (c >= 0) ::close(c);
        });
    }
    ~vanishing_broker() { thread_.join(); }
    int port() const { return listener_.port(); }
    bool saw_publish() const { return saw_publish_; }

private:
    silent_listener listener_;
    std::atomic<bool> saw_publish_{false};
    std::thread thread_;
};

/// A one-connection fake broker that answers CONNECT with CONNACK and then never answers again:
/// a SUBSCRIBE gets no SUBACK. Reads (and drops) what the client sends until it goes away.
class mute_after_connack {
public:
    mute_after_connack() {
        thread_ = std::thread([this] {
            int c = accept_with_connack(listener_.fd());
            if (c < 0) return;
            std::string p;
            while (read_packet(c, p))
                if ((p[0] & 0xf0) == 0x80) {
                    std::lock_guard<std::mutex> lock(mutex_);
                    saw_subscribe_ = true;
                    cv_.notify_all();
                }
            ::close(c);
        });
    }
    ~mute_after_connack() {
        ::shutdown(listener_.fd(), SHUT_RDWR);
        thread_.join();
    }
    int port() const { return listener_.port(); }
    /// Waits until the client's SUBSCRIBE has arrived; false on timeout.
    bool wait_for_subscribe(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, timeout, [this] { return saw_subscribe_; });
    }

private:
    silent_listener listener_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool saw_subscribe_ = false;
    std::thread thread_;
};

/// Reads whole MQTT packets from a socket through a buffer (fast enough for multi-MiB PUBLISHes).
class packet_reader {
public:
    explicit packet_reader(int fd) : fd_(fd) {}
    /// The next packet, fixed header included; false on EOF, an error or 10 s without data.
    bool next(std::string& packet) {
        std::size_t header = 1;
        std::size_t length = 0;
        for (int shift = 0;; shift += 7) {
            if (!fill(header + 1)) return false;
            const auto c = static_cast<unsigned char>(buffer_[header++]);
            length |= static_cast<std::size_t>(c & 0x7f) << shift;
            if (!(c & 0x80) || shift >= 21) break;
        }
        if (!fill(header + length)) return false;
        packet = buffer_.substr(0, header + length);
        buffer_.erase(0, header + length);
        return true;
    }

private:
    bool fill(std::size_t n) {
        char chunk[65536];
        while (buffer_.size() < n) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 10000) != 1) return false;
            const ssize_t got = ::read(fd_, chunk, sizeof chunk);
            if (got <= 0) return false;
            buffer_.append(chunk, static_cast<std::size_t>(got));
        }
        return true;
    }

    int fd_;
    std::string buffer_;
};

/// Where a packet's variable header starts (after the fixed header and its remaining length).
std::size_t body_of(const std::string& packet) {
    std::size_t at = 1;
    while (static_cast<unsigned char>(packet[at]) & 0x80) ++at;
    return at + 1;
}

/// A fake MQTT 3.1.1 broker that resets its first connection behind the client's back: it acknowledges
/// the first PUBLISH, sends 100,000 PINGRESPs, which keep the client's receive thread busy for a good
/// while, and resets the connection (RST). Until that thread gets through them, the client learns of
/// the reset only by writing. Later connections get CONNACK with "session present" when the client
/// keeps its session, and a PUBACK for every QoS 1 PUBLISH; their topics and payloads are kept.
class resetting_broker {
public:
    resetting_broker() {
        thread_ = std::thread([this] {
            for (bool first = true;; first = false) {
                int c = ::accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0) return;
                serve(c, first);
                ::close(c);
                if (first) {
                    std::lock_guard<std::mutex> lock(mutex_);
                    reset_ = true;
                    changed_.notify_all();
                }
            }
        });
    }
    ~resetting_broker() {
        ::shutdown(listener_.fd(), SHUT_RDWR);
        thread_.join();
    }
    int port() const { return listener_.port(); }
    /// True once the first connection has been reset.
    bool wait_reset(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return reset_; });
    }
    /// "topic payload" of every PUBLISH received, in order.
    std::vector<std::string> publishes() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return publishes_;
    }

private:
    // Reads a PUBLISH, keeps "topic payload" and answers PUBACK (QoS 1); false on a write error.
    bool acknowledge(int c, const std::string& p) {
        std::size_t at = body_of(p);
        const std::size_t topic = (static_cast<unsigned char>(p[at]) << 8) | static_cast<unsigned char>(p[at + 1]);
        const char puback[] = {0x40, 0x02, p[at + 2 + topic], p[at + 3 + topic]};  // the packet id follows the topic
        {
            std::lock_guard<std::mutex> lock(mutex_);
            publishes_.push_back(p.substr(at + 2, topic) + " " + p.substr(at + 4 + topic));
        }
        return ::write(c, puback, sizeof puback) == sizeof puback;
    }

    void serve(int c, bool first) {
        packet_reader in(c);
        std::string p;
        if (!in.next(p) || (p[0] & 0xf0) != 0x10) return;
        const bool clean = p[body_of(p) + 7] & 0x02;  // after "\0\4MQTT" and the protocol level
        const char connack[] = {0x20, 0x02, static_cast<char>(!first && !clean ? 1 : 0), 0x00};
        if (::write(c, connack, sizeof connack) != sizeof connack) return;
        if (first) {
            if (!in.next(p) || (p[0] & 0xf0) != 0x30 || !acknowledge(c, p)) return;
            std::string pingresps;
            for (int i = 0; i < 100000; ++i) pingresps += std::string{static_cast<char>(0xd0), 0x00};
            for (std::size_t at = 0; at < pingresps.size();) {
                const ssize_t n = ::write(c, pingresps.data() + at, pingresps.size() - at);
                if (n <= 0) return;
                at += static_cast<std::size_t>(n);
            }
            const linger reset{1, 0};
            ::setsockopt(c, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
            return;  // closed by the caller: RST
        }
        while (in.next(p)) {
            const int type = static_cast<unsigned char>(p[0]) >> 4;
            if (type == 14) return;  // DISCONNECT
            if (type == 12) {        // PINGREQ
                const char pingresp[] = {static_cast<char>(0xd0), 0x00};
                if (::write(c, pingresp, sizeof pingresp) != sizeof pingresp) return;
            }
            if (type == 3 && !acknowledge(c, p)) return;
        }
    }

    silent_listener listener_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool reset_ = false;
    std::vector<std::string> publishes_;
    std::thread thread_;
};

long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

/// Streams 50,000 lines through mqpub -l while the broker is stopped for 2 s and started again.
void stream_across_restart(const std::string& qos, const std::string& version = "311") {
    broker_options opts;
    opts.persistence = true;
    opts.extra_config = "max_queued_messages 0\n";  // keep every message for the persistent subscriber
    opts.no_inflight_quota = true;
    broker b(opts);
    const int total = 50000;
    auto sub = start_sub(b, "keeper" + qos, {"-t", "stream", "-q", qos, "-c", "-V", version});
    background_process pub(tool("mqpub"), with_port(b, {"-t", "stream", "-l", "-q", qos, "-i", "streamer", "-V",
                                                        version, "--max-reconnect-wait", "1"}));
    // In chunks: each write may wait for mqpub (10 s per chunk), which reads no input while reconnecting.
    auto feed = [&](int from, int to) {
        for (int i = from; i <= to; i += 1000) pub.write_stdin(numbered_lines(i, std::min(to, i + 999)));
    };
    feed(1, total / 2);
    REQUIRE(sub->wait_for_lines(1000, 30s));
    b.stop();
    std::this_thread::sleep_for(2s);  // the outage itself, not a synchronisation
    b.start();
    feed(total / 2 + 1, total);
    pub.close_stdin();
    auto r = pub.wait(45s);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    // The end marker follows every acknowledged line through the broker's queue for the subscriber,
    // at the stream's QoS: a QoS 2 message is handed to mqsub when its PUBREL arrives, a round trip
    // after its PUBLISH, so a QoS 1 marker overtook every QoS 2 line not yet released (under load,
    // thousands: the "missing" tail of 3,213 and 3,217 lines in two ASan runs).
    REQUIRE(run_tool(tool("mqpub"), with_port(b, {"-t", "stream", "-q", qos, "-m", "END"})).exit_code == 0);
    REQUIRE(sub->wait_for_output("END\n", 45s));
    auto counts = line_counts(sub->out());
    int missing = 0;
    int duplicates = 0;
    std::vector<std::pair<int, int>> gaps;  // runs of missing lines: a hole, or a tail not yet printed
    for (int i = 1; i <= total; ++i) {
        auto it = counts.find(i);
        if (it != counts.end()) {
            duplicates += it->second - 1;
            continue;
        }
        ++missing;
        if (!gaps.empty() && gaps.back().second == i - 1)
            gaps.back().second = i;
        else
            gaps.emplace_back(i, i);
    }
    std::string gap_list;
    for (std::size_t g = 0; g < gaps.size() && g < 20; ++g)
        gap_list += std::to_string(gaps[g].first) + "-" + std::to_string(gaps[g].second) + " ";
    std::string dup_list;
    for (auto [n, k] : counts)
        if (k > 1 && dup_list.size() < 400) dup_list += std::to_string(n) + "x" + std::to_string(k) + " ";
    INFO("QoS " << qos << ": " << missing << " lines missing (" << gap_list << "), " << duplicates
                << " duplicates: " << dup_list);
    CHECK(missing == 0);
    // What mqpub sent: the broker forwards each message it accepted once as a new (d0) PUBLISH.
    const std::string log = b.log();
    const int forwarded = count_of(log, "Sending PUBLISH to keeper" + qos + " (d0");
    const int resent = count_of(log, "Sending PUBLISH to keeper" + qos + " (d1");
    INFO("the broker forwarded " << forwarded << " new messages and re-sent " << resent);
    if (qos == "2") {
        // Exactly once from mqpub to the broker (the end marker is one more).
        CHECK(forwarded == total + 1);
        // mosquitto 2.0.11 re-sends PUBLISH after a restart even for QoS 2 messages it had already
        // released to the subscriber with PUBREL (MQTT 3.1.1 section 4.3.3 forbids it), so the
        // subscriber may see those twice; every duplicate must be such a broker re-send.
        CHECK(duplicates <= resent);
    }
    WARN("QoS " << qos << " across a broker restart: " << duplicates << " duplicate deliveries, " << resent
                << " PUBLISH re-sent by the broker after its restart");
    if (version == "5") {
        // mqpub kept a session for the reconnect (clean start off); its DISCONNECT ended it.
        CHECK(b.log().find("as streamer (p5, c0") != std::string::npos);
    } else {
        // mqpub kept a session for the reconnect (c0) and deleted it at the end (a clean connect, c1).
        CHECK(b.log().find("as streamer (p2, c0") != std::string::npos);
        CHECK(b.wait_for_log("as streamer (p2, c1", 5s));
    }
}

// Sends SIGTERM to `pid` and reaps it; true if it exited within 5 s (else it is SIGKILLed).
bool terminate_within_5s(pid_t pid, int& status) {
    ::kill(pid, SIGTERM);
    bool exited = false;
    for (int i = 0; i < 100 && !exited; ++i) {
        exited = ::waitpid(pid, &status, WNOHANG) == pid;
        if (!exited) std::this_thread::sleep_for(50ms);
    }
    if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    return exited;
}

}  // namespace

TEST_CASE("mqpub -l -q 1 delivers every line across a broker restart", "[e2e][faults][restart]") {
    stream_across_restart("1");
}

TEST_CASE("mqpub -V 5 -l -q 1 delivers every line across a broker restart", "[e2e][faults][restart]") {
    stream_across_restart("1", "5");
}

TEST_CASE("mqpub -l -q 2 delivers every line exactly once across a broker restart", "[e2e][faults][restart]") {
    stream_across_restart("2");
}

TEST_CASE("mqsub -c resumes its session and gets what was published while it was away", "[e2e][faults][restart]") {
    broker_options opts;
    opts.persistence = true;
    broker b(opts);
    auto sub = start_sub(b, "returner", {"-t", "away/#", "-q", "1", "-c", "-v"});
    REQUIRE(run_tool(tool("mqpub"), with_port(b, {"-t", "away/before", "-q", "1", "-m", "0"})).exit_code == 0);
    REQUIRE(sub->wait_for_lines(1, 10s));
    b.stop();
    b.start();
    // mqsub is still waiting for its next reconnect attempt (1 s after the loss at the earliest).
    for (int i = 1; i <= 100; ++i)
        REQUIRE(run_tool(tool("mqpub"), with_port(b, {"-t", "away/during", "-q", "1", "-m", std::to_string(i)}))
                    .exit_code == 0);
    REQUIRE(sub->wait_for_lines(101, 30s));
    std::string expected = "away/before 0\n";
    for (int i = 1; i <= 100; ++i) expected += "away/during " + std::to_string(i) + "\n";
    CHECK(sub->out() == expected);
    sub->signal(SIGINT);
    CHECK(sub->wait(10s).exit_code == 130);
}

TEST_CASE("a broker that accepts TCP but never answers CONNECT: a clear error, no hang", "[e2e][faults]") {
    silent_listener silent;
    auto start = std::chrono::steady_clock::now();
    // Both tools at once: each waits out the same 10 s connect timeout.
    background_process pub(tool("mqpub"), with_port(silent.port(), {"-t", "a", "-m", "x"}));
    background_process sub(tool("mqsub"), with_port(silent.port(), {"-t", "a"}));
    for (auto* p : {&pub, &sub}) {
        auto r = p->wait(30s);
        INFO(describe(r));
        CHECK_FALSE(r.timed_out);
        CHECK(r.exit_code == 7);  // as mosquitto's clients: the connection was lost
        CHECK(r.err.find("did not answer the MQTT CONNECT within 10 s") != std::string::npos);
    }
    CHECK(std::chrono::steady_clock::now() - start < 25s);
}

TEST_CASE("a broker that never sends SUBACK: -W still ends mqsub (27), and so do SIGINT/SIGTERM (130/143)",
          "[e2e][faults][signals]") {
    using clock = std::chrono::steady_clock;
    SECTION("-W 1 against a broker that never answers CONNECT, then one that never answers SUBSCRIBE") {
        silent_listener silent;
        auto start = clock::now();
        auto r = run_tool(tool("mqsub"), with_port(silent.port(), {"-t", "a", "-W", "1"}), {}, 20s);
        INFO(describe(r));
        CHECK(r.exit_code == 27);
        CHECK(r.err == "mqsub: error: timed out after 1 s (-W)\n");
        CHECK(clock::now() - start < 5s);  // not the 10 s connect timeout

        mute_after_connack mute;
        start = clock::now();
        r = run_tool(tool("mqsub"), with_port(mute.port(), {"-t", "a", "-W", "1"}), {}, 20s);
        INFO(describe(r));
        CHECK(mute.wait_for_subscribe(0ms));
        CHECK(r.exit_code == 27);
        CHECK(r.err == "mqsub: error: timed out after 1 s (-W)\n");
        CHECK(clock::now() - start < 5s);
    }
    SECTION("a signal while waiting for SUBACK") {
        for (auto [sig, code, name] :
             {std::tuple{SIGINT, 130, "interrupted"}, std::tuple{SIGTERM, 143, "terminated"}}) {
            mute_after_connack mute;
            background_process p(tool("mqsub"), with_port(mute.port(), {"-t", "a"}));
            REQUIRE(mute.wait_for_subscribe(10s));
            const auto signalled = clock::now();
            p.signal(sig);
            auto r = p.wait(20s);
            INFO(name << ": " << describe(r));
            CHECK(r.exit_code == code);
            CHECK(clock::now() - signalled < 3s);
            CHECK(r.err == std::string("mqsub: error: ") + name +
                               " while waiting for SUBACK from 127.0.0.1:" + std::to_string(mute.port()) + "\n");
        }
    }
}

TEST_CASE("SIGINT or SIGTERM while waiting for CONNACK ends a tool at once, exit 130 or 143",
          "[e2e][faults][signals]") {
    using clock = std::chrono::steady_clock;
    const args tspub_args{"--no-tls", "--channel",      "1", "-i",      "dev", "-u", "dev", "-P",
                          "pw",       "--min-interval", "0", "field1=1"};
    for (auto [sig, code, name] : {std::tuple{SIGINT, 130, "interrupted"}, std::tuple{SIGTERM, 143, "terminated"}}) {
        for (const auto& [exe, a] :
             {std::pair{std::string("mqpub"), args{"-t", "a", "-m", "x"}},
              std::pair{std::string("mqsub"), args{"-t", "a"}}, std::pair{std::string("tspub"), tspub_args},
              std::pair{std::string("mqbench"), args{"-c", "1", "-n", "1", "--no-progress"}}}) {
            silent_listener silent;
            args full = with_port(silent.port(), a);
            if (exe == "mqbench") full.insert(full.begin(), "pub");
            background_process p(tool(exe), full);
            REQUIRE(silent.accept_one(10s));  // its TCP connection: now it waits for a CONNACK that never comes
            const auto signalled = clock::now();
            p.signal(sig);
            auto r = p.wait(20s);
            const auto took = clock::now() - signalled;
            INFO(exe << ", " << name << ": " << describe(r));
            CHECK(r.exit_code == code);
            CHECK(took < 3s);  // not the 10 s connect timeout
            if (exe == "mqpub" || exe == "mqsub")
                CHECK(r.err == exe + ": error: " + name +
                                   " while connecting to 127.0.0.1:" + std::to_string(silent.port()) + "\n");
            if (exe == "tspub") CHECK(r.err.empty());  // as for its other signal exits
        }
    }
}

TEST_CASE("a broker that closes mid-publish: the lost message is reported, exit 7", "[e2e][faults]") {
    SECTION("a single message fails at once") {
        vanishing_broker fake;
        auto r = run_tool(tool("mqpub"), with_port(fake.port(), {"-t", "a", "-m", "x", "-q", "1"}), {}, 20s);
        INFO(describe(r));
        CHECK(fake.saw_publish());
        CHECK(r.exit_code == 7);
        CHECK(r.err == "mqpub: error: 1 of 1 messages were not acknowledged: connection to 127.0.0.1:" +
                           std::to_string(fake.port()) + " lost\n");
    }
    SECTION("a stream gives up after --reconnect-timeout") {
        vanishing_broker fake;
        auto start = std::chrono::steady_clock::now();
        auto r = run_tool(tool("mqpub"),
                          with_port(fake.port(), {"-t", "a", "-l", "-q", "1", "-M", "1", "--reconnect-timeout", "2"}),
                          numbered_lines(1, 10), 20s);
        INFO(describe(r));
        CHECK(fake.saw_publish());
        CHECK(r.exit_code == 7);
        CHECK(r.err == "mqpub: error: 1 of 1 messages were not acknowledged: connection to 127.0.0.1:" +
                           std::to_string(fake.port()) + " lost and not restored within 2 s\n");
        CHECK(std::chrono::steady_clock::now() - start < 10s);
    }
    SECTION("--repeat gives up the same way") {
        vanishing_broker fake;
        auto r = run_tool(tool("mqpub"),
                          with_port(fake.port(), {"-t", "a", "-m", "x", "--repeat", "5", "-q", "2", "-M", "1",
                                                  "--reconnect-timeout", "1"}),
                          {}, 20s);
        INFO(describe(r));
        CHECK(r.exit_code == 7);
        CHECK(r.err == "mqpub: error: 1 of 1 messages were not acknowledged: connection to 127.0.0.1:" +
                           std::to_string(fake.port()) + " lost and not restored within 1 s\n");
    }
    SECTION("--reconnect-timeout 0 fails at the first lost link") {
        vanishing_broker fake;
        auto r = run_tool(tool("mqpub"),
                          with_port(fake.port(), {"-t", "a", "-l", "-q", "1", "-M", "1", "--reconnect-timeout", "0"}),
                          numbered_lines(1, 10), 20s);
        INFO(describe(r));
        CHECK(r.exit_code == 7);
        CHECK(r.err.rfind("mqpub: error: 1 of 1 messages were not acknowledged: ", 0) == 0);
    }
}

namespace {

/// mqpub -l -q 1 against a broker that resets the connection while mqpub's receive thread has not
/// yet read the reset, so that mqpub's send thread writes the next PUBLISH into the dead socket.
/// Returns mqpub's result and the PUBLISH packets the broker received ("<topic> <payload>").
std::pair<run_result, std::vector<std::string>> publish_into_reset(const env_list& env = {}) {
    resetting_broker fake;
    background_process pub(
        tool("mqpub"), with_port(fake.port(), {"-t", "cut", "-l", "-q", "1", "-i", "cut", "--max-reconnect-wait", "1"}),
        env);
    pub.write_stdin("line 1\n");
    REQUIRE(fake.wait_reset(10s));
    pub.write_stdin("line 2\nline 3\n");  // while mqpub's receive thread has not yet read the reset
    pub.close_stdin();
    auto r = pub.wait(30s);
    return {r, fake.publishes()};
}

bool all_three_intact(const std::vector<std::string>& got) {
    for (const char* expected : {"cut line 1", "cut line 2", "cut line 3"})
        if (std::count(got.begin(), got.end(), expected) < 1) return false;
    return std::count_if(got.begin(), got.end(), [](const std::string& p) { return p.rfind("cut line ", 0) != 0; }) ==
           0;
}

}  // namespace

#ifdef MQKIT_HAS_SEND_GUARD  // without it: the fault test below
TEST_CASE("mqpub -l: a QoS 1 PUBLISH written into a reset connection is sent again, intact", "[e2e][faults][reset]") {
    // Paho C 1.3 frees the topic and payload of a QoS 1/2 PUBLISH whose first write fails, but keeps
    // the message in the session and sends it again after the reconnect (mqtt/workarounds/send_guard.cpp).
    auto [r, got] = publish_into_reset();
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    std::string all;
    for (const auto& p : got) all += "[" + p + "] ";
    INFO("PUBLISH packets received: " << all);
    CHECK(all_three_intact(got));
}
#endif

TEST_CASE("Paho fault: a QoS 1 PUBLISH written into a reset connection is freed and sent again (send guard)",
          "[e2e][paho-fault]") {
    // Without the send guard, Paho C frees the PUBLISH's topic and payload when its first write
    // fails, keeps it in the session and resends it after the reconnect from freed memory: mqpub
    // reports a message lost that went out, or the broker gets a garbled one (under
    // AddressSanitizer: heap-use-after-free in MQTTPacket_send_publish). When this passes no more,
    // Paho C fixed it.
    auto [r, got] = publish_into_reset({{"MQKIT_PAHO_WORKAROUNDS", "off"}});
    std::string all;
    for (const auto& p : got) all += "[" + p + "] ";
    INFO(describe(r) << "PUBLISH packets received: " << all);
    CHECK_FALSE((r.exit_code == 0 && r.err.empty() && all_three_intact(got)));
}

#ifdef MQKIT_HAS_SEND_GUARD  // without it: test_paho_faults.cpp
TEST_CASE("mqpub -f: a large message over a slow link goes out whole and without stalling", "[e2e][faults][slow]") {
    // Paho C 1.3 continues a partly written packet only when its receive thread comes round, which
    // is up to a second apart while the broker sends nothing: a 100 MB message took 20 s on
    // loopback, and over a link that takes 8 KiB at a time 1 MiB would take minutes. On Paho's
    // threads a write waits for room and completes (lib/src/paho_send_guard.cpp). The shim gives
    // mqpub's socket a 4 KiB send buffer, as on a slow link.
    broker b;
    std::string payload(4u << 20, '\0');
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
    temp_file file(0, payload);
    auto sub = start_sub(b, "large", {"-t", "large/#", "-q", "1", "-C", "2"});
    const char* asan = std::getenv("ASAN_OPTIONS");
    const env_list slow_link = {{"LD_PRELOAD", MQKIT_SMALL_SNDBUF_SHIM},
                                {"MQKIT_TEST_SNDBUF", "4096"},
                                // A preloaded library comes before the sanitizer runtime (asan preset).
                                {"ASAN_OPTIONS", std::string(asan ? asan : "") + ":verify_asan_link_order=0"}};
    for (const char* qos : {"0", "1"}) {
        auto r =
            run_tool(tool("mqpub"), with_port(b, {"-t", std::string("large/") + qos, "-q", qos, "-f", file.path()}), {},
                     30s, slow_link);
        INFO("QoS " << qos << ": " << describe(r));
        CHECK(r.exit_code == 0);
        CHECK_FALSE(r.timed_out);
    }
    auto got = sub->wait(30s);
    CHECK(got.exit_code == 0);
    CHECK(got.out.size() == 2 * (payload.size() + 1));
    const bool both_whole = got.out == payload + "\n" + payload + "\n";  // not printed: 8 MiB
    CHECK(both_whole);
}
#endif

TEST_CASE("mqpub -l stopped by a signal with messages in flight reports them", "[e2e][faults][signals]") {
    for (auto [sig, code, name] : {std::tuple{SIGINT, 130, "interrupted"}, std::tuple{SIGTERM, 143, "terminated"}}) {
        broker b;
        background_process pub(tool("mqpub"), with_port(b, {"-t", "f", "-l", "-q", "1", "-i", "flighty", "-d"}));
        REQUIRE(b.wait_for_log("as flighty", 10s));
        ::kill(b.pid(), SIGSTOP);  // the broker stops acknowledging
        pub.write_stdin(numbered_lines(1, 100));
        bool full = pub.wait_for_output("m20, 'f'", 10s);  // the 20th PUBLISH: the -M window is full
        pub.signal(sig);
        auto r = pub.wait(10s);
        ::kill(b.pid(), SIGCONT);
        INFO(name << ": " << describe(r));
        REQUIRE(full);
        CHECK(r.exit_code == code);
        CHECK(r.err == std::string("mqpub: error: 20 of 20 messages were not acknowledged: ") + name + "\n");
        CHECK(r.out.find("sending DISCONNECT") != std::string::npos);
    }
}

TEST_CASE("mqsub with a stdout nobody reads: bounded memory, and SIGTERM still ends it", "[e2e][faults][pipe]") {
    broker b;
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    pid_t pid = spawn_process(tool("mqsub"), with_port(b, {"-t", "flood", "-i", "stuck"}), devnull, out[1], devnull);
    ::close(out[1]);
    REQUIRE(b.wait_for_log("Sending SUBACK to stuck", 10s));
    long baseline = rss_kib(pid);
    // 64 MiB at QoS 0 towards a reader that never reads.
    auto pub =
        run_tool(tool("mqpub"), with_port(b, {"-t", "flood", "-s", "--repeat", "64"}), std::string(1 << 20, 'x'), 30s);
    REQUIRE(pub.exit_code == 0);
    long peak = 0;
    for (int i = 0; i < 20; ++i) {  // watch it for a second
        peak = std::max(peak, rss_kib(pid));
        std::this_thread::sleep_for(50ms);
    }
    INFO("baseline " << baseline << " KiB, peak " << peak << " KiB");
    // The output queue holds at most 8 MiB (plus the message being added and Paho's buffers).
    CHECK(peak - baseline < 40 * 1024);
    int status = 0;
    const bool exited = terminate_within_5s(pid, status);
    ::close(out[0]);
    ::close(devnull);
    REQUIRE(exited);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 143);
}

TEST_CASE("mqsub done with -C but stuck on a reader that never reads: SIGTERM still ends it", "[e2e][faults][pipe]") {
    broker b;
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    pid_t pid =
        spawn_process(tool("mqsub"), with_port(b, {"-t", "five", "-i", "stuck5", "-C", "5"}), devnull, out[1], devnull);
    ::close(out[1]);
    REQUIRE(b.wait_for_log("Sending SUBACK to stuck5", 10s));
    // 5 MiB: all of it fits mqsub's output queue, not the 64 KiB pipe.
    REQUIRE(run_tool(tool("mqpub"), with_port(b, {"-t", "five", "-s", "--repeat", "5"}), std::string(1 << 20, 'y'), 30s)
                .exit_code == 0);
    REQUIRE(b.wait_for_log("Client stuck5 disconnected.", 10s));  // -C reached; now waiting on the pipe
    int status = 0;
    const bool exited = terminate_within_5s(pid, status);
    ::close(out[0]);
    ::close(devnull);
    REQUIRE(exited);
    CHECK(WEXITSTATUS(status) == 143);  // not 0: output was dropped
}

TEST_CASE("mqpub -d | head -n 1: the closed pipe is quiet and every message still goes out", "[e2e][faults][pipe]") {
    broker b;
    auto sub = start_sub(b, "tail", {"-t", "p", "-q", "1", "-C", "200"});
    std::string cmd = "seq 200 | " + tool("mqpub") + " -h 127.0.0.1 -p " + std::to_string(b.port()) +
                      " -t p -l -q 1 -d | head -n 1; echo \"status=${PIPESTATUS[1]}\"";
    auto r = run_tool("/bin/bash", {"-c", cmd}, {}, 20s);
    INFO(describe(r));
    CHECK(r.out.rfind("Client mqpub|", 0) == 0);
    CHECK(r.out.find("sending CONNECT\nstatus=0\n") != std::string::npos);
    CHECK(r.err.empty());
    auto s = sub->wait(15s);
    CHECK(s.exit_code == 0);
    CHECK(s.out.size() > 0);
    CHECK(std::count(s.out.begin(), s.out.end(), '\n') == 200);
}

TEST_CASE("the session a QoS 1 stream keeps is deleted at the end, also with a password", "[e2e][faults][session]") {
    broker b({{{"alice", "secret"}}, "", false});
    auto r = run_tool(tool("mqpub"), with_port(b, {"-t", "s", "-l", "-q", "1", "-i", "tidy", "-u", "alice"}), "a\nb\n",
                      20s, {{"MQKIT_PASSWORD", "secret"}});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(b.log().find("as tidy (p2, c0") != std::string::npos);
    CHECK(b.wait_for_log("as tidy (p2, c1", 5s));
    // With -c the session is the user's: kept.
    auto kept = run_tool(tool("mqpub"), with_port(b, {"-t", "s", "-l", "-q", "1", "-i", "keep", "-c", "-u", "alice"}),
                         "a\n", 20s, {{"MQKIT_PASSWORD", "secret"}});
    CHECK(kept.exit_code == 0);
    CHECK(b.wait_for_log("Client keep disconnected.", 5s));
    CHECK(b.log().find("as keep (p2, c1") == std::string::npos);
}
