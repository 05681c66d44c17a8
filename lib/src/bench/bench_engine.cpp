// One mqbench process's run on mqkit::lean_client: the MQTT library's two shared threads serve every
// client, and each publish carries a small slot (owner, send time) so completions cost no lookup.
#include "bench/bench_engine.hpp"

#include "mqkit/error.hpp"
#include "mqkit/lean_client.hpp"
#include "mqkit/topic.hpp"

#include <fmt/format.h>

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace mqkit::bench::detail {

const char* stopped_word(int exit_status) {
    return exit_status == static_cast<int>(exit_code::terminated) ? "terminated" : "interrupted";
}

std::pair<long, long> partition(long total, long part, long parts) {
    auto at = [&](long p) { return static_cast<long>(static_cast<long long>(total) * p / parts); };
    return {at(part), at(part + 1)};
}

void ensure_fd_limit(long needed) {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    auto want = static_cast<rlim_t>(needed);
    if (lim.rlim_cur >= want) return;
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < want)
        throw error(exit_code::failure,
                    fmt::format("file descriptor limit too low: {} connections in this process need about {} "
                                "descriptors, the hard limit is {}",
                                needed - 64, needed, lim.rlim_max),
                    "raise it (ulimit -Hn as root), or spread the clients over more --workers or hosts");
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? std::max(want, lim.rlim_cur) : lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0)
        throw error(exit_code::failure,
                    fmt::format("cannot raise the file descriptor limit to {}: {}", needed, std::strerror(errno)));
}

std::int64_t resident_bytes() {
    long pages = 0, resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return static_cast<std::int64_t>(resident) * ::sysconf(_SC_PAGESIZE);
}

// Paho C offers no socket options. Unless --nagle is given, every TCP socket of this process that is
// connected to the broker's port gets TCP_NODELAY, so small QoS 0 publishes are not held back by
// Nagle's algorithm waiting for the broker's delayed ACK (milliseconds of added latency). The open
// descriptors come from /proc/self/fd: mqbench may have raised its limit to a million or more.
void set_nodelay(int port) {
    std::vector<int> fds;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        const int own = ::dirfd(dir);
        while (const dirent* e = ::readdir(dir)) {
            const int fd = std::atoi(e->d_name);
            if (e->d_name[0] != '.' && fd != own) fds.push_back(fd);
        }
        ::closedir(dir);
    } else {  // no /proc: every descriptor number up to the limit
        rlimit lim{};
        ::getrlimit(RLIMIT_NOFILE, &lim);
        int top = lim.rlim_cur == RLIM_INFINITY ? 65536 : static_cast<int>(std::min<rlim_t>(lim.rlim_cur, 1 << 20));
        for (int fd = 3; fd < top; ++fd) fds.push_back(fd);
    }
    for (int fd : fds) {
        int type = 0;
        socklen_t len = sizeof type;
        if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) continue;
        sockaddr_storage peer{};
        socklen_t plen = sizeof peer;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) continue;
        int peer_port = peer.ss_family == AF_INET    ? ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port)
                        : peer.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port)
                                                     : -1;
        if (peer_port != port) continue;
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
}

namespace {

std::int64_t unix_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class engine;

struct client;

/// One unfinished publish.
struct slot : lean_client::pending_publish {
    client* owner = nullptr;
    std::int64_t sent_us = 0;
    bool warmup = false;
};

struct client {
    std::unique_ptr<lean_client> mqtt;
    std::string id;
    long index = 0;  // global index within its role
    char role = 'p';
    std::string topic;  // publish topic, or subscription filter
    std::int64_t connect_start_us = 0;
    std::atomic<bool> connected{false};
    bool subscribing = false;   // a SUBSCRIBE awaits its SUBACK; guarded by engine::mutex_
    bool loss_unheard = false;  // a publish found the link gone before lost() came; engine::mutex_

    // publisher
    std::string payload;
    std::uint64_t seq = 0;  // publishes handed to Paho (publisher thread only)
    std::atomic<std::uint64_t> completed{0};
    std::mutex slot_mutex;
    std::vector<slot> slots;
    std::vector<slot*> free_slots;

    // subscriber (Paho's receive thread only, read at the end)
    std::unordered_map<std::uint32_t, seq_tracker> trackers;
    delivery_counts counts;
    std::atomic<std::uint64_t> received{0};
    int granted = -1;

