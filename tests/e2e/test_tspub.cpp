// End-to-end tests of tspub against a real mosquitto set up like ThingSpeak: device users, per-channel ACLs, TLS,
// WebSockets.
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/thingspeak_standin.hpp"

#include "catch_compat.hpp"

#include <sys/stat.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

const std::string channel = "1234567";
const std::string feed = "channels/1234567/publish";

// ThingSpeak's model: an MQTT device may write only its channel's publish topics. Mosquitto 2.0
// cannot tie a client id to a user, so unlike ThingSpeak any client id is accepted here.
broker_options thingspeak_like() {
    broker_options o;
    o.users = {{"devuser", "devpass"}, {"legacy", "legacypass"}, {"admin", "adminpass"}};
    o.acl =
        "user devuser\n"
        "topic write channels/1234567/publish\n"
        "topic write channels/1234567/publish/fields/+\n"
        "\n"
        "user legacy\n"
        "topic write channels/1234567/publish/+\n"
        "topic write channels/1234567/publish/fields/+/+\n"
        "\n"
        "user admin\n"
        "topic readwrite #\n";
    o.allow_anonymous = false;
    return o;
}

args device() {
    return {"-i", "tsdev", "-u", "devuser", "-P", "devpass"};
}

args to(const broker& b, args a) {
    a.insert(a.begin(), {"-h", b.host(), "-p", std::to_string(b.port()), "--no-tls", "--channel", channel});
    return a;
}

args plus(args a, const args& more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
}

run_result tspub(const ts_home& home, args a, const std::string& input = {}, const env_list& extra = {}) {
    return run_tool(tool("tspub"), std::move(a), input, 20s, home.env(extra));
}

/// A subscriber on channels/# (as the admin user) that prints "topic payload" for `count` messages.
std::unique_ptr<background_process> watch(const broker& b, int count, const std::string& format = "") {
    args a{"-h", b.host(),     "-p", std::to_string(b.port()), "-u", "admin", "-P", "adminpass", "-i", "watcher",
           "-t", "channels/#", "-C", std::to_string(count)};
    if (format.empty())
        a.push_back("-v");
    else
        a.insert(a.end(), {"-F", format});
    auto p = std::make_unique<background_process>(tool("mqsub"), a);
    REQUIRE(b.wait_for_log("Sending SUBACK to watcher", 10s));
    return p;
}

/// Publishes END as admin, so a watcher's -C count proves what came before it.
void end_marker(const broker& b) {
    auto r = run_tool(tool("mqpub"), {"-h", b.host(), "-p", std::to_string(b.port()), "-u", "admin", "-P", "adminpass",
                                      "-t", "channels/end", "-m", "END"});
    REQUIRE(r.exit_code == 0);
}

