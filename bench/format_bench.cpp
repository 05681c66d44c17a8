// Microbenchmark of mqsub's per-message output: render_message() with a compiled -F plan.
// Build it against a build of libmqkit, then time it or count its instructions, e.g.:
//   g++ -std=c++17 -O2 -Ilib/include bench/format_bench.cpp -Lbuild/lib -lmqkit -o /tmp/fb
//   TZ=UTC LD_LIBRARY_PATH=build/lib /tmp/fb '%t %p' 1000000    (ns per message; noisy when busy)
//   TZ=UTC LD_LIBRARY_PATH=build/lib valgrind --tool=callgrind /tmp/fb '%t %p' 12000
//   (instructions: subtract a run of 2000 messages, divide by 10000)
#include "mqkit/format.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs("usage: format_bench FORMAT [MESSAGES]\n", stderr);
        return 2;
    }
    const long n = argc > 2 ? std::atol(argv[2]) : 1000000;
    mqkit::received_message m;
    m.topic = "sensors/lab/temperature";
    m.payload = R"({"t":21.5,"h":40})";
    m.qos = 1;
    m.mid = 42;
    m.received_at = std::chrono::system_clock::now();
    mqkit::output_options o;
    o.format = argv[1];
    const mqkit::output_plan plan(o);  // once, as mqsub does at start

    std::string out;
    for (int i = 0; i < 1000; ++i) {  // warm up
        out.clear();
        mqkit::render_message(out, m, plan);
    }
    const auto start = std::chrono::steady_clock::now();
    std::size_t bytes = 0;
    for (long i = 0; i < n; ++i) {
        out.clear();
        mqkit::render_message(out, m, plan);
        bytes += out.size();
    }
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    std::printf("%-40s %8.1f ns/message, %zu bytes\n", argv[1], took.count() / static_cast<double>(n),
                n > 0 ? bytes / static_cast<std::size_t>(n) : 0);
    return 0;
}
