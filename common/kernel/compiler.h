/* The compiler, loaded only when a program must be compiled: libbcc (and
 * with it clang and LLVM, most of a start's time and memory) is opened
 * with dlopen, so a start that finds its program in the cache never maps
 * it. */
#ifndef SOCKLENS_COMPILER_H
#define SOCKLENS_COMPILER_H

#include "progimage.h"

#include <stdbool.h>

/* Compiles text with libbcc (with the embedded header tree unless
 * real_headers) and fills img with every function, the maps and their
 * references, and the compiler's own library files. Exits with a runtime
 * error when libbcc cannot be opened or the text does not compile. */
void compiler_compile(const char *text, bool real_headers, struct prog_image *img);

/* Gives back the compiler's memory once its output is loaded (libbcc stays
 * mapped: LLVM cannot be unloaded safely). */
void compiler_release(void);

#endif