int count_of(const std::string& haystack, const std::string& needle) {
    int n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("tspub: the cron line publishes field1, field2 and status to channels/<id>/publish silently",
          "[e2e][tspub]") {
    broker b(thingspeak_like());
    ts_home home;
    auto sub = watch(b, 1);
    auto r = tspub(home, to(b, plus(device(), {"field1=23.5", "field2=41", "status=ok"})));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
    auto s = sub->wait(10s);
    CHECK(s.out == feed + " field1=23.5&field2=41&status=ok\n");
    // MQTT 3.1.1 (p2), clean session (c1), the device's client id and username; QoS 0, retain 0.
    CHECK(b.log().find("as tsdev (p2, c1, k60, u'devuser')") != std::string::npos);
    CHECK(b.log().find("Received PUBLISH from tsdev (d0, q0, r0, m0, '" + feed + "', ... (31 bytes))") !=
          std::string::npos);
}

TEST_CASE("tspub: values are form-encoded, -1..-8, negative readings and every name", "[e2e][tspub]") {
    broker b(thingspeak_like());
    ts_home home;
    auto sub = watch(b, 1);
    auto r =
        tspub(home, to(b, plus(device(), {"-1", "-3.5", "-8", "8", "--field2=2", "status=door open & 50%", "lat=47.37",
                                          "long=8.54", "elevation=408", "created_at=2024-05-01T10:00:00+02:00"})));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(sub->wait(10s).out == feed +
                                    " field1=-3.5&field8=8&field2=2&status=door+open+%26+50%25&lat=47.37&long=8.54&"
                                    "elevation=408&created_at=2024-05-01T10%3A00%3A00%2B02%3A00\n");
}

TEST_CASE("tspub: --field N VALUE publishes the raw value to the single-field topic", "[e2e][tspub]") {
    broker b(thingspeak_like());
    ts_home home;
    auto sub = watch(b, 1);
    auto r = tspub(home, to(b, plus(device(), {"--field", "3", "-4.5 C & more"})));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(sub->wait(10s).out == "channels/1234567/publish/fields/field3 -4.5 C & more\n");
}

TEST_CASE("tspub: -d shows the packets like mqpub", "[e2e][tspub][debug]") {
    broker b(thingspeak_like());
    ts_home home;
    auto r = tspub(home, to(b, plus(device(), {"-d", "field1=1"})));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    const std::string pre = "Client tsdev ";
    CHECK(r.out == pre + "sending CONNECT\n" + pre + "received CONNACK (0)\n" + pre +
                       "sending PUBLISH (d0, q0, r0, m1, '" + feed + "', ... (8 bytes))\n" + pre +
                       "sending DISCONNECT\n");
    CHECK(r.out.find("devpass") == std::string::npos);
}

TEST_CASE("tspub: credentials from the default file, --credentials, env, precedence flags > env > files",
          "[e2e][tspub][credentials]") {
    broker b(thingspeak_like());
    ts_home home;
    home.write(home.default_credentials(), "username = devuser\nclientId = from-default\npassword = devpass\n");

    SECTION("the default file alone is enough, and a private file gives no warning") {
        auto sub = watch(b, 1);
        auto r = tspub(home, to(b, {"field1=1"}));
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
        CHECK(sub->wait(10s).out == feed + " field1=1\n");
        CHECK(b.log().find("as from-default (p2, c1, k60, u'devuser')") != std::string::npos);
    }
    SECTION("a credentials file others can read still works, with one warning") {
        REQUIRE(::chmod(home.default_credentials().c_str(), 0644) == 0);
        auto r = tspub(home, to(b, {"field1=1"}));
        CHECK(r.exit_code == 0);
        CHECK(r.err == "tspub: warning: credentials file '" + home.default_credentials() +
                           "' can be read by group or others (mode 0644); run: chmod 600 '" +
                           home.default_credentials() + "'\n");
        auto quiet = tspub(home, to(b, {"field1=1", "--quiet", "--min-interval", "0"}));
        CHECK(quiet.exit_code == 0);
        CHECK(quiet.err.empty());
    }
    SECTION("--credentials replaces the default file; its keys may be spelled client_id, USERNAME, Password") {
        std::string other = home.dir + "/device.txt";
        home.write(
            other,
            "\xEF\xBB\xBF# from ThingSpeak\r\nclient_id = from-other\r\nUSERNAME = devuser\r\nPassword = devpass\r\n");
        auto r = tspub(home, to(b, {"--credentials", other, "field1=1"}));
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(b.log().find("as from-other ") != std::string::npos);
    }
    SECTION("each credential comes from the first place that has it") {
        std::string other = home.dir + "/device.txt";
        home.write(other, "clientId = from-credentials\nusername = devuser\npassword = devpass\n");
        auto id_of = [&](const args& a, const env_list& env) {
            auto r = tspub(home, to(b, plus(a, {"--dry-run", "field1=1"})), {}, env);
            INFO(describe(r));
            REQUIRE(r.exit_code == 0);
            auto at = r.out.find("client id: ");
            return r.out.substr(at + 11, r.out.find('\n', at) - at - 11);
        };
        env_list env{{"THINGSPEAK_CLIENT_ID", "from-env"}};
        CHECK(id_of({"-i", "from-flag", "--credentials", other}, env) == "from-flag");
        CHECK(id_of({"--credentials", other}, env) == "from-env");
        CHECK(id_of({"--credentials", other}, {}) == "from-credentials");
        CHECK(id_of({}, {}) == "from-default");
        // A wrong password in the environment beats the right one in the file: refused.
        auto r = tspub(home, to(b, {"field1=1"}), {}, {{"THINGSPEAK_PASSWORD", "wrong"}});
        CHECK(r.exit_code == 4);
        auto ok = tspub(home, to(b, {"-P", "devpass", "field1=1", "--min-interval", "0"}), {},
                        {{"THINGSPEAK_PASSWORD", "wrong"}});
        CHECK(ok.exit_code == 0);
    }
    SECTION("credentials only from the environment") {
        std::remove(home.default_credentials().c_str());
        auto sub = watch(b, 1);
        auto r = tspub(home, to(b, {"field1=7"}), {},
                       {{"THINGSPEAK_CLIENT_ID", "envdev"},
                        {"THINGSPEAK_USERNAME", "devuser"},
                        {"THINGSPEAK_PASSWORD", "devpass"}});
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(sub->wait(10s).out == feed + " field1=7\n");
        CHECK(b.log().find("as envdev ") != std::string::npos);
    }
}

TEST_CASE("tspub: missing or unreadable credentials exit 3 saying which and where",
          "[e2e][tspub][credentials][errors]") {
    ts_home home;
    auto none = tspub(home, {"--channel", channel, "field1=1"});
    CHECK(none.exit_code == 3);
    CHECK(none.err ==
          "tspub: error: missing MQTT client id, username and password; looked in: -i/-u/-P, "
          "THINGSPEAK_CLIENT_ID/_USERNAME/_PASSWORD, " +
              home.default_credentials() + " (not found)\n" +
              "tspub: hint: save the MQTT device's credentials file from ThingSpeak as " + home.default_credentials() +
              " (chmod 600)\n");
    home.write(home.default_credentials(), "clientId = x\nusername = y\n");
    auto no_pw = tspub(home, {"--channel", channel, "field1=1"});
    CHECK(no_pw.exit_code == 3);
    CHECK(no_pw.err.rfind("tspub: error: missing MQTT password; looked in: -i/-u/-P, "
                          "THINGSPEAK_CLIENT_ID/_USERNAME/_PASSWORD, " +
                              home.default_credentials() + "\n",
                          0) == 0);
    auto gone = tspub(home, {"--channel", channel, "--credentials", home.dir + "/nope", "field1=1"});
    CHECK(gone.exit_code == 3);
    CHECK(gone.err == "tspub: error: --credentials: cannot read credentials file '" + home.dir +
                          "/nope': No such file or directory\n");
}

TEST_CASE("tspub: refused credentials exit 4 without showing the password", "[e2e][tspub][errors]") {
    broker b(thingspeak_like());
    ts_home home;
    auto r = tspub(home, to(b, {"-i", "x", "-u", "devuser", "-P", "not-the-password", "field1=1"}));
    CHECK(r.exit_code == 4);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "tspub: error: connection refused: not authorised\ntspub: hint: check the MQTT device's client id, "
          "username and password, and that the device is authorised for the channel\n");
    // The refused update did not use up the rate-limit slot.
    auto ok = tspub(home, to(b, plus(device(), {"field1=1"})));
    CHECK(ok.exit_code == 0);
}

