// mqbench: thin executable; everything lives in libmqkit (mqkit::bench::run).
#include <mqkit/tool.hpp>

int main(int argc, char** argv) {
    mqkit::exit_now(mqkit::bench::run(argc, argv));
}
