// mqbench's statistics building blocks: latency histogram, pacer, topic templates, payload stamps, sequence tracking.
#include "bench/bench.hpp"

#include "mqkit/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mqkit::bench {

std::string_view mode_name(mode m) {
    switch (m) {
        case mode::conn:
            return "conn";
        case mode::pub:
            return "pub";
        case mode::sub:
            return "sub";
        case mode::pubsub:
            return "pubsub";
        case mode::merge:
            return "merge";
    }
    return "?";
}

namespace {

constexpr std::size_t exact_buckets = 128;  // values below this have a bucket each
constexpr std::size_t sub_buckets = 64;     // buckets per power of two above that

int bit_width(std::uint64_t v) {
    int w = 0;
    while (v) {
        ++w;
        v >>= 1;
    }
    return w;
}

}  // namespace

std::size_t histogram::index_of(std::uint64_t value) {
    value = std::min(value, max_value);
    if (value < exact_buckets) return static_cast<std::size_t>(value);
    int shift = bit_width(value) - 7;  // value >> shift is in [64, 127]
    return exact_buckets + static_cast<std::size_t>(shift - 1) * sub_buckets +
           static_cast<std::size_t>((value >> shift) - sub_buckets);
}

std::uint64_t histogram::lowest_of(std::size_t index) {
    if (index < exact_buckets) return index;
    std::size_t k = index - exact_buckets;
    unsigned shift = static_cast<unsigned>(k / sub_buckets + 1);
    return static_cast<std::uint64_t>(k % sub_buckets + sub_buckets) << shift;
}

std::uint64_t histogram::highest_of(std::size_t index) {
    if (index < exact_buckets) return index;
    unsigned shift = static_cast<unsigned>((index - exact_buckets) / sub_buckets + 1);
    return lowest_of(index) + (std::uint64_t{1} << shift) - 1;
}

void histogram::record(std::uint64_t value, std::uint64_t times) {
    if (times == 0) return;
    value = std::min(value, max_value);
    slot(index_of(value)) += times;
    if (count_ == 0 || value < min_) min_ = value;
    max_ = std::max(max_, value);
    count_ += times;
    sum_ += static_cast<double>(value) * static_cast<double>(times);
}

std::uint64_t& histogram::slot(std::size_t index) {
    if (counts_.empty()) {
        first_ = index;
        counts_.assign(1, 0);
    } else if (index < first_) {
        counts_.insert(counts_.begin(), first_ - index, 0);
        first_ = index;
    } else if (index - first_ >= counts_.size()) {
        counts_.resize(index - first_ + 1, 0);
    }
    return counts_[index - first_];
}

void histogram::merge(const histogram& other) {
    if (other.count_ == 0) return;
    slot(other.first_);  // the lowest, then the highest: at most one move of the counts
    slot(other.first_ + other.counts_.size() - 1);
    for (std::size_t k = 0; k < other.counts_.size(); ++k) counts_[other.first_ + k - first_] += other.counts_[k];
    min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    count_ += other.count_;
    sum_ += other.sum_;
}

void histogram::clear() {
    *this = histogram{};
}

std::uint64_t histogram::percentile(double q) const {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 100.0);
    auto rank = static_cast<std::uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t k = 0; k < counts_.size(); ++k) {
        seen += counts_[k];
        if (seen >= rank) return std::clamp(highest_of(first_ + k), min(), max_);
    }
    return max_;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> histogram::buckets() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    for (std::size_t k = 0; k < counts_.size(); ++k)
        if (counts_[k]) out.emplace_back(lowest_of(first_ + k), counts_[k]);
    return out;
}

json histogram::to_json() const {
    json j = json::object();
    j.add("count", json::number(static_cast<double>(count_)));
    j.add("min", json::number(static_cast<double>(min())));
    j.add("max", json::number(static_cast<double>(max_)));
    j.add("sum", json::number(sum_));
    json b = json::array();
    for (auto [low, n] : buckets()) {
        json pair = json::array();
        pair.push(json::number(static_cast<double>(low)));
        pair.push(json::number(static_cast<double>(n)));
        b.push(std::move(pair));
    }
    j.add("buckets", std::move(b));
    return j;
}

