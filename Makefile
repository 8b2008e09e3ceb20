# statusd: make run (local stack), make test (what CI runs), make bench.
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
       -Wno-format-nonliteral
CPPFLAGS += -std=c11 -D_GNU_SOURCE -I. -Icore -I/usr/include/postgresql
LIBS = -lfcgi -ljansson -lpq -lcrypto
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
          -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC = $(wildcard core/*.c) $(wildcard db/*.c) $(wildcard handlers/*.c) \
          $(filter-out fcgi/main.c,$(wildcard fcgi/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/db/migrations_gen.o \
          $(BUILD)/db/definitions_gen.o
MIGRATIONS = $(sort $(wildcard db/migrations/*.sql))
DEFINITIONS = $(sort $(wildcard db/sql/*.sql))
UNIT_SRC = $(wildcard tests/unit/*.c)

PROGRAMS = $(BUILD)/statusd $(BUILD)/statusctl $(BUILD)/statusd-notify
NOTIFY_SRC = $(wildcard notify/*.c)
BENCH_PROGRAMS = $(BUILD)/bench-bare $(BUILD)/bench-select $(BUILD)/bench-explain

.PHONY: all build run stop test test-unit test-api test-san test-valgrind \
        fuzz fuzz-run \
        bench bench-fanout format format-check clean deps

all: build
build: $(PROGRAMS) $(BUILD)/test-unit $(BUILD)/test-chaos

# Every target that compiles or runs something first installs what is
# missing (quiet and without network when all is present), so `make run`
# and `make test` work on a bare Debian 12 machine. Order-only: it never
# makes anything out of date.
deps:
	@deploy/setup-packages.sh

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c $< -o $@

# The SQL files, embedded in the binaries (db/README.md).
$(BUILD)/db/migrations_gen.c: db/embed-sql.sh $(MIGRATIONS) | deps
	@mkdir -p $(dir $@)
	sh db/embed-sql.sh migrations $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/db/definitions_gen.c: db/embed-sql.sh $(DEFINITIONS) | deps
	@mkdir -p $(dir $@)
	sh db/embed-sql.sh definitions $(DEFINITIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/db/%_gen.o: $(BUILD)/db/%_gen.c
	$(CC) $(CPPFLAGS) -Idb $(CFLAGS) $(WARN) -c $< -o $@

$(BUILD)/libstatusd.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/statusd: $(BUILD)/fcgi/main.o $(BUILD)/libstatusd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

CLI_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c))
$(BUILD)/statusctl: $(CLI_OBJ) $(BUILD)/libstatusd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The notifier is its own program: the project library (it needs no fcgi/
# code, which the linker leaves out) plus libcurl.
$(BUILD)/statusd-notify: $(NOTIFY_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libstatusd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcurl

$(BUILD)/bench-bare: $(BUILD)/bench/bare.o
	$(CC) $(LDFLAGS) -o $@ $^ -lfcgi

$(BUILD)/bench-select: $(BUILD)/bench/select.o
	$(CC) $(LDFLAGS) -o $@ $^ -lfcgi -lpq

$(BUILD)/bench-explain: $(BUILD)/bench/explain.o $(BUILD)/libstatusd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/test-unit: $(UNIT_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libstatusd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CHECK_LIBS)

# Allocation-failure runs against a real PostgreSQL (tests/api/test_chaos.py).
$(BUILD)/test-chaos: $(BUILD)/tests/chaos/chaos.o $(BUILD)/libstatusd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Built without the sanitizers even under SAN=1: it is preloaded after
# their runtime (tests/api/notifyrig.py), and only forwards lookups.
$(BUILD)/rebind.so: tests/preload/rebind.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -O2 -g $(WARN) -fPIC -shared -o $@ $< -ldl

# The local stack: PostgreSQL under ./var, statusd, nginx on :8080.
run: deps build
	deploy/stack.sh run

stop:
	deploy/stack.sh stop

test: deps build
	$(MAKE) --no-print-directory test-unit test-api

test-unit: deps $(BUILD)/test-unit
	CK_FORK=yes $(BUILD)/test-unit

# bench-explain: tests/api/test_plans.py reads the statements' plans;
# rebind.so: the test-only DNS of tests/preload (never in a product).
test-api: deps build $(BUILD)/bench-explain $(BUILD)/rebind.so
	BUILD=$(BUILD) tests/api/run.sh

# The unit suites under valgrind (no fork, so leaks are seen).
test-valgrind: deps $(BUILD)/test-unit
	CK_FORK=no valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
	    --error-exitcode=9 $(BUILD)/test-unit

# The same suites under AddressSanitizer + UndefinedBehaviorSanitizer.
test-san:
	$(MAKE) --no-print-directory BUILD=build-san SAN=1 test

fuzz: deps
	$(MAKE) --no-print-directory -C tests/fuzz

fuzz-run: fuzz
	$(MAKE) --no-print-directory -C tests/fuzz run SECONDS=$(or $(SECONDS),20)

bench: deps build $(BENCH_PROGRAMS)
	BUILD=$(BUILD) bench/run.sh
	BUILD=$(BUILD) bench/endpoints.sh
	BUILD=$(BUILD) bench/subscribers.sh

# The fan-out of one incident to 100,000 webhook subscribers, then to
# 100,000 email subscribers (issue 11 item 8); not part of make bench (nor
# of make test).
bench-fanout: deps build
	BUILD=$(BUILD) bench/fanout.sh
	BUILD=$(BUILD) BENCH_FANOUT_CHANNEL=EMAIL bench/fanout.sh

FORMAT_SRC = $(wildcard core/*.[ch] db/*.[ch] handlers/*.[ch] fcgi/*.[ch] \
             cli/*.[ch] notify/*.[ch] tests/unit/*.c tests/fuzz/*.c tests/chaos/*.c \
             tests/preload/*.c bench/*.c)
format: deps
	clang-format -i $(FORMAT_SRC)

format-check: deps
	clang-format --dry-run --Werror $(FORMAT_SRC)

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
