# The two commands: `make run` and `make test`. Both install what is missing first.
include Makefile.inc

.PHONY: all deps configure build run test test-unit test-asan bench fuzz format clean

all: build

deps:
	@tools/install-deps.sh $(PACKAGES)

$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Runs tegamid in the foreground on the embedded default config (loopback, ports 2xxx, ./var/).
run: build
	$(BUILD_DIR)/src/tegamid -c conf/tegami.yaml

# Every test: the normal build and the ASan/UBSan build, each running all unit and integration tests.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600
	$(MAKE) test-asan

test-asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTEGAMI_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

# Benchmarks against Debian's Dovecot/Postfix, one table at the end.
bench: build
	tools/run-bench.sh $(BUILD_DIR)

# libFuzzer targets (clang-14); FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTEGAMI_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	tools/run-fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
