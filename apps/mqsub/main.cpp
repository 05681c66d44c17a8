// mqsub: thin executable; everything lives in libmqkit (mqkit::sub::run).
#include <mqkit/tool.hpp>

int main(int argc, char** argv) { mqkit::exit_now(mqkit::sub::run(argc, argv)); }
