// mqpub --template: parses payload templates and renders them with fresh random values, a sequence
// number, the time and the host name for every message.
#include "core/template.hpp"

#include "mqkit/error.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>

namespace mqkit {
namespace {

using piece = payload_template::piece;

/// Largest |value| * 10^decimals a {randf} bound may have, so the scaled bounds stay exact integers.
constexpr double max_scaled = 9.0e15;

[[noreturn]] void fail(std::string_view where, const std::string& problem, std::size_t at, std::string hint = {}) {
    throw usage_error(fmt::format("{}: {} at byte {}", where, problem, at + 1), std::move(hint));
}

std::vector<std::string_view> split_colons(std::string_view s) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        auto colon = s.find(':', start);
        parts.push_back(s.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
        if (colon == std::string_view::npos) return parts;
        start = colon + 1;
    }
}

bool to_int(std::string_view s, long long& out) {
    if (s.empty()) return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
}

bool to_double(std::string_view s, double& out) {
    // Plain decimal only: no hex, no inf/nan, which strtod would also accept.
    if (s.empty() || s.find_first_not_of("0123456789+-.eE") != std::string_view::npos) return false;
    std::string copy(s);
    char* end = nullptr;
    out = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size() && std::isfinite(out);
}

double pow10(int decimals) {
    double s = 1;
    for (int i = 0; i < decimals; ++i) s *= 10;
    return s;
}

piece parse_placeholder(std::string_view body, std::string_view whole, std::string_view where, std::size_t at) {
    const std::vector<std::string_view> args = split_colons(body);
    const std::string_view name = args[0];
    piece p;
    auto no_args = [&](piece::kind k) {
        if (args.size() != 1) fail(where, fmt::format("'{{{}}}' takes no arguments, got '{}'", name, whole), at);
        p.type = k;
        return p;
    };
    if (name == "seq") return no_args(piece::kind::seq);
    if (name == "time") return no_args(piece::kind::unix_time);
    if (name == "iso") return no_args(piece::kind::iso_time);
    if (name == "hostname") return no_args(piece::kind::hostname);
    if (name == "rand") {
        if (args.size() != 3 || !to_int(args[1], p.int_min) || !to_int(args[2], p.int_max))
            fail(where, fmt::format("'{}' is not {{rand:MIN:MAX}} with two whole numbers", whole), at);
        if (p.int_min > p.int_max) fail(where, fmt::format("'{}': the minimum is larger than the maximum", whole), at);
        p.type = piece::kind::rand_int;
        return p;
    }
    if (name == "randf") {
        long long decimals = 2;
        if ((args.size() != 3 && args.size() != 4) || !to_double(args[1], p.float_min) ||
            !to_double(args[2], p.float_max) || (args.size() == 4 && !to_int(args[3], decimals)))
            fail(where, fmt::format("'{}' is not {{randf:MIN:MAX}} or {{randf:MIN:MAX:DECIMALS}}", whole), at);
        if (decimals < 0 || decimals > 15) fail(where, fmt::format("'{}': decimals must be 0-15", whole), at);
        p.decimals = static_cast<int>(decimals);
        if (p.float_min > p.float_max)
            fail(where, fmt::format("'{}': the minimum is larger than the maximum", whole), at);
        const double scale = pow10(p.decimals);
        if (std::fabs(p.float_min) * scale > max_scaled || std::fabs(p.float_max) * scale > max_scaled)
            fail(where, fmt::format("'{}': bounds too large for {} decimals", whole, p.decimals), at);
        if (std::ceil(p.float_min * scale) > std::floor(p.float_max * scale))
            fail(where, fmt::format("'{}': no number with {} decimals lies in that range", whole, p.decimals), at);
        p.type = piece::kind::rand_float;
        return p;
    }
    fail(where, fmt::format("unknown placeholder '{}'", whole), at,
         "placeholders are {rand:MIN:MAX} {randf:MIN:MAX:DECIMALS} {seq} {time} {iso} {hostname}; "
         "write {{ and }} for literal braces");
}

}  // namespace

