// Uses an installed libmqkit: topic matching and a flag table, checked, so a broken install fails.
#include <mqkit/flags.hpp>
#include <mqkit/topic.hpp>

#include <cstdio>

int main() {
    const bool ok = mqkit::topic_matches("home/+/temp", "home/kitchen/temp") &&
                    !mqkit::topic_matches("home/+/temp", "home/kitchen/humidity") &&
                    mqkit::mqpub_spec().find("topic") != nullptr;
    std::puts(ok ? "consumer: mqkit works" : "consumer: mqkit gave wrong answers");
    return ok ? 0 : 1;
}
