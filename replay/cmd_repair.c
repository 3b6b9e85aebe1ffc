#include "commands.h"
int cmd_repair(int argc, char **argv) { (void)argc; (void)argv; return EXIT_FAIL; }
