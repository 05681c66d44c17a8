// mqrr: thin executable; everything lives in libmqkit (mqkit::rr::run).
#include <mqkit/tool.hpp>

int main(int argc, char** argv) {
    mqkit::exit_now(mqkit::rr::run(argc, argv));
}