    std::size_t in_use() {
        std::lock_guard<std::mutex> lock(slot_mutex);
        return slots.size() - free_slots.size();
    }
};

class engine final : public lean_client::listener {
public:
    engine(const bench_config& c, coordinator& coord, std::atomic<int>& stop) : c_(c), coord_(coord), stop_(stop) {}

    report run();

    // What the clients report (on the MQTT library's threads).
    void connected(lean_client& c, bool ok, int code, const std::string& why) override;
    void subscribed(lean_client& c, bool ok, int granted, const std::string& why) override;
    void published(lean_client::pending_publish& p, bool ok, const std::string& why) override;
    void received(lean_client& c, std::string_view payload, int qos, bool retained) override;
    void lost(lean_client& c, const std::string& why) override;

private:
    bool stopped() const { return stop_.load() != 0; }
    void make_clients();
    void connect_all(std::vector<client*>& list);
    void subscribe_all();
    void publish_loop();
    enum class choice { slot, window_full, all_done };
    /// The next publisher (round robin from `next`) with a free slot, taken into `s`.
    choice take_slot(std::size_t& next, slot*& s);
    /// Stamps and queues one publish in slot `s`; false (slot returned) if it was not queued.
    bool send(slot& s);
    void wait_acks(double seconds);
    void drain(std::optional<std::uint64_t> expected);
    void ticker();
    void tick_now(std::int64_t unix_s);
    void count_error(const std::string& reason);
    /// A lost link in the report (mutex_ held): lost(), or await_lost_links() for one never reported.
    void count_loss(const std::string& why);
    /// True while a publisher's link was found gone and lost() has not come for it (mutex_ held).
    bool loss_unheard() const;
    void finish(report& r);
    void sleep_for(double seconds);
    void wait_pending();
    void start_pacemaker();
    /// Connects every client (and subscribes the subscribers); false if none could connect.
    bool connect_everyone();
    /// The measured part: publishing (pub, pubsub) or holding (sub, conn), then the drain.
    void measure();
    void hold();
    /// Waits (up to 5 s) for lost() of every link a publish found gone; counts those that never come.
    void await_lost_links();
    report final_report();

    const bench_config& c_;
    coordinator& coord_;
    std::atomic<int>& stop_;

    std::vector<std::unique_ptr<client>> clients_;
    std::vector<client*> pubs_, subs_, conns_;

    std::mutex mutex_;  // guards report_, second_, pending_ and the counters below
    std::condition_variable cv_;
    report report_;
    second_sample second_;
    long pending_ = 0;  // connects or subscribes in flight
    std::int64_t open_ = 0;
    std::int64_t last_connack_us_ = 0;
    std::int64_t measure_start_ = 0;
    // Hot-path counters, read by the ticker; everything else is under mutex_.
    std::atomic<std::uint64_t> n_sent_{0}, n_acked_{0}, n_received_{0};
    std::uint64_t last_sent_ = 0, last_acked_ = 0, last_received_ = 0;  // at the previous tick
    // The publisher sleeps until `wake_at_` publishes have completed (half a window at a time, so
    // it does not wake for every single completion).
    std::mutex room_mutex_;
    std::condition_variable room_cv_;
    std::atomic<bool> room_wanted_{false};
    std::atomic<std::uint64_t> completions_{0};
    std::atomic<std::uint64_t> wake_at_{0};
    void wait_room(std::chrono::microseconds longest);
    std::atomic<std::uint64_t> received_unique_{0};
    std::atomic<std::int64_t> last_receive_us_{0};
    std::atomic<bool> ticking_{true};
    std::thread pacemaker_;
    client* pacemaker_client_ = nullptr;
    std::atomic<bool> pacemaker_wanted_{true};
};

// --- engine ---------------------------------------------------------------------------------

void engine::count_error(const std::string& reason) {
    report_.errors[reason] += 1;
    second_.errors += 1;
}

void engine::connected(lean_client& c, bool ok, int, const std::string& why) {
    auto* cl = static_cast<client*>(c.user());
    if (cl->role == 'k') {  // the pacemaker
        cl->connected = ok;
        if (ok) c.subscribe(cl->topic, 0);
        return;
    }
    std::int64_t now = unix_us();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        --pending_;
        if (ok) {
            cl->connected = true;
            ++report_.connects;
            ++second_.connects;
            ++open_;
            last_connack_us_ = std::max(last_connack_us_, now);
            report_.connect_latency.record(
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - cl->connect_start_us)));
        } else {
            report_.connect_failures[why] += 1;
            ++second_.connect_failures;
        }
    }
    cv_.notify_all();
}