payload_template payload_template::parse(std::string_view text, std::string_view where) {
    payload_template t;
    std::string literal;
    auto flush = [&] {
        if (literal.empty()) return;
        piece p;
        p.text = std::move(literal);
        t.pieces_.push_back(std::move(p));
        literal.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '}') {
            if (i + 1 < text.size() && text[i + 1] == '}') {
                literal += '}';
                ++i;
                continue;
            }
            fail(where, "unmatched '}'", i, "write }} for a literal }");
        }
        if (c != '{') {
            literal += c;
            continue;
        }
        if (i + 1 < text.size() && text[i + 1] == '{') {
            literal += '{';
            ++i;
            continue;
        }
        const auto close = text.find('}', i + 1);
        if (close == std::string_view::npos)
            fail(where, fmt::format("unterminated placeholder '{}'", text.substr(i, 20)), i,
                 "write {{ for a literal {");
        flush();
        t.pieces_.push_back(
            parse_placeholder(text.substr(i + 1, close - i - 1), text.substr(i, close - i + 1), where, i));
        i = close;
    }
    flush();
    return t;
}

bool payload_template::has_placeholders() const {
    for (const auto& p : pieces_)
        if (p.type != piece::kind::literal) return true;
    return false;
}

template_state::template_state(std::uint64_t seed, std::string hostname, clock_fn clock)
    : rng_(seed), hostname_(std::move(hostname)), clock_(std::move(clock)) {
    if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

long long template_state::draw_int(long long lo, long long hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    if (span == std::numeric_limits<std::uint64_t>::max()) return static_cast<long long>(rng_());
    const std::uint64_t n = span + 1;
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n: draws below it would bias the result
    std::uint64_t x = 0;
    do x = rng_();
    while (x < threshold);
    return static_cast<long long>(static_cast<std::uint64_t>(lo) + x % n);
}

double template_state::draw_float(double lo, double hi, int decimals) {
    // A uniform whole number of 10^-decimals steps, so every printed value is equally likely and
    // both bounds are reachable.
    const double scale = pow10(decimals);
    const auto k =
        draw_int(static_cast<long long>(std::ceil(lo * scale)), static_cast<long long>(std::floor(hi * scale)));
    return static_cast<double>(k) / scale;
}

std::string template_state::render(const payload_template& t) {
    ++seq_;
    std::string out;
    for (const auto& p : t.pieces()) {
        switch (p.type) {
            case piece::kind::literal:
                out += p.text;
                break;
            case piece::kind::rand_int:
                out += std::to_string(draw_int(p.int_min, p.int_max));
                break;
            case piece::kind::rand_float:
                append_fixed(out, draw_float(p.float_min, p.float_max, p.decimals), p.decimals);
                break;
            case piece::kind::seq:
                out += std::to_string(seq_);
                break;
            case piece::kind::unix_time:
                out += std::to_string(
                    std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count());
                break;
            case piece::kind::iso_time:
                append_iso8601(out, clock_());
                break;
            case piece::kind::hostname:
                out += hostname_;
                break;
        }
    }
    return out;
}

namespace {

std::uint64_t random_seed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace

payload_generator::payload_generator(bool use_template, std::string body, std::optional<std::uint64_t> seed,
                                     std::string hostname)
    : use_template_(use_template),
      body_(std::move(body)),
      template_(use_template ? payload_template::parse(body_) : payload_template{}),
      state_(seed ? *seed : random_seed(), std::move(hostname)) {}

std::string payload_generator::next() {
    return use_template_ ? state_.render(template_) : body_;
}

bool payload_generator::for_line(const std::string& line, std::size_t line_number, std::string& payload) {
    if (!use_template_) {
        payload = line;
        return true;
    }
    try {
        payload = state_.render(payload_template::parse(line, fmt::format("--template: line {}", line_number)));
        return true;
    } catch (const usage_error& e) {
        failure_ = e;
        return false;
    }
}

void payload_generator::throw_if_failed() const {
    if (failure_) throw *failure_;
}

void append_fixed(std::string& out, double value, int decimals) {
    if (value == 0) value = 0;  // no "-0.0"
    out += fmt::format("{:.{}f}", value, decimals);
}

void append_iso8601(std::string& out, std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[32];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    out.append(buf, n);
}

}  // namespace mqkit
