// mqpub --template: payload templates whose placeholders draw fresh values for every message.
#pragma once

#include "mqkit/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mqkit {

/// A parsed payload template. Placeholders:
///   {rand:A:B}      a whole number in [A, B], inclusive
///   {randf:A:B[:D]} a decimal number in [A, B] with D decimals (0-15, default 2)
///   {seq}           1, 2, 3... (one per rendered message)
///   {time}          unix time in whole seconds
///   {iso}           UTC time in ISO 8601, e.g. 2026-11-25T09:30:00Z
///   {hostname}      this machine's host name
///   {{ and }}       a literal { and }
/// Everything else is copied byte for byte.
class payload_template {
public:
    /// One literal run or one placeholder.
    struct piece {
        enum class kind { literal, rand_int, rand_float, seq, unix_time, iso_time, hostname };
        kind type = kind::literal;
        std::string text;       ///< literal bytes (kind::literal)
        long long int_min = 0;  ///< rand_int bounds, inclusive
        long long int_max = 0;
        double float_min = 0;  ///< rand_float bounds
        double float_max = 0;
        int decimals = 2;  ///< rand_float digits after the point
    };

    /// Parses `text`. Throws mqkit::usage_error "<where>: <problem> at byte N" (N counts from 1,
    /// as -F's positions do), e.g. "--template: unknown placeholder '{foo}' at byte 5".
    static payload_template parse(std::string_view text, std::string_view where = "--template");

    /// True if the template holds at least one placeholder (not counting {{ and }}).
    bool has_placeholders() const;
    const std::vector<piece>& pieces() const noexcept { return pieces_; }

private:
    std::vector<piece> pieces_;
};

/// What a rendering draws on: random numbers, the sequence counter, the clock and the host name.
/// The random sequence depends only on the seed (std::mt19937_64 with mqkit's own range mapping),
/// so a seeded run renders the same payloads on every platform.
class template_state {
public:
    using clock_fn = std::function<std::chrono::system_clock::time_point()>;

    /// `clock` defaults to the system clock.
    template_state(std::uint64_t seed, std::string hostname, clock_fn clock = {});

    /// Renders one payload and advances {seq}.
    std::string render(const payload_template& t);

    /// A whole number in [lo, hi], uniformly (no modulo bias).
    long long draw_int(long long lo, long long hi);
    /// A decimal number in [lo, hi], rounded to `decimals` digits.
    double draw_float(double lo, double hi, int decimals);

private:
    std::mt19937_64 rng_;
    std::uint64_t seq_ = 0;
    std::string hostname_;
    clock_fn clock_;
};

/// mqpub's payload for each message: the fixed bytes, or with --template a fresh rendering of
/// the template each time (-m, -f, -s) or of each input line (-l).
class payload_generator {
public:
    /// `body` is the -m/-f/-s payload (unused with -l). With `use_template` it is parsed here
    /// (usage_error on a malformed template); without a seed one is drawn from std::random_device.
    payload_generator(bool use_template, std::string body, std::optional<std::uint64_t> seed, std::string hostname);

    /// The payload of the next repeat.
    std::string next();
    /// Sets `payload` for one -l input line (`line_number` from 1, for error messages). Returns
    /// false for a malformed template line: the caller stops reading, disconnects cleanly and then
    /// calls throw_if_failed().
    bool for_line(const std::string& line, std::size_t line_number, std::string& payload);
    /// Throws the usage_error of the malformed line for_line() met, if any.
    void throw_if_failed() const;

private:
    bool use_template_;
    std::string body_;
    payload_template template_;
    template_state state_;
    std::optional<usage_error> failure_;
};

/// Appends a number with exactly `decimals` digits after the point ("21.0", "-3.25", "7").
void append_fixed(std::string& out, double value, int decimals);

/// Appends `t` as ISO 8601 UTC with second precision: "2026-11-25T09:30:00Z".
void append_iso8601(std::string& out, std::chrono::system_clock::time_point t);

}  // namespace mqkit