TEST_CASE("tspub: DNS failure exits 5, nothing listening exits 6", "[e2e][tspub][errors]") {
    ts_home home;
    // A label longer than 63 bytes fails inside the resolver library: no query leaves the machine.
    std::string host = std::string(70, 'a') + ".invalid";
    auto dns = tspub(home, plus({"-h", host, "--channel", channel, "field1=1"}, device()));
    CHECK(dns.exit_code == 5);
    CHECK(dns.err.rfind("tspub: error: cannot resolve host '" + host + "': ", 0) == 0);
    CHECK(count_of(dns.err, "\n") == 1);
    int port = broker::free_port();
    auto refused =
        tspub(home, plus({"-h", "127.0.0.1", "-p", std::to_string(port), "--channel", channel, "field1=1"}, device()));
    CHECK(refused.exit_code == 6);
    CHECK(refused.err ==
          "tspub: error: cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused\n");
    // A refused connection does not use up the rate-limit slot either.
    CHECK(read_text_file(home.state_file()).empty());
}

TEST_CASE("tspub: TLS with --cafile, an untrusted certificate or a plain port is a TLS failure (exit 7)",
          "[e2e][tspub][tls]") {
    ts_home home;
    const std::string d = home.dir;
    auto openssl = [](const args& a) {
        auto r = run_tool("openssl", a, {}, 30s);
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
    };
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/ca.key", "-out", d + "/ca.pem", "-days",
             "2", "-subj", "/CN=mqkit test CA"});
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/srv.key", "-out", d + "/srv.csr", "-subj",
             "/CN=localhost"});
    home.write(d + "/ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl({"x509", "-req", "-in", d + "/srv.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key", "-CAcreateserial",
             "-out", d + "/srv.pem", "-days", "2", "-extfile", d + "/ext"});
    home.write(d + "/ext-other", "subjectAltName=DNS:other.invalid\n");
    openssl({"x509", "-req", "-in", d + "/srv.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key", "-CAcreateserial",
             "-out", d + "/other.pem", "-days", "2", "-extfile", d + "/ext-other"});
    int tls_port = broker::free_port();
    int other_port = broker::free_port();
    while (other_port == tls_port) other_port = broker::free_port();
    broker_options o = thingspeak_like();
    for (auto [port, cert] : {std::pair{tls_port, "/srv.pem"}, {other_port, "/other.pem"}})
        o.extra_config += "listener " + std::to_string(port) + " 127.0.0.1\ncafile " + d + "/ca.pem\ncertfile " + d +
                          cert + "\nkeyfile " + d + "/srv.key\n";
    broker b(o);
    auto sub = watch(b, 2);
    const args base{"-h", "127.0.0.1", "--channel", channel, "--min-interval", "0"};

    auto ok = tspub(
        home, plus(plus(base, device()), {"-p", std::to_string(tls_port), "--cafile", d + "/ca.pem", "field1=1"}));
    INFO(describe(ok));
    CHECK(ok.exit_code == 0);
    // Without --cafile tspub trusts the OS store: OpenSSL's default paths, which SSL_CERT_FILE replaces.
    auto os_store = tspub(home, plus(plus(base, device()), {"-p", std::to_string(tls_port), "field1=2"}), {},
                          {{"SSL_CERT_FILE", d + "/ca.pem"}});
    INFO(describe(os_store));
    CHECK(os_store.exit_code == 0);
    CHECK(sub->wait(10s).out == feed + " field1=1\n" + feed + " field1=2\n");

    auto untrusted = tspub(home, plus(plus(base, device()), {"-p", std::to_string(tls_port), "field1=1"}));
    CHECK(untrusted.exit_code == 7);
    CHECK(untrusted.err == "tspub: error: TLS: the broker's certificate at 127.0.0.1:" + std::to_string(tls_port) +
                               " is not signed by a trusted CA\ntspub: hint: give the CA that signed it with --cafile "
                               "or --capath (or --tls-use-os-certs)\n");
    auto other_host = tspub(
        home, plus(plus(base, device()), {"-p", std::to_string(other_port), "--cafile", d + "/ca.pem", "field1=1"}));
    CHECK(other_host.exit_code == 7);
    CHECK(other_host.err ==
          "tspub: error: TLS: the broker's certificate does not match the host name '127.0.0.1'\ntspub: hint: "
          "connect by a name the certificate holds, or skip this check with --insecure (unsafe)\n");
    auto plain_port = tspub(home, plus(plus(base, device()), {"-p", std::to_string(b.port()), "field1=1"}));
    CHECK(plain_port.exit_code == 7);
    CHECK(plain_port.err.rfind("tspub: error: TLS: the broker at 127.0.0.1:" + std::to_string(b.port()) +
                                   " did not answer the TLS handshake (is it a plain MQTT port?)\n",
                               0) == 0);
    auto no_tls = tspub(home, plus(plus(base, device()), {"-p", std::to_string(tls_port), "--no-tls", "field1=1"}));
    CHECK(no_tls.exit_code == 6);
    CHECK(no_tls.err == "tspub: error: 127.0.0.1:" + std::to_string(tls_port) +
                            " accepted the TCP connection but did not answer MQTT\ntspub: hint: does the port expect "
                            "TLS (drop --no-tls) or WebSockets (--websocket)?\n");
}