void engine::subscribed(lean_client& c, bool ok, int granted, const std::string& why) {
    auto* cl = static_cast<client*>(c.user());
    if (cl->role == 'k') return;  // the pacemaker's own topic
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!cl->subscribing) return;  // counted already, when its connection was lost
        cl->subscribing = false;
        --pending_;
        if (ok)
            cl->granted = granted;
        else
            count_error(fmt::format("subscription to '{}' failed: {}", cl->topic, why));
    }
    cv_.notify_all();
}

void engine::published(lean_client::pending_publish& p, bool ok, const std::string& why) {
    auto* s = static_cast<slot*>(&p);
    client* cl = s->owner;
    if (cl->role == 'k') return;  // the pacemaker's beat
    if (ok) {
        n_acked_.fetch_add(1, std::memory_order_relaxed);
        if (c_.qos > 0 && !s->warmup) {
            auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(0, unix_us() - s->sent_us));
            std::lock_guard<std::mutex> lock(mutex_);
            report_.ack_latency.record(us);
            if (c_.kind == mode::pub) second_.latency.record(us);
        }
        cl->completed.fetch_add(1, std::memory_order_relaxed);
    } else {
        std::lock_guard<std::mutex> lock(mutex_);
        ++report_.publish_failures;
        count_error(fmt::format("publish failed: {}", why));
    }
    {
        std::lock_guard<std::mutex> lock(cl->slot_mutex);
        cl->free_slots.push_back(s);
    }
    std::uint64_t done = completions_.fetch_add(1) + 1;
    if (room_wanted_.load() && done >= wake_at_.load()) {
        { std::lock_guard<std::mutex> lock(room_mutex_); }
        room_cv_.notify_one();
    }
}

void engine::wait_room(std::chrono::microseconds longest) {
    std::uint64_t threshold = static_cast<std::uint64_t>(std::max<long>(1, c_.inflight / 2));
    std::unique_lock<std::mutex> lock(room_mutex_);
    wake_at_ = completions_.load() + threshold;
    room_wanted_ = true;
    room_cv_.wait_for(lock, longest, [&] { return completions_.load() >= wake_at_.load() || stopped(); });
    room_wanted_ = false;
}

void engine::received(lean_client& c, std::string_view payload, int q, bool retained) {
    auto* cl = static_cast<client*>(c.user());
    if (cl->role == 'k') return;  // the pacemaker's own beat
    std::int64_t now = unix_us();
    auto st = read_stamp(payload);
    bool fresh = false;
    cl->received.fetch_add(1);
    last_receive_us_.store(now);
    n_received_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mutex_);
    if (st && !retained) {
        auto verdict = cl->trackers[st->publisher].see(st->seq);
        if (verdict == seq_tracker::verdict::duplicate)
            ++cl->counts.duplicated[q];
        else {
            ++cl->counts.unique[q];
            if (verdict == seq_tracker::verdict::out_of_order) ++cl->counts.out_of_order[q];
            fresh = true;
            received_unique_.fetch_add(1);
        }
    }
    if (retained)
        ++report_.retained_received;
    else if (!st)
        ++report_.foreign_received;
    else if (fresh && !st->warmup) {
        auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - static_cast<std::int64_t>(st->sent_us)));
        report_.e2e_latency.record(us);
        second_.latency.record(us);
    }
}

void engine::lost(lean_client& c, const std::string& why) {
    auto* cl = static_cast<client*>(c.user());
    if (cl->role == 'k') {
        cl->connected = false;
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (cl->connected.exchange(false)) --open_;
        if (cl->subscribing) {  // Paho may never answer a SUBSCRIBE queued as the link went
            cl->subscribing = false;
            --pending_;
        }
        cl->loss_unheard = false;
        count_loss(why);
    }
    cv_.notify_all();
}

void engine::sleep_for(double seconds) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return stopped(); });
}

