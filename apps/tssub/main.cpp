// tssub: thin executable; everything lives in libmqkit (mqkit::tssub::run).
#include <mqkit/tool.hpp>

int main(int argc, char** argv) {
    mqkit::exit_now(mqkit::tssub::run(argc, argv));
}