TEST_CASE("tspub: --websocket speaks MQTT over WebSockets on path /mqtt", "[e2e][tspub][websocket]") {
    int ws_port = broker::free_port();
    broker_options o = thingspeak_like();
    o.extra_config = "listener " + std::to_string(ws_port) + " 127.0.0.1\nprotocol websockets\n";
    broker b(o);
    ts_home home;
    auto sub = watch(b, 1);
    auto r = tspub(home, plus({"-h", "127.0.0.1", "-p", std::to_string(ws_port), "--websocket", "--no-tls", "--channel",
                               channel, "field1=ws"},
                              device()));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(sub->wait(10s).out == feed + " field1=ws\n");
}

TEST_CASE("tspub: the rate limit remembers the last update per channel, --wait waits, 0 turns it off",
          "[e2e][tspub][rate]") {
    broker b(thingspeak_like());
    ts_home home;
    auto sub = watch(b, 3, "%U %p");
    REQUIRE(tspub(home, to(b, plus(device(), {"field1=1"}))).exit_code == 0);
    struct stat st {};
    REQUIRE(::stat(home.state_file().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    auto limited = tspub(home, to(b, plus(device(), {"field1=2"})));
    CHECK(limited.exit_code == 8);
    CHECK(limited.err.rfind("tspub: error: rate limit: channel 1234567 was updated ", 0) == 0);
    CHECK(limited.err.find("; the next update is allowed at ") != std::string::npos);
    CHECK(limited.err.find("--min-interval 15)\ntspub: hint: add --wait to wait for it; ThingSpeak silently drops "
                           "updates that come too fast\n") != std::string::npos);

    // A batch's first update follows the same rule: without --wait, exit 8 and send nothing.
    auto batch = tspub(home, to(b, plus(device(), {"--stdin"})), "field1=9\n");
    CHECK(batch.exit_code == 8);

    auto waited = tspub(home, to(b, plus(device(), {"field1=3", "--min-interval", "2", "--wait"})));
    CHECK(waited.exit_code == 0);

    auto off = tspub(home, to(b, plus(device(), {"field1=4", "--min-interval", "0"})));
    CHECK(off.exit_code == 0);
    auto s = sub->wait(10s);
    INFO(s.out);
    std::istringstream lines(s.out);
    std::vector<double> at(3);
    std::vector<std::string> payload(3);
    for (int i = 0; i < 3; ++i) lines >> at[i] >> payload[i];
    CHECK(payload == std::vector<std::string>{"field1=1", "field1=3", "field1=4"});
    CHECK(at[1] - at[0] >= 1.9);  // --wait held the second update back for the interval
}

TEST_CASE("tspub: two concurrent runs never both publish within the interval", "[e2e][tspub][rate]") {
    broker b(thingspeak_like());
    ts_home home;
    SECTION("without --wait one publishes and the other exits 8") {
        auto sub = watch(b, 2);
        args a = to(b, plus(device(), {"field1=1"}));
        background_process one(tool("tspub"), a, home.env());
        background_process two(tool("tspub"), a, home.env());
        auto r1 = one.wait(20s);
        auto r2 = two.wait(20s);
        INFO(describe(r1) << describe(r2));
        CHECK(r1.exit_code + r2.exit_code == 8);
        CHECK((r1.exit_code == 0 || r2.exit_code == 0));
        end_marker(b);
        CHECK(sub->wait(10s).out == feed + " field1=1\nchannels/end END\n");
    }
    SECTION("with --wait both publish, the interval apart") {
        auto sub = watch(b, 2, "%U %p");
        args a = to(b, plus(device(), {"field1=1", "--wait", "--min-interval", "2"}));
        background_process one(tool("tspub"), a, home.env());
        background_process two(tool("tspub"), a, home.env());
        auto r1 = one.wait(20s);
        auto r2 = two.wait(20s);
        INFO(describe(r1) << describe(r2));
        CHECK(r1.exit_code == 0);
        CHECK(r2.exit_code == 0);
        auto s = sub->wait(10s);
        INFO(s.out);
        std::istringstream lines(s.out);
        double t1 = 0, t2 = 0;
        std::string p1, p2;
        lines >> t1 >> p1 >> t2 >> p2;
        CHECK(p1 == "field1=1");
        CHECK(p2 == "field1=1");
        CHECK(t2 - t1 >= 1.9);
    }
}

TEST_CASE("tspub --stdin: name=value lines over one connection, honouring the interval", "[e2e][tspub][stdin]") {
    broker b(thingspeak_like());
    ts_home home;
    auto sub = watch(b, 3, "%U %t %p");
    auto start = std::chrono::steady_clock::now();
    auto r = tspub(home, to(b, plus(device(), {"--stdin", "--min-interval", "1"})),
                   "field1=1 field2=2\n\n# a comment\nstatus=\"two words\" field3=-3\r\nfield4=4");
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(took >= 1.9);
    auto s = sub->wait(10s);
    std::istringstream lines(s.out);
    std::vector<double> at(3);
    std::vector<std::string> topic(3), payload(3);
    for (int i = 0; i < 3; ++i) lines >> at[i] >> topic[i] >> payload[i];
    CHECK(payload == std::vector<std::string>{"field1=1&field2=2", "status=two+words&field3=-3", "field4=4"});
    CHECK(topic[2] == feed);
    CHECK(at[1] - at[0] >= 0.9);
    CHECK(at[2] - at[1] >= 0.9);
    CHECK(count_of(b.log(), "as tsdev ") == 1);  // one connection for the batch
}

TEST_CASE("tspub --stdin: CSV with a header, a bad row is skipped and reported (exit 2)", "[e2e][tspub][stdin]") {
    broker b(thingspeak_like());
    ts_home home;
    auto sub = watch(b, 3);
    auto r = tspub(home, to(b, plus(device(), {"--stdin", "--min-interval", "0"})),
                   "created_at,entry_id,field1,field2\n"
                   "2024-01-01T10:00:00Z,1,1.5,\n"
                   "2024-01-01T10:01:00Z,2,1.6,2.6,extra\n"
                   "\"2024-01-01 10:02:00 UTC\",3,,\"2,7\"\n");
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "tspub: warning: stdin line 3: 5 CSV cells but the header names 4 columns (skipped)\n"
          "tspub: error: 1 of 3 updates on standard input were bad and not sent\n");
    end_marker(b);
    CHECK(sub->wait(10s).out == feed + " created_at=2024-01-01T10%3A00%3A00Z&field1=1.5\n" + feed +
                                    " created_at=2024-01-01+10%3A02%3A00+UTC&field2=2%2C7\nchannels/end END\n");

    auto header = tspub(home, to(b, plus(device(), {"--stdin"})), "created_at,temperature\n1,2\n");
    CHECK(header.exit_code == 2);
    CHECK(header.err.rfind("tspub: error: stdin line 1: unknown field name 'temperature'", 0) == 0);
    auto empty = tspub(home, to(b, plus(device(), {"--stdin"})), "\n# nothing\n");
    CHECK(empty.exit_code == 2);
    CHECK(empty.err == "tspub: error: no values: standard input held no updates\n");
}

TEST_CASE("tspub --dry-run prints what would be sent, never the password, and sends nothing", "[e2e][tspub][dry-run]") {
    broker b(thingspeak_like());
    ts_home home;
    auto r = tspub(
        home, to(b, {"-i", "dryid", "-u", "devuser", "-P", "devpass", "--dry-run", "field1=23.5", "status=all good"}));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "host: 127.0.0.1\nport: " + std::to_string(b.port()) +
                       "\ntransport: MQTT over TCP, no TLS\nclient id: dryid\nusername: devuser\npassword: (set, not "
                       "shown)\nrate limit: one update per 15 s (" +
                       home.state_file() + ")\ntopic: " + feed + "\npayload: field1=23.5&status=all+good\n");
    CHECK(r.out.find("devpass") == std::string::npos);
    CHECK(b.log().find("dryid") == std::string::npos);

    auto defaults =
        tspub(home, plus({"--channel", channel, "--dry-run", "--min-interval", "0", "--field", "2", "5"}, device()));
    CHECK(defaults.out ==
          "host: mqtt3.thingspeak.com\nport: 8883\ntransport: MQTT over TLS, OS certificate store\n"
          "client id: tsdev\nusername: devuser\npassword: (set, not shown)\nrate limit: off\n"
          "topic: channels/1234567/publish/fields/field2\npayload: 5\n");
    auto wss = tspub(home, plus({"--channel", channel, "--dry-run", "--websocket", "field1=1"}, device()));
    CHECK(wss.out.find("port: 443\ntransport: MQTT over WebSockets (wss, path /mqtt), OS certificate store\n") !=
          std::string::npos);
    auto batch = tspub(home, plus({"--channel", channel, "--dry-run", "--stdin"}, device()), "field1=1\nfield2=2\n");
    CHECK(batch.exit_code == 0);
    CHECK(batch.out.find("payload: field1=1\npayload: field2=2\n") != std::string::npos);
}