void engine::wait_pending() {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::unique_lock<std::mutex> lock(mutex_);
    while (pending_ > 0 && !stopped() && std::chrono::steady_clock::now() < until)
        cv_.wait_for(lock, std::chrono::milliseconds(50));
}

// Paho C's receive thread waits up to a second in poll() and only then notices sockets that
// finished connecting; any received packet wakes it. libmqkit's socket guard ends that wait for
// the first 64 sockets only (lib/src/paho_send_guard.cpp, 3.). While clients connect, a private
// client that sends itself a 1-byte QoS 0 message every 2 ms keeps that wait short, so connect
// latency measures the broker, not Paho's timer.
void engine::start_pacemaker() {
    auto* cl = new client();
    cl->role = 'k';
    cl->id = fmt::format("{}-k{}", c_.prefix, c_.worker_index);
    cl->topic = fmt::format("$mqbench/pacemaker/{}", cl->id);
    try {
        cl->mqtt = std::make_unique<lean_client>(c_.conn, cl->id, *this, cl, true);
    } catch (const error&) {
        return;  // no pacemaker: connect latency then includes the library's poll timer
    }
    cl->mqtt->connect(1);
    pacemaker_client_ = cl;
    pacemaker_ = std::thread([this, cl] {
        const std::string beat = "k";
        auto* s = new slot;  // one for every beat (QoS 0, nothing waits for it); left, as `cl` is
        s->owner = cl;
        std::string why;
        while (ticking_ && pacemaker_wanted_) {
            if (cl->connected) cl->mqtt->publish(cl->topic, beat, 0, false, *s, why);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
}

void engine::make_clients() {
    auto add = [&](char role, long first, long last, const std::string& tmpl, std::vector<client*>& into) {
        for (long i = first; i < last; ++i) {
            auto cl = std::make_unique<client>();
            cl->role = role;
            cl->index = i;
            cl->id = fmt::format("{}-{}{}", c_.prefix, role, i);
            cl->topic = expand_template(tmpl, i, cl->id);
            cl->mqtt = std::make_unique<lean_client>(c_.conn, cl->id, *this, cl.get(), role == 's');
            if (role == 'p') {
                cl->payload.assign(static_cast<std::size_t>(c_.size), 'x');
                cl->slots.resize(static_cast<std::size_t>(c_.inflight));
                for (auto& s : cl->slots) {
                    s.owner = cl.get();
                    cl->free_slots.push_back(&s);
                }
            }
            into.push_back(cl.get());
            clients_.push_back(std::move(cl));
        }
    };
    long parts = c_.worker_count;
    long part = c_.worker_index;
    switch (c_.kind) {
        case mode::conn: {
            auto [a, b] = partition(c_.clients, part, parts);
            add('c', a, b, c_.topic, conns_);
            break;
        }
        case mode::pub: {
            auto [a, b] = partition(c_.clients, part, parts);
            add('p', a, b, c_.topic, pubs_);
            break;
        }
        case mode::sub: {
            auto [a, b] = partition(c_.clients, part, parts);
            add('s', a, b, c_.topic, subs_);
            break;
        }
        case mode::pubsub: {
            auto [sa, sb] = partition(c_.subscribers, part, parts);
            add('s', sa, sb, c_.filter, subs_);
            auto [a, b] = partition(c_.clients, part, parts);
            add('p', a, b, c_.topic, pubs_);
            break;
        }
        case mode::merge:
            break;
    }
}

void engine::connect_all(std::vector<client*>& list) {
    // Connects in flight at once: a burst larger than the broker's listen backlog costs SYN retries
    // (a whole second each) that would be mistaken for connect latency.
    constexpr long max_pending = 256;
    pacer pace(c_.connect_rate, 0);
    auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < list.size() && !stopped(); ++i) {
        if (!pace.unlimited()) {
            auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(pace.due(i)));
            std::unique_lock<std::mutex> lock(mutex_);
            cv_.wait_until(lock, due, [&] { return stopped(); });
        }
        {
            std::unique_lock<std::mutex> lock(mutex_);
            while (pending_ >= max_pending && !stopped()) cv_.wait_for(lock, std::chrono::milliseconds(50));
            if (stopped()) break;
            ++pending_;
            ++report_.connect_attempts;
        }
        client* cl = list[i];
        cl->connect_start_us = unix_us();
        cl->mqtt->connect(c_.inflight);
    }
    wait_pending();
}

void engine::subscribe_all() {
    for (client* cl : subs_) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!cl->connected) continue;
            cl->subscribing = true;
            ++pending_;
        }
        cl->mqtt->subscribe(cl->topic, c_.qos);
    }
    wait_pending();
}

