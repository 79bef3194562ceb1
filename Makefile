# Stonks Oracle build. `make` builds bin/stonks; `make asan` builds
# bin/asan/stonks with AddressSanitizer + UndefinedBehaviorSanitizer;
# `make test` runs every test (installing what it needs first);
# `make demo` replays the bundled data through the services.

CC ?= cc
PKGS := libpq hiredis jansson libmicrohttpd libcurl libxml-2.0
CFLAGS_BASE := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
OPT ?= -O2 -g
NPROC := $(shell nproc 2>/dev/null || echo 2)

SRC_LIB := $(wildcard src/lib/*.c)
SRC_DOMAIN := $(wildcard src/domain/*.c)
SRC_ADAPTERS := $(wildcard src/adapters/*.c)
SRC_SERVICES := $(wildcard src/services/*.c)
SRC_ALL := $(SRC_LIB) $(SRC_DOMAIN) $(SRC_ADAPTERS) $(SRC_SERVICES)
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
BENCHES := $(patsubst bench/%.c,%,$(wildcard bench/*.c))

# Variant directories: the plain build and the sanitizer build.
B := build/rel
BA := build/asan
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

# Object files of the tests and benchmarks are kept (make would delete
# them as intermediate files and build them again on the next run).
.SECONDARY:

.PHONY: all asan test unit unit-asan demo lint format clean \
	deps bench bench-load
all: bin/stonks $(addprefix $(B)/tests/,$(UNIT_TESTS)) \
	$(addprefix bin/bench/,$(BENCHES))

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(OPT) -MMD -MP -c $< -o $@

$(BA)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(ASAN_FLAGS) -MMD -MP -c $< -o $@

OBJ_CORE := $(SRC_LIB:%.c=$(B)/%.o) $(SRC_DOMAIN:%.c=$(B)/%.o) \
	$(SRC_ADAPTERS:%.c=$(B)/%.o) $(SRC_SERVICES:%.c=$(B)/%.o)
OBJ_CORE_A := $(OBJ_CORE:$(B)/%=$(BA)/%)

# DuckDB (docs/LAKE.md): the lake code compiles against duckdb.h and
# loads libduckdb.so at run time (dlopen), so bin/stonks links nothing of
# it. The system's DuckDB when pkg-config or /usr/include has it; else
# scripts/duckdb.sh fetches the pinned npm packages into build/duckdb/
# once. Without npm the build goes on without DuckDB (the lake commands
# then say so); `make duckdb` tries the fetch again.
DUCKDB_DIR := build/duckdb
ifeq ($(shell pkg-config --exists duckdb 2>/dev/null && echo y),y)
DUCKDB_CFLAGS := $(shell pkg-config --cflags duckdb)
DUCKDB_LIB := $(shell pkg-config --variable=libdir duckdb)/libduckdb.so
DUCKDB_STAMP :=
else ifneq ($(wildcard /usr/include/duckdb.h),)
DUCKDB_CFLAGS :=
DUCKDB_LIB := libduckdb.so
DUCKDB_STAMP :=
else
DUCKDB_CFLAGS := -I$(DUCKDB_DIR)
DUCKDB_LIB := $(abspath $(DUCKDB_DIR))/libduckdb.so
DUCKDB_STAMP := $(DUCKDB_DIR)/.stamp
endif
DUCKDB_OBJ := $(foreach v,$(B) $(BA),$(addprefix $(v)/src/adapters/,\
	duckdb_api.o duckdb_lake.o))
$(DUCKDB_OBJ): CFLAGS_BASE += $(DUCKDB_CFLAGS) \
	-DSTONKS_DUCKDB_LIB='"$(DUCKDB_LIB)"'
$(DUCKDB_OBJ): $(DUCKDB_STAMP)

# A tree without scripts/ (the image's build stage copies src/ only)
# builds without DuckDB.
$(DUCKDB_DIR)/.stamp:
	@if [ -x scripts/duckdb.sh ]; then scripts/duckdb.sh $(DUCKDB_DIR); \
	else mkdir -p $(DUCKDB_DIR) && echo missing >$@ && \
	echo "duckdb: no scripts/duckdb.sh: building without DuckDB" >&2; fi

.PHONY: duckdb
duckdb:
	@rm -f $(DUCKDB_DIR)/.stamp
	@scripts/duckdb.sh $(DUCKDB_DIR)

$(B)/libstonks.a: $(OBJ_CORE)
	@rm -f $@
	ar rcs $@ $^
$(BA)/libstonks.a: $(OBJ_CORE_A)
	@rm -f $@
	ar rcs $@ $^

bin/stonks: $(B)/src/stonks.o $(B)/libstonks.a
	@mkdir -p bin
	$(CC) $(OPT) -o $@ $^ $(LDLIBS)

bin/asan/stonks: $(BA)/src/stonks.o $(BA)/libstonks.a
	@mkdir -p bin/asan
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libstonks.a
	@mkdir -p $(dir $@)
	$(CC) $(OPT) -o $@ $^ $(LDLIBS) -lcmocka
$(BA)/tests/%: $(BA)/tests/unit/%.o $(BA)/libstonks.a
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS) -lcmocka

bin/bench/%: $(B)/bench/%.o $(B)/libstonks.a
	@mkdir -p bin/bench
	$(CC) $(OPT) -o $@ $^ $(LDLIBS)

asan: bin/asan/stonks $(addprefix $(BA)/tests/,$(UNIT_TESTS))

deps:
	@scripts/deps.sh

unit: all
	@scripts/run-unit.sh $(B)/tests $(UNIT_TESTS)

unit-asan: asan
	@scripts/run-unit.sh $(BA)/tests $(UNIT_TESTS)

# The whole suite: dependencies, both builds, unit and integration tests
# plain and under sanitizers, and the lint check.
test:
	@scripts/deps.sh
	@$(MAKE) -j$(NPROC) --no-print-directory all asan fuzz-build
	@scripts/test-all.sh

demo:
	@scripts/deps.sh
	@$(MAKE) -j$(NPROC) --no-print-directory all
	@scripts/demo.sh

# The whole stack on one machine with the dashboard on
# http://127.0.0.1:8080, until Ctrl-C (docs/DASHBOARD.md).
.PHONY: up
up:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/up.sh $(UP_ARGS)

bench: all
	@scripts/bench.sh

bench-load: all
	@bench/load/run.sh

lint:
	@scripts/lint.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)

# Fuzzing (tests/fuzz, libFuzzer through clang): `make fuzz
# FUZZ_SECONDS=N` runs every harness N seconds after replaying its
# regression inputs. The objects are built with clang and the fuzzer,
# address and undefined sanitizers.
BF := build/fuzz
FUZZ_CC := clang
FUZZ_FLAGS := -std=c17 -D_GNU_SOURCE -Isrc -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_SRC := $(SRC_LIB) $(SRC_DOMAIN) src/services/svc.c \
	$(addprefix src/adapters/,replay.c csv.c feed.c sec.c html.c tstamp.c \
	ollama.c webclient.c provider.c provider_replay.c rss.c fetch.c \
	polygon.c alpaca_data.c alpaca_trading.c broker.c smtp.c) \
	$(addprefix src/services/,registry.c registry_import.c watchlist.c \
	symbols.c \
	query_api.c query_api_read.c query_api_trading.c trading.c \
	trading_engine.c trading_engine_api.c risk_engine.c trading_limits.c \
	trading_http.c)
FUZZ_HARNESSES := $(patsubst tests/fuzz/%.c,%,\
	$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 10

$(BF)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -c $< -o $@

$(BF)/libfuzzstonks.a: $(FUZZ_SRC:%.c=$(BF)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(BF)/bin/%: $(BF)/tests/fuzz/%.o $(BF)/libfuzzstonks.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(addprefix $(BF)/bin/,$(FUZZ_HARNESSES))

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_HARNESSES)

# valgrind memcheck over the domain unit tests (scripts/valgrind.sh).
.PHONY: valgrind
valgrind: all
	@scripts/valgrind.sh
