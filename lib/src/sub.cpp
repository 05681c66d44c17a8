// mqsub: connect, subscribe, print each message as mosquitto_sub does, reconnect when the link drops.
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/format.hpp"
#include "mqkit/tool.hpp"
#include "mqkit/topic.hpp"
#include "output.hpp"
#include "paho_session.hpp"
#include "tool_common.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>

namespace mqkit::sub {
namespace {

constexpr std::string_view tool_name = "mqsub";

/// Copies what -F can show from a Paho message into `out`, reusing its buffers.
void fill_message(received_message& out, const mqtt::message& m) {
    const MQTTAsync_message& c = m.c_struct();
    out.topic = m.get_topic();
    out.payload.assign(static_cast<const char*>(c.payload), static_cast<std::size_t>(c.payloadlen));
    out.qos = c.qos;
    out.retained = c.retained != 0;
    out.duplicate = c.dup != 0;
    out.mid = c.msgid;
    out.received_at = std::chrono::system_clock::now();
    out.content_type.reset();
    out.correlation_data.reset();
    out.response_topic.reset();
    out.message_expiry.reset();
    out.payload_format_indicator.reset();
    out.subscription_ids.clear();
    out.topic_alias.reset();
    out.user_properties.clear();
    out.property_order.clear();
    const MQTTProperties& props = m.get_properties().c_struct();
    for (int i = 0; i < props.count; ++i) {
        const MQTTProperty& p = props.array[i];
        out.property_order.push_back(p.identifier);
        auto text = [](const MQTTLenString& s) { return std::string(s.data, static_cast<std::size_t>(s.len)); };
        switch (p.identifier) {
        case MQTTPROPERTY_CODE_PAYLOAD_FORMAT_INDICATOR: out.payload_format_indicator = p.value.byte; break;
        case MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL: out.message_expiry = p.value.integer4; break;
        case MQTTPROPERTY_CODE_CONTENT_TYPE: out.content_type = text(p.value.data); break;
        case MQTTPROPERTY_CODE_RESPONSE_TOPIC: out.response_topic = text(p.value.data); break;
        case MQTTPROPERTY_CODE_CORRELATION_DATA: out.correlation_data = text(p.value.data); break;
        case MQTTPROPERTY_CODE_SUBSCRIPTION_IDENTIFIER: out.subscription_ids.push_back(p.value.integer4); break;
        case MQTTPROPERTY_CODE_TOPIC_ALIAS: out.topic_alias = p.value.integer2; break;
        case MQTTPROPERTY_CODE_USER_PROPERTY: out.user_properties.emplace_back(text(p.value.data), text(p.value.value)); break;
        default: break;
        }
    }
}

int subscribe_and_print(const sub_config& c) {
    detail::stdout_writer out;
    std::unique_ptr<detail::packet_trace> trace;
    if (c.conn.debug && !c.conn.quiet) {
        trace = std::make_unique<detail::packet_trace>(out, c.conn.client_id);
        trace->install();
    }
    detail::session session(c.conn, trace.get());
    detail::completion done;
    detail::stop_signal::on_signal([&done] {
        done.finish(detail::stop_signal::received() == SIGTERM ? static_cast<int>(exit_code::terminated)
                                                                : static_cast<int>(exit_code::interrupted));
    });

    const bool v5 = c.conn.version == mqtt_version::v5;
    const mqtt::properties sub_props = v5 ? detail::to_paho_properties(c.conn.properties_for("subscribe")) : mqtt::properties{};
    const mqtt::properties unsub_props = v5 ? detail::to_paho_properties(c.conn.properties_for("unsubscribe")) : mqtt::properties{};

    // Runs on Paho's receive thread, one message at a time.
    received_message msg;
    long printed = 0;
    session.on_message([&](const mqtt::const_message_ptr& m) {
        if (done.done()) return;
        const MQTTAsync_message& cm = m->c_struct();
        if (trace) trace->received_publish(cm.dup != 0, cm.qos, cm.retained != 0, cm.msgid, m->get_topic(),
                                           static_cast<std::size_t>(cm.payloadlen));
        bool retained = cm.retained != 0;
        if (c.retained_only && !retained) {
            done.finish(0);
            return;
        }
        if (c.no_stale && retained) return;
        for (const auto& f : c.filter_out)
            if (topic_matches(f, m->get_topic())) return;
        if (c.remove_retained && retained) {
            try {
                session.publish(m->get_topic(), std::string(), 1, true, mqtt::properties{},
                                std::numeric_limits<std::size_t>::max());
            } catch (const error&) {
                // The link dropped; the retained message stays and shows up again next time.
            }
        }
        fill_message(msg, *m);
        bool json_ok = true;
        bool ok = out.write_with([&](std::string& o) { json_ok = render_message(o, msg, c.output); });
        if (!json_ok)
            detail::warn(tool_name, fmt::format("the payload on topic '{}' is not valid JSON (%J)", msg.topic),
                         c.conn.quiet);
        if (!ok) {
            done.finish(0);  // stdout closed (e.g. `mqsub ... | head -n 1`): a quiet, clean end
            return;
        }
        if (c.count > 0 && ++printed >= c.count) done.finish(0);
    });
    session.on_reconnect([&] {
        // A clean session forgets subscriptions with the link; a persistent one keeps them, and
        // subscribing again is harmless.
        if (!c.topics.empty()) {
            try {
                session.subscribe(c.topics, c.qos, c.retain_as_published, sub_props, false);
            } catch (const error& e) {
                detail::warn(tool_name, e.what(), c.conn.quiet);
            }
        }
    });
    session.on_connection_lost([&](const std::string&) {
        if (c.conn.debug) detail::warn(tool_name, "connection lost; reconnecting", c.conn.quiet);
    });

    session.connect(true, 65535);
    if (!c.topics.empty()) {
        int mid = 0;
        std::vector<int> granted = session.subscribe(c.topics, c.qos, c.retain_as_published, sub_props, true, &mid);
        if (trace && !granted.empty()) {
            std::string line = fmt::format("Subscribed (mid: {}): {}", mid, granted[0]);
            for (std::size_t i = 1; i < granted.size(); ++i) line += fmt::format(", {}", granted[i]);
            trace->after_suback(mid, std::move(line));
        }
        bool any_allowed = false;
        for (std::size_t i = 0; i < granted.size(); ++i) {
            if (granted[i] < 128) any_allowed = true;
            else if (i < c.topics.size())
                detail::warn(tool_name,
                             fmt::format("the broker refused the subscription to '{}' (reason code {})", c.topics[i],
                                         granted[i]),
                             c.conn.quiet);
        }
        if (!any_allowed && !granted.empty()) {
            session.disconnect();
            out.flush();
            throw error(exit_code::failure, "all subscription requests were denied",
                        "check the broker's ACL for this user and these topic filters");
        }
    }
    if (!c.unsubscribe.empty()) session.unsubscribe(c.unsubscribe, unsub_props);
    if (c.exit_after_sub) done.finish(0);

    bool finished = done.wait(c.timeout ? static_cast<double>(*c.timeout) : -1.0);
    // A reader that stopped reading must not keep a signalled mqsub alive: what it has not taken
    // is dropped once a signal came (the queue holds at most 2 x 8 MiB; see stdout_writer).
    const auto signalled = [] { return detail::stop_signal::received() != 0; };
    if (signalled()) out.flush_until(signalled);
    session.disconnect();
    const bool flushed = out.flush_until(signalled);
    if (!finished) throw error(exit_code::timeout, fmt::format("timed out after {} s (-W)", *c.timeout));
    if (!flushed)  // output was dropped: the signal's status, not success
        return static_cast<int>(detail::stop_signal::received() == SIGTERM ? exit_code::terminated
                                                                            : exit_code::interrupted);
    return done.status();
}

}  // namespace

int run(int argc, char** argv) {
    return detail::run_tool(mqsub_spec(), argc, argv, parse_sub, subscribe_and_print);
}

}  // namespace mqkit::sub