TEST_CASE("tspub --legacy-api-key: old topic form, the key never shows in output, -d or ps", "[e2e][tspub][legacy]") {
    broker b(thingspeak_like());
    ts_home home;
    const args legacy_user{"-i", "old", "-u", "legacy", "-P", "legacypass"};
    auto sub = watch(b, 2);
    auto r = tspub(home, to(b, plus(legacy_user, {"--legacy-api-key", "WRITEKEY123", "-d", "field1=1"})));
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("'channels/1234567/publish/********'") != std::string::npos);
    CHECK(r.out.find("WRITEKEY123") == std::string::npos);
    auto env_key = tspub(home, to(b, plus(legacy_user, {"--field", "2", "9", "--min-interval", "0"})), {},
                         {{"THINGSPEAK_API_KEY", "ENVKEY456"}});
    CHECK(env_key.exit_code == 0);
    CHECK(sub->wait(10s).out ==
          "channels/1234567/publish/WRITEKEY123 field1=1\n"
          "channels/1234567/publish/fields/field2/ENVKEY456 9\n");
    auto dry = tspub(home, to(b, plus(legacy_user, {"--legacy-api-key", "WRITEKEY123", "--dry-run", "field1=1"})));
    CHECK(dry.out.find("topic: channels/1234567/publish/********\n") != std::string::npos);
    CHECK(dry.out.find("WRITEKEY123") == std::string::npos);

    // A run waiting for the rate limit: its command line shows neither the password nor the key.
    background_process waiting(tool("tspub"),
                               to(b, {"-i", "old", "-u", "legacy", "-P", "legacypass", "--legacy-api-key=WRITEKEY123",
                                      "--wait", "--min-interval", "60", "field1=2"}),
                               home.env());
    // tspub overwrites the secrets as it starts (the key last); poll its command line until it has.
    std::string cmdline;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (cmdline.find("--legacy-api-key=***********") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        cmdline = run_tool("/bin/cat", {"/proc/" + std::to_string(waiting.pid()) + "/cmdline"}).out;
    CHECK(cmdline.find("--wait") != std::string::npos);
    CHECK(cmdline.find("legacypass") == std::string::npos);
    CHECK(cmdline.find("WRITEKEY123") == std::string::npos);
    waiting.signal(SIGINT);
    auto w = waiting.wait(10s);
    CHECK(w.exit_code == 130);
    CHECK(w.err.empty());
}