histogram histogram::from_json(const json& j) {
    if (j.type() != json::kind::object) throw error(exit_code::failure, "histogram is not a JSON object");
    const json* b = j.find("buckets");
    if (!b || b->type() != json::kind::array) throw error(exit_code::failure, "histogram has no \"buckets\" array");
    histogram h;
    for (const auto& pair : b->items()) {
        if (pair.type() != json::kind::array || pair.items().size() != 2 ||
            pair.items()[0].type() != json::kind::number || pair.items()[1].type() != json::kind::number ||
            pair.items()[0].as_number() < 0 || pair.items()[1].as_number() < 0)
            throw error(exit_code::failure, "histogram bucket is not [lowest, count]");
        auto low = static_cast<std::uint64_t>(pair.items()[0].as_number());
        auto n = static_cast<std::uint64_t>(pair.items()[1].as_number());
        if (n == 0) continue;
        h.slot(index_of(low)) += n;
        h.count_ += n;
    }
    if (h.count_ != static_cast<std::uint64_t>(j.number_or("count", -1)))
        throw error(exit_code::failure, "histogram \"count\" does not match its buckets");
    h.min_ = static_cast<std::uint64_t>(j.number_or("min", 0));
    h.max_ = static_cast<std::uint64_t>(j.number_or("max", 0));
    h.sum_ = j.number_or("sum", 0);
    return h;
}

double pacer::due(std::uint64_t n) const {
    if (rate_ <= 0) return 0;
    auto x = static_cast<double>(n);
    double ramp_events = rate_ * ramp_ / 2;  // events during the linear rise
    if (ramp_ > 0 && x < ramp_events) return std::sqrt(2 * ramp_ * x / rate_);
    return ramp_ + (x - ramp_events) / rate_;
}

std::uint64_t pacer::due_by(double seconds) const {
    if (seconds < 0) return 0;
    double events = 0;
    if (ramp_ > 0 && seconds < ramp_)
        events = rate_ * seconds * seconds / (2 * ramp_);
    else
        events = rate_ * ramp_ / 2 + rate_ * (seconds - ramp_);
    return static_cast<std::uint64_t>(std::floor(events + 1e-9)) + 1;
}

std::string template_problem(std::string_view tmpl) {
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl[i] != '%') continue;
        if (i + 1 == tmpl.size()) return "ends with a lone '%' (use %% for a percent sign)";
        char c = tmpl[++i];
        if (c != 'i' && c != 'c' && c != '%')
            return fmt::format("unknown placeholder '%{}' (use %i client index, %c client id, %% percent)", c);
    }
    return {};
}

std::string expand_template(std::string_view tmpl, long index, std::string_view client_id) {
    std::string out;
    out.reserve(tmpl.size() + 16);
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl[i] != '%' || i + 1 == tmpl.size()) {
            out += tmpl[i];
            continue;
        }
        char c = tmpl[++i];
        if (c == 'i')
            out += std::to_string(index);
        else if (c == 'c')
            out += client_id;
        else if (c == '%')
            out += '%';
        else {
            out += '%';
            out += c;
        }
    }
    return out;
}

std::string default_filter(std::string_view tmpl) {
    std::string out;
    std::size_t start = 0;
    while (start <= tmpl.size()) {
        std::size_t end = tmpl.find('/', start);
        std::string_view level =
            tmpl.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (level.find('%') != std::string_view::npos) return out + "#";
        if (end == std::string_view::npos) return std::string(tmpl);  // no placeholder: the topic itself
        out.append(level);
        out += '/';
        start = end + 1;
    }
    return out + "#";
}

namespace {

void put_le(char* at, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) at[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint64_t get_le(const char* at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(at[i])) << (8 * i);
    return v;
}

}  // namespace

void write_stamp(std::string& payload, const stamp& s) {
    char* p = payload.data();
    std::memcpy(p, "MQB", 3);
    p[3] = static_cast<char>(s.warmup ? 1 : 0);
    put_le(p + 4, s.publisher, 4);
    put_le(p + 8, s.seq, 8);
    put_le(p + 16, s.sent_us, 8);
}

std::optional<stamp> read_stamp(std::string_view payload) {
    if (payload.size() < payload_stamp_size || payload.substr(0, 3) != "MQB") return std::nullopt;
    const char* p = payload.data();
    stamp s;
    s.warmup = (p[3] & 1) != 0;
    s.publisher = static_cast<std::uint32_t>(get_le(p + 4, 4));
    s.seq = get_le(p + 8, 8);
    s.sent_us = get_le(p + 16, 8);
    return s;
}

seq_tracker::verdict seq_tracker::see(std::uint64_t seq) {
    if (seq >= next_) {
        if (seq > next_) gaps_.emplace(next_, seq);
        next_ = seq + 1;
        ++unique_;
        return verdict::fresh;
    }
    auto it = gaps_.upper_bound(seq);
    if (it == gaps_.begin()) return verdict::duplicate;
    --it;
    auto [first, last] = *it;
    if (seq >= last) return verdict::duplicate;
    gaps_.erase(it);
    if (first < seq) gaps_.emplace(first, seq);
    if (seq + 1 < last) gaps_.emplace(seq + 1, last);
    ++unique_;
    return verdict::out_of_order;
}

}  // namespace mqkit::bench
