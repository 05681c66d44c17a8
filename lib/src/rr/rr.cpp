// mqrr: subscribe to the response topic, publish one request, print the first response, disconnect
// (mosquitto_rr's request/response).
#include "core/output.hpp"
#include "core/payload_input.hpp"
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/format.hpp"
#include "mqkit/session.hpp"
#include "mqkit/tool.hpp"
#include "tool/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>

namespace mqkit::rr {
namespace {

constexpr std::string_view tool_name = "mqrr";
using steady = std::chrono::steady_clock;

/// --latency's line, as mosquitto_rr prints it: seconds and nanoseconds from 1 s on, else
/// milliseconds, microseconds (6 decimals) or whole nanoseconds.
std::string latency_line(std::chrono::nanoseconds took) {
    const long long ns = std::max<long long>(0, took.count());
    if (ns >= 1000000000LL) return fmt::format("Latency: {}.{:09}\n", ns / 1000000000LL, ns % 1000000000LL);
    if (ns < 1000) return fmt::format("Latency: {}ns\n", ns);
    if (ns < 1000000) return fmt::format("Latency: {:f}\xC2\xB5s\n", static_cast<double>(ns) / 1e3);
    return fmt::format("Latency: {:f}ms\n", static_cast<double>(ns) / 1e6);
}

/// The response: the first message on the response topic (mosquitto_rr matches neither the
/// correlation data nor the topic). Runs on Paho's receive thread.
class response_printer {
public:
    response_printer(const rr_config& c, detail::stdout_writer& out, detail::completion& done)
        : c_(c), out_(out), done_(done), plan_(c.output) {}

    void on_message(const received_message& msg) {
        if (done_.done()) return;
        if (c_.no_stale && msg.retained) return;  // -R: a retained message is not the response
        took_ = steady::now().time_since_epoch() - std::chrono::nanoseconds(sent_at_.load());
        render_problems problems;
        out_.write_with([&](std::string& o) { problems = render_message(o, msg, plan_); });
        for (const auto& problem : problems.messages(msg.topic)) detail::warn(tool_name, problem, c_.conn.quiet);
        done_.finish(0);
    }
    /// Call right before the request is handed over: --latency counts from here.
    void request_sent() { sent_at_ = steady::now().time_since_epoch().count(); }
    /// From request_sent() to the response (after done).
    std::chrono::nanoseconds latency() const { return took_; }

private:
    const rr_config& c_;
    detail::stdout_writer& out_;
    detail::completion& done_;
    const output_plan plan_;  // -F compiled once
    std::atomic<steady::rep> sent_at_{0};
    std::chrono::nanoseconds took_{0};
};

/// The error for a link lost before `before`: the broker's protocol error, or the lost connection
/// with the broker's DISCONNECT reason if it sent one (status: 2, the reason code, or 7).
error lost_link(const rr_config& c, const session& s, std::string_view before) {
    const std::string why = s.link_failure();  // may be empty still: Paho reports the loss later
    const int status = s.link_status();
    if (why.rfind("protocol error", 0) == 0) return error(status, why);
    std::string text = fmt::format("connection to {}:{} lost before {}", c.conn.host, c.conn.port, before);
    if (auto at = why.find(" (the broker"); at != std::string::npos)
        text += why.substr(at);
    else if (status >= 128)
        text += fmt::format(" (the broker disconnected with reason code {})", status);
    return error(status, text);
}

/// Subscribes to the response topic; throws when the broker refuses it.
void subscribe_response(const rr_config& c, session& s) {
    subscription_options options;
    options.qos = c.qos;
    options.retain_as_published = c.retain_as_published;
    options.retained = c.retained;
    std::string why;
    try {
        std::vector<int> granted = s.subscribe({c.response_topic}, options);
        if (!granted.empty() && granted[0] < 128) return;
        why = reason_name(granted.empty() ? 128 : granted[0]);
    } catch (const error& e) {
        if (e.status() != static_cast<int>(exit_code::failure)) throw;  // a signal, a lost link
        // The link went while the SUBSCRIBE waited (Paho: "operation discarded"): not a refusal.
        if (!s.is_connected()) throw lost_link(c, s, "the subscription to the response topic was acknowledged");
        // Paho reports a single filter's refusal as a failed subscribe: "subscribe failed: <reason>".
        why = e.what();
        if (why.rfind("subscribe failed: ", 0) == 0) why.erase(0, 18);
    }
    s.disconnect();
    throw error(
        exit_code::failure,
        fmt::format("the broker refused the subscription to the response topic '{}' ({})", c.response_topic, why),
        "check the broker's ACL for this user and the -e topic");
}

int request_response(const rr_config& c) {
    std::string payload = detail::read_payload(c.source, c.message, c.file);
    connection_config conn = c.conn;
    // Under MQTT v5 the request names where the answer goes (mosquitto_rr adds no correlation data).
    if (conn.version == mqtt_version::v5)
        conn.properties.push_back({"publish", "response-topic", c.response_topic, {}});
    detail::stdout_writer out;
    session s(conn, detail::debug_trace(conn, out));
    detail::completion done;
    detail::stop_signal::on_signal([&done] { done.finish(static_cast<int>(detail::stop_signal::status())); });
    response_printer printer(c, out, done);
    s.on_message([&printer](const received_message& msg) { printer.on_message(msg); });
    s.on_connection_lost([&done](const std::string&) { done.finish(static_cast<int>(exit_code::connection_lost)); });

    // -W counts from the connection, as mosquitto_rr's alarm from its connect call.
    const auto deadline = steady::now() + std::chrono::seconds(c.timeout.value_or(0));
    const std::string timed_out =
        c.timeout ? fmt::format("no response on '{}' within {} s (-W)", c.response_topic, *c.timeout) : std::string();
    if (c.timeout) s.set_deadline(deadline, exit_code::timeout, timed_out);
    s.connect(false, c.max_inflight);
    subscribe_response(c, s);  // before the request, so that the response cannot be missed
    printer.request_sent();
    s.publish(c.topic, std::move(payload), c.qos, false, 1);
    const double left = std::chrono::duration<double>(deadline - steady::now()).count();
    const bool answered = done.wait(c.timeout ? std::max(0.0, left) : -1.0);
    const int status = done.status();
    if (answered && status == 0 && c.latency) out.write(latency_line(printer.latency()));
    const auto signalled = [] { return detail::stop_signal::received() != 0; };
    s.disconnect();
    out.flush_until(signalled);
    if (!answered) throw error(exit_code::timeout, timed_out);
    if (status == static_cast<int>(exit_code::connection_lost)) throw lost_link(c, s, "the response");
    return status;
}

}  // namespace

int run(int argc, char** argv) {
    return detail::run_tool(mqrr_spec(), argc, argv, parse_rr, request_response);
}

}  // namespace mqkit::rr
