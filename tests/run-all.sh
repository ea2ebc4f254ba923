#!/bin/bash
# The whole test suite, from a fresh Debian 12 machine, as root:
#   installs the build and test dependencies (Debian packages only),
#   builds with warnings as errors, runs the unit and integration tests,
#   rebuilds with ASan+UBSan and runs them again, then tests the packages.
# Used by the README's test command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)

DEPS=(build-essential cmake pkg-config libev-dev libyaml-dev libsqlite3-dev libcmocka-dev logrotate
      redis-tools redis-server python3-redis tmux lintian rpm systemd clang-format git)
missing=()
for p in "${DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
fi

JOBS=$(nproc 2>/dev/null || echo 2)
failed=0

echo "=== clang-format (.clang-format) ==="
if command -v clang-format >/dev/null; then
    git ls-files 'src/*.[ch]' 'tests/*.[ch]' | xargs clang-format --dry-run -Werror || failed=1
else
    echo "clang-format not installed: skipped"
fi

run_suite() {
    local dir=$1; shift
    cmake -S "$SRC" -B "$dir" -DRC_WERROR=ON "$@"
    cmake --build "$dir" -j"$JOBS"
    ctest --test-dir "$dir" --output-on-failure -j"$JOBS" || failed=1
}

echo "=== release build: unit + integration tests ==="
run_suite "$SRC/build-test" -DCMAKE_BUILD_TYPE=RelWithDebInfo

echo "=== ASan+UBSan build: unit + integration tests ==="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "$SRC/build-asan" -DCMAKE_BUILD_TYPE=Debug -DRC_SANITIZE=ON

if [ -f tests/packaging/test_packages.sh ] && [ "$(id -u)" -eq 0 ]; then
    echo "=== packages ==="
    bash tests/packaging/test_packages.sh || failed=1
fi

if [ $failed -ne 0 ]; then
    echo "TEST SUITE FAILED"
    exit 1
fi
echo "TEST SUITE PASSED"