void engine::publish_loop() {
    if (pubs_.empty()) return;
    const double local_rate =
        c_.rate > 0 ? c_.rate * static_cast<double>(pubs_.size()) / static_cast<double>(c_.clients) : 0;
    pacer pace(local_rate, c_.ramp_up);
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = c_.duration > 0 ? start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                        std::chrono::duration<double>(c_.duration))
                                          : std::chrono::steady_clock::time_point::max();
    auto at = [&](double seconds) {
        return start +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
    };
    std::uint64_t k = 0;   // publishes queued
    std::size_t next = 0;  // round robin over the publishers
    while (!stopped()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        if (!pace.unlimited() && k >= pace.due_by(std::chrono::duration<double>(now - start).count())) {
            std::this_thread::sleep_until(std::min(at(pace.due(k)), deadline));
            continue;
        }
        slot* s = nullptr;
        const choice c = take_slot(next, s);
        if (c == choice::all_done) break;  // every publisher is done or disconnected
        if (c == choice::window_full) {
            wait_room(std::chrono::milliseconds(1));
            continue;
        }
        if (send(*s)) ++k;
    }
    if (!pace.unlimited() && !stopped()) {
        const double elapsed =
            std::chrono::duration<double>(std::min(std::chrono::steady_clock::now(), deadline) - start).count();
        if (static_cast<double>(k) < 0.9 * static_cast<double>(pace.due_by(elapsed))) {
            std::lock_guard<std::mutex> lock(mutex_);
            count_error(fmt::format("target rate not reached: sent {:.0f} msg/s of {:.0f} asked for",
                                    static_cast<double>(k) / std::max(elapsed, 1e-3), local_rate));
        }
    }
}

engine::choice engine::take_slot(std::size_t& next, slot*& s) {
    const auto limit = static_cast<std::uint64_t>(c_.count);
    bool alive = false;
    for (std::size_t tries = 0; tries < pubs_.size(); ++tries) {
        client* cl = pubs_[next];
        next = (next + 1) % pubs_.size();
        if ((limit && cl->seq >= limit) || !cl->connected) continue;
        alive = true;
        std::lock_guard<std::mutex> lock(cl->slot_mutex);
        if (cl->free_slots.empty()) continue;
        s = cl->free_slots.back();
        cl->free_slots.pop_back();
        return choice::slot;
    }
    return alive ? choice::window_full : choice::all_done;
}

bool engine::send(slot& s) {
    client* cl = s.owner;
    const std::int64_t sent_us = unix_us();
    s.sent_us = sent_us;
    s.warmup = c_.warmup > 0 && static_cast<double>(sent_us - measure_start_) < c_.warmup * 1e6;
    if (c_.size >= static_cast<long>(payload_stamp_size))
        write_stamp(cl->payload, stamp{static_cast<std::uint32_t>(cl->index), cl->seq,
                                       static_cast<std::uint64_t>(sent_us), s.warmup});
    std::string why;
    const auto sent = cl->mqtt->publish(cl->topic, cl->payload, c_.qos, c_.retain, s, why);
    if (sent == lean_client::send_result::queued) {
        ++cl->seq;
        n_sent_.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    {
        std::lock_guard<std::mutex> lock(cl->slot_mutex);
        cl->free_slots.push_back(&s);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (sent == lean_client::send_result::disconnected) {
        // The link is gone; lost() counts it, and the report waits for it (await_lost_links).
        // Not this publisher again (it used to be tried in a tight loop until lost() came,
        // millions of times a second).
        if (cl->connected.exchange(false)) {
            --open_;
            cl->loss_unheard = true;
        }
        return false;
    }
    ++report_.publish_failures;
    count_error(fmt::format("publish failed: {}", why));
    return false;
}

void engine::wait_acks(double seconds) {
    auto until = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                        std::chrono::duration<double>(seconds));
    while (!stopped() && std::chrono::steady_clock::now() < until) {
        bool busy = false;
        for (client* cl : pubs_)
            if (cl->connected && cl->in_use() > 0) {
                busy = true;
                break;
            }
        if (!busy) return;
        wait_room(std::chrono::milliseconds(5));
    }
}

void engine::drain(std::optional<std::uint64_t> told) {
    if (subs_.empty()) return;
    std::uint64_t expected = told.value_or(0);
    bool known = told.has_value();
    if (coord_.sees_everything()) {
        known = true;
        expected = 0;
        for (client* s : subs_)
            for (client* p : pubs_)
                if (topic_matches(s->topic, p->topic)) expected += p->completed.load();
    }
    auto until = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                        std::chrono::duration<double>(c_.drain));
    const std::int64_t quiet_us = 1000000;
    while (!stopped() && std::chrono::steady_clock::now() < until) {
        if (known && received_unique_.load() >= expected) return;
        std::int64_t last = std::max(last_receive_us_.load(), measure_start_);
        if (!known && unix_us() - last > quiet_us) return;
        sleep_for(0.005);
    }
}