TEST_CASE("tspub: a channel the device may not write is dropped silently at QoS 0, as on ThingSpeak",
          "[e2e][tspub][acl]") {
    broker b(thingspeak_like());
    ts_home home;
    auto r = tspub(
        home, plus({"-h", b.host(), "-p", std::to_string(b.port()), "--no-tls", "--channel", "7654321", "field1=1"},
                   device()));
    CHECK(r.exit_code == 0);  // QoS 0 has no acknowledgement: nothing tells the client
    CHECK(b.wait_for_log("Denied PUBLISH from tsdev", 10s));
}

TEST_CASE("tspub: bad arguments are one line each with exit 2, before connecting", "[e2e][tspub][errors]") {
    ts_home home;
    const std::vector<std::pair<args, std::string>> cases{
        {{"--channel", channel, "feild1=1"},
         "tspub: error: unknown field name 'feild1' (use field1..field8, status, lat, long, elevation or "
         "created_at)\ntspub: hint: did you mean field1?\n"},
        {{"--channel", channel, "field9=1"},
         "tspub: error: field9: field number 9 is outside 1-8\ntspub: hint: a ThingSpeak channel has field1..field8\n"},
        {{"--channel", channel},
         "tspub: error: no values: give name=value arguments (e.g. field1=23.5), -1..-8 VALUE, "
         "--field N VALUE or --stdin\n"},
        {{"--channel", "", "field1=1"}, "tspub: error: --channel: empty channel id\n"},
        {{"--channel", "abc", "field1=1"},
         "tspub: error: --channel: channel id 'abc' is not a number\ntspub: hint: a "
         "ThingSpeak channel id is digits only, e.g. 1234567\n"},
        {{"--channel", channel, "status=" + std::string(256, 'x')},
         "tspub: error: status: value is 256 characters long; ThingSpeak keeps at most 255\n"},
        {{"--channel", channel, "-q", "1", "field1=1"},
         "tspub: error: -q/--qos 1: ThingSpeak supports only QoS 0 (it never acknowledges QoS 1 or 2)\ntspub: hint: "
         "leave out -q; tspub publishes at QoS 0\n"},
        {{"field1=1"}, "tspub: error: no channel: give --channel ID or set THINGSPEAK_CHANNEL_ID\n"},
    };
    for (const auto& [a, expected] : cases) {
        auto r = tspub(home, plus(a, device()));
        INFO(describe(r));
        CHECK(r.exit_code == 2);
        CHECK(r.err == expected);
        CHECK(r.out.empty());
    }
    auto quiet = tspub(home, {"--channel", channel, "field9=1", "--quiet"});
    CHECK(quiet.exit_code == 2);
    CHECK(quiet.err.empty());
    auto env_channel = tspub(home, plus({"--dry-run", "field1=1"}, device()), {}, {{"THINGSPEAK_CHANNEL_ID", "42"}});
    CHECK(env_channel.exit_code == 0);
    CHECK(env_channel.out.find("topic: channels/42/publish\n") != std::string::npos);
}

