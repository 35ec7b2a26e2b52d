// The `hivewatch` command-line client; all behaviour lives in the hivewatch::cli library.
#include "cli/cli.h"

int main(int argc, char** argv) { return hivewatch::cli::Main(argc, argv); }