void engine::tick_now(std::int64_t unix_s) {
    second_sample s;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        s = std::move(second_);
        second_ = second_sample{};
        s.unix_s = unix_s;
        std::uint64_t sent = n_sent_.load(), acked = n_acked_.load(), received = n_received_.load();
        s.sent = sent - last_sent_;
        s.acked = acked - last_acked_;
        s.received = received - last_received_;
        last_sent_ = sent;
        last_acked_ = acked;
        last_received_ = received;
        report_.sent = sent;
        report_.acked = acked;
        report_.received = received;
        s.connections = open_;
        report_.series.push_back(s);
    }
    coord_.tick(s);
}

void engine::ticker() {
    // Each sample covers one wall-clock second, so samples of several processes line up.
    while (ticking_) {
        std::int64_t now = unix_us();
        std::int64_t next = (now / 1000000 + 1) * 1000000;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            cv_.wait_for(lock, std::chrono::microseconds(next - now), [&] { return !ticking_.load(); });
        }
        if (!ticking_) break;
        tick_now(next / 1000000 - 1);
    }
}

void engine::finish(report& r) {
    for (client* p : pubs_) r.publishers.push_back({p->index, p->topic, c_.qos, p->completed.load()});
    for (client* s : subs_)
        r.subscribers.push_back(
            {s->index, s->topic, s->granted >= 0 && s->granted <= 2 ? s->granted : c_.qos, s->counts});
}

report engine::run() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        report_.config = c_.to_json();
        const auto [first, last] = partition(c_.clients, c_.worker_index, c_.worker_count);
        report_.target_rate = c_.rate > 0 && c_.kind != mode::conn
                                  ? c_.rate * static_cast<double>(last - first) / static_cast<double>(c_.clients)
                                  : 0;
    }
    std::thread tick_thread;
    try {
        auto [a, b] = partition(c_.clients, c_.worker_index, c_.worker_count);
        auto [sa, sb] = partition(c_.subscribers, c_.worker_index, c_.worker_count);
        ensure_fd_limit((b - a) + (c_.kind == mode::pubsub ? sb - sa : 0) + 64);
        tick_thread = std::thread([this] { ticker(); });
        const bool any_connected = connect_everyone();
        // With no connection there is nothing to measure; the caller says why (connect_failures).
        if (any_connected && coord_.wait_go() && !stopped()) measure();
    } catch (const error& e) {
        std::lock_guard<std::mutex> lock(mutex_);
        report_.exit_status = e.status();
        report_.message = e.what();
        if (!e.hint().empty()) report_.message += "\n" + e.hint();
    }
    ticking_ = false;
    cv_.notify_all();
    if (tick_thread.joinable()) tick_thread.join();
    if (pacemaker_.joinable()) pacemaker_.join();
    await_lost_links();
    tick_now(unix_us() / 1000000);  // the last, partial second
    return final_report();
}