TEST_CASE("tspub --help lists the exit codes, --version", "[e2e][tspub]") {
    ts_home home;
    auto h = tspub(home, {"--help"});
    CHECK(h.exit_code == 0);
    CHECK(h.out.find("Usage: tspub --channel ID") != std::string::npos);
    CHECK(h.out.find("  8    rate limit:") != std::string::npos);
    auto v = tspub(home, {"--version"});
    CHECK(v.exit_code == 0);
    CHECK(v.out.rfind("tspub ", 0) == 0);
}

TEST_CASE("tspub: an unusable state directory is exit 1, and --min-interval 0 needs none",
          "[e2e][tspub][rate][errors]") {
    broker b(thingspeak_like());
    ts_home home;
    home.write(home.dir + "/file", "not a directory\n");
    env_list state_in_a_file{{"XDG_STATE_HOME", home.dir + "/file"}};
    auto r = tspub(home, to(b, plus(device(), {"field1=1"})), {}, state_in_a_file);
    CHECK(r.exit_code == 1);
    CHECK(r.err == "tspub: error: state file '" + home.dir + "/file/mqkit/thingspeak-1234567.last': cannot create '" +
                       home.dir +
                       "/file/mqkit': Not a directory\ntspub: hint: set XDG_STATE_HOME to a writable "
                       "directory, or --min-interval 0 to turn the rate limit off\n");
    auto off = tspub(home, to(b, plus(device(), {"field1=1", "--min-interval", "0"})), {}, state_in_a_file);
    CHECK(off.exit_code == 0);
}
