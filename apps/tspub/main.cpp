// tspub: thin executable; everything lives in libmqkit (mqkit::tspub::run).
#include <mqkit/tool.hpp>

int main(int argc, char** argv) {
    mqkit::exit_now(mqkit::tspub::run(argc, argv));
}