void engine::await_lost_links() {
    // Paho C marks a client disconnected before it calls connectionLost, so a publish can see the
    // link gone first: without this wait a run could end, exit 0, before it heard of the loss
    // (seen under an emulator: a broker's DISCONNECT after the first of two QoS 1 publishes).
    std::unique_lock<std::mutex> lock(mutex_);
    // In slices: a SIGINT/SIGTERM sets stop_ without waking cv_.
    for (int i = 0; i < 100 && loss_unheard() && !stopped(); ++i)
        cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return !loss_unheard(); });
    for (client* cl : pubs_)
        if (cl->loss_unheard) {
            cl->loss_unheard = false;
            count_loss({});
        }
}

bool engine::loss_unheard() const {
    return std::any_of(pubs_.begin(), pubs_.end(), [](const client* cl) { return cl->loss_unheard; });
}

void engine::count_loss(const std::string& why) {
    ++report_.connection_lost;
    count_error(fmt::format("connection lost{}", why.empty() ? std::string{} : ": " + why));
}

bool engine::connect_everyone() {
    start_pacemaker();
    for (int i = 0; i < 300 && pacemaker_client_ && !pacemaker_client_->connected && !stopped(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::int64_t rss_before = resident_bytes();
    report_.start_us = unix_us();
    make_clients();
    connect_all(subs_);
    subscribe_all();
    connect_all(pubs_);
    connect_all(conns_);
    if (c_.nodelay) set_nodelay(c_.conn.port);
    // Once everyone is connected nothing waits for the receive thread: received packets wake it,
    // and no packet waits for it to finish writing it (the send guard completes every write on
    // Paho's threads), so a QoS 0 publisher's stream does not either. The pacemaker's own
    // messages cost the publishers a tenth of their QoS 0 rate.
    pacemaker_wanted_ = false;
    bool nothing_connected = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (last_connack_us_ > 0) report_.connect_span_us = last_connack_us_ - report_.start_us;
        report_.rss_delta_bytes = std::max<std::int64_t>(0, resident_bytes() - rss_before);
        nothing_connected = report_.connects == 0 && report_.connect_attempts > 0;
    }
    std::vector<std::string> filters;
    for (client* sub : subs_) filters.push_back(sub->topic);
    coord_.ready(filters);
    return !nothing_connected;
}

void engine::measure() {
    measure_start_ = unix_us();
    report_.measure_start_us = measure_start_;
    if (c_.kind == mode::pub || c_.kind == mode::pubsub) {
        publish_loop();
        wait_acks(c_.drain);
    } else {
        hold();
    }
    report_.measure_end_us = unix_us();
    std::vector<publisher_record> done;
    for (client* p : pubs_) done.push_back({p->index, p->topic, c_.qos, p->completed.load()});
    coord_.published(done);
    std::optional<std::uint64_t> expected;
    if (coord_.wait_drain(expected)) drain(expected);
}

void engine::hold() {
    // sub and conn: until the count, the duration or a signal.
    const auto until = c_.duration > 0 ? std::chrono::steady_clock::now() +
                                             std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                 std::chrono::duration<double>(c_.duration))
                                       : std::chrono::steady_clock::time_point::max();
    auto done = [&] {
        if (c_.kind == mode::sub && c_.count > 0) {
            for (client* s : subs_)
                if (s->received.load() < static_cast<std::uint64_t>(c_.count)) return false;
            return true;
        }
        return c_.kind == mode::conn && c_.duration <= 0;
    };
    while (!stopped() && std::chrono::steady_clock::now() < until && !done()) sleep_for(0.005);
}

report engine::final_report() {
    std::lock_guard<std::mutex> lock(mutex_);
    report_.end_us = unix_us();
    if (report_.measure_start_us == 0) report_.measure_start_us = report_.end_us;
    if (report_.measure_end_us == 0) report_.measure_end_us = report_.end_us;
    report_.rss_bytes = resident_bytes();
    if (stopped() && report_.exit_status == 0) {
        report_.exit_status = stop_.load();
        report_.message = stopped_word(report_.exit_status);
    }
    finish(report_);
    // The clients stay, with the engine, until the process ends (mqkit::exit_now): the library's
    // threads may still call back into them.
    report r = report_;
    for (auto& cl : clients_) (void)cl.release();
    return r;
}

}  // namespace

report run_engine(const bench_config& config, coordinator& coord, std::atomic<int>& stop) {
    // The engine stays alive after the run: Paho's threads may still call back into it.
    auto* e = new engine(config, coord, stop);
    return e->run();
}

}  // namespace mqkit::bench::detail
