/* The harnesses' assertion: a broken contract aborts, and libFuzzer keeps
 * the input that did it. */
#ifndef STATUSD_FUZZ_CHECK_H
#define STATUSD_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "contract broken: %s (%s:%d)\n",       \
			    #cond, __FILE__, __LINE__);                        \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
