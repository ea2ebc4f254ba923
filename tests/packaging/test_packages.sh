#!/bin/bash
# shellcheck disable=SC2317  # cleanup and stop_server run from the EXIT trap
# test_packages.sh: builds the .deb and the .rpm with CPack, installs the .deb
# on this machine and checks what it did, runs the installed server as the
# raftcache user, upgrades, removes and purges, and checks the .rpm's
# metadata.  packaging/README.md ("How the packages are checked") lists the
# steps.
#
# Runs as root on Debian 12 (CI has no systemd as PID 1, nor needs it).  It
# only listens on loopback, never on port 6379, and undoes what it did on
# exit, whatever happens, so a second run on the same machine passes.
#
# Environment:
#   RC_PKG_BUILD_DIR   reuse this CMake build directory (default: a fresh one
#                      in a temporary directory, removed at the end)
#   RC_PKG_NO_INSTALL  1: do not apt-get missing tools, fail instead
#   CI                 true: a leftover raftcache install or user from an
#                      earlier, killed run is purged first instead of failing
#
# Ends with "N passed, M failed"; exits 1 if anything failed.
set -u
export LC_ALL=C.UTF-8
export DEBIAN_FRONTEND=noninteractive

SRC=$(cd "$(dirname "$0")/../.." && pwd)
PASS=0
FAIL=0
SERVER_PID=
NOTIFY_PID=
INSTALLED=0
TMP=
BUILD=

# Tags lintian may report as warnings, with the reason in packaging/README.md.
LINTIAN_ALLOWED_WARNINGS="initial-upload-closes-no-bugs"

say() { printf '%s\n' "$*"; }
pass() {
	PASS=$((PASS + 1))
	say "ok   - $1"
}
fail() {
	FAIL=$((FAIL + 1))
	say "FAIL - $1"
	if [ $# -gt 1 ] && [ -n "$2" ]; then
		printf '%s\n' "$2" | sed 's/^/       | /' | head -40
	fi
}
# check DESCRIPTION COMMAND...: passes if the command exits 0; its output is
# shown only on failure.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$desc"
	else
		fail "$desc" "$out"
	fi
}
# expect DESCRIPTION GOT WANT
expect() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got:  '$2'
want: '$3'"
	fi
}
# owner:group mode of a path, or "absent"
perms() { stat -c '%U:%G %a' "$1" 2>/dev/null || echo absent; }

# Ends the run; the EXIT trap (cleanup) prints the summary line.
finish() {
	[ "$FAIL" -eq 0 ]
	exit $?
}

stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$SERVER_PID" 2>/dev/null
	fi
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

cleanup() {
	local rc=$?
	stop_server
	if [ -n "$NOTIFY_PID" ]; then
		kill "$NOTIFY_PID" 2>/dev/null
		wait "$NOTIFY_PID" 2>/dev/null
	fi
	if [ "$INSTALLED" = 1 ] && dpkg-query -W raftcache >/dev/null 2>&1; then
		say "# cleanup: purging the raftcache package"
		dpkg -P raftcache </dev/null >/dev/null 2>&1 || say "# cleanup: dpkg -P failed"
	fi
	if [ -n "$TMP" ] && [ -d "$TMP" ]; then
		rm -rf "$TMP"
	fi
	if [ "$rc" -ne 0 ] && [ "$FAIL" -eq 0 ]; then
		fail "the run ended early (exit status $rc)"
	fi
	say "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------------------
say "# raftcache packaging test (source: $SRC)"

if [ "$(id -u)" != 0 ]; then
	fail "runs as root (dpkg -i, useradd)" "run it as root: sudo bash $0"
	finish
fi

# Tools: the build dependencies of the project itself are the caller's
# (tests/run-all.sh); these are the packaging ones.
need_pkgs=""
for t in cpack:cmake dpkg-shlibdeps:dpkg-dev rpmbuild:rpm rpm:rpm lintian:lintian \
	redis-cli:redis-tools systemd-analyze:systemd logrotate:logrotate \
	setpriv:util-linux ss:iproute2 python3:python3; do
	command -v "${t%%:*}" >/dev/null 2>&1 || need_pkgs="$need_pkgs ${t#*:}"
done
if [ -n "$need_pkgs" ] && [ "${RC_PKG_NO_INSTALL:-0}" != 1 ]; then
	say "# installing:$need_pkgs"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need_pkgs >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
			apt-get install -y -qq --no-install-recommends $need_pkgs >/dev/null 2>&1; }
fi
missing=""
for t in cmake cpack dpkg-shlibdeps rpmbuild rpm lintian redis-cli systemd-analyze \
	logrotate setpriv ss python3; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	fail "packaging tools present" "missing:$missing"
	finish
fi
pass "packaging tools present"

# A previous run killed with SIGKILL could not clean up.
if dpkg-query -W -f='${db:Status-Status}' raftcache 2>/dev/null | grep -qv '^not-installed$'; then
	if [ "${CI:-}" = true ]; then
		say "# a raftcache package is on this machine: purging it (CI)"
		dpkg -P raftcache </dev/null >/dev/null 2>&1
	else
		fail "no raftcache package installed before the test" \
			"dpkg -P raftcache first (it deletes /var/lib/raftcache)"
		finish
	fi
fi
if getent passwd raftcache >/dev/null || getent group raftcache >/dev/null ||
	[ -e /var/lib/raftcache ] || [ -e /etc/raftcache ]; then
	if [ "${CI:-}" = true ]; then
		say "# leftovers of an earlier run: removing them (CI)"
		userdel raftcache 2>/dev/null
		groupdel raftcache 2>/dev/null
		rm -rf /var/lib/raftcache /var/log/raftcache /etc/raftcache
	else
		fail "no raftcache user or directories before the test" \
			"an earlier run left them: userdel raftcache; rm -rf /var/lib/raftcache /var/log/raftcache /etc/raftcache"
		finish
	fi
fi

TMP=$(mktemp -d /tmp/rc-pkgtest.XXXXXX)
chmod 0755 "$TMP"
BUILD=${RC_PKG_BUILD_DIR:-$TMP/build}

# Everything a package install touches outside its file list, as text, to
# compare before and after.
WATCHED="/etc/raftcache /etc/raftcache/raftcache.yaml /etc/logrotate.d/raftcache
/var/lib/raftcache /var/log/raftcache /usr/bin/raftcache-server /usr/bin/raftcache-check-aof
/usr/lib/systemd/system/raftcache.service /lib/systemd/system/raftcache.service
/etc/systemd/system/raftcache.service
/etc/systemd/system/multi-user.target.wants/raftcache.service
/var/lib/systemd/deb-systemd-helper-enabled/raftcache.service.dsh-also
/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/raftcache.service
/var/lib/systemd/deb-systemd-helper-masked/raftcache.service
/usr/share/man/man1/raftcache-server.1.gz /usr/share/man/man1/raftcache-check-aof.1.gz
/usr/share/doc/raftcache"
snapshot() {
	echo "passwd: $(getent passwd raftcache)"
	echo "group: $(getent group raftcache)"
	echo "shadow: $(grep -c '^raftcache:' /etc/shadow) $(grep -c '^raftcache:' /etc/gshadow)"
	echo "statoverride: $(dpkg-statoverride --list | grep raftcache)"
	echo "dpkg: $(dpkg-query -W -f='${db:Status-Status}' raftcache 2>/dev/null | sed 's/^not-installed$//')"
	for p in $WATCHED; do
		if [ -e "$p" ] || [ -L "$p" ]; then
			echo "$p: $(stat -c '%U:%G %a %F' "$p")"
		else
			echo "$p: absent"
		fi
	done
}
snapshot >"$TMP/before"

# --- build ------------------------------------------------------------------
say "# building in $BUILD"
cmake_args=(-S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRC_TESTS=OFF)
# Until CMakeLists.txt includes packaging/packaging.cmake itself.
if ! grep -q 'packaging/packaging.cmake' "$SRC/CMakeLists.txt"; then
	cmake_args+=(-DCMAKE_PROJECT_INCLUDE="$SRC/packaging/packaging.cmake")
fi
if ! cmake "${cmake_args[@]}" >"$TMP/cmake.log" 2>&1 ||
	! cmake --build "$BUILD" -j2 >>"$TMP/cmake.log" 2>&1; then
	fail "the project builds" "$(tail -30 "$TMP/cmake.log")"
	finish
fi
pass "the project builds"

rm -f "$BUILD"/packages/raftcache*.deb "$BUILD"/packages/raftcache*.rpm
check "cpack -G DEB" bash -c "cd '$BUILD' && cpack -G DEB"
check "cpack -G RPM" bash -c "cd '$BUILD' && cpack -G RPM"
DEB=$(ls "$BUILD"/packages/raftcache_*.deb 2>/dev/null | head -1)
RPM=$(ls "$BUILD"/packages/raftcache-*.rpm 2>/dev/null | head -1)
if [ -z "$DEB" ] || [ -z "$RPM" ]; then
	fail "both packages were written" "$(ls -l "$BUILD/packages" 2>&1)"
	finish
fi
pass "both packages were written: $(basename "$DEB") $(basename "$RPM")"
HAS_CHECK_AOF=0
[ -x "$BUILD/raftcache-check-aof" ] && HAS_CHECK_AOF=1

# --- .deb metadata and lintian ------------------------------------------------
field() { dpkg-deb -f "$DEB" "$1"; }
expect "deb: Package" "$(field Package)" raftcache
check "deb: Version is the project's, release 1" bash -c "dpkg-deb -f '$DEB' Version | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+-1$'"
check "deb: Maintainer is Name <email>" bash -c "dpkg-deb -f '$DEB' Maintainer | grep -Eq '^.+ <[^>]+@[^>]+>$'"
check "deb: Homepage is set" bash -c "dpkg-deb -f '$DEB' Homepage | grep -q '^https\?://'"
check "deb: Description has a synopsis and a body" bash -c "[ \$(dpkg-deb -f '$DEB' Description | wc -l) -ge 3 ]"
deps=$(field Depends)
for d in adduser libc6 libev4 libyaml-0-2; do
	check "deb: Depends on $d (shlibdeps)" bash -c "printf '%s' '$deps' | grep -Eq '(^|, )$d( |,|\$)'"
done
check "deb: conffiles" bash -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xO ./conffiles | sort | tr '\n' ' ' | grep -qx '/etc/logrotate.d/raftcache /etc/raftcache/raftcache.yaml '"
check "deb: files owned by root" bash -c "! dpkg-deb -c '$DEB' | awk '{print \$2}' | grep -v '^root/root\$'"

lintian_out=$(lintian --no-tag-display-limit "$DEB" 2>&1 | grep -v 'running with root privileges')
errors=$(printf '%s\n' "$lintian_out" | grep '^E: ')
expect "lintian: no errors" "$errors" ""
unexpected=$(printf '%s\n' "$lintian_out" | grep '^W: ' |
	grep -Ev "^W: raftcache: ($(echo "$LINTIAN_ALLOWED_WARNINGS" | tr ' ' '|'))( |$)")
expect "lintian: no warnings beyond packaging/README.md's list" "$unexpected" ""

# --- install ----------------------------------------------------------------
INSTALLED=1
check "dpkg -i" dpkg -i "$DEB" </dev/null
expect "dpkg status" "$(dpkg-query -W -f='${Status}' raftcache 2>/dev/null)" "install ok installed"

check "user raftcache exists" getent passwd raftcache
check "group raftcache exists" getent group raftcache
IFS=: read -r _ _ uid gid _ home shell <<<"$(getent passwd raftcache)"
check "user raftcache is a system user (uid < 1000)" test "${uid:-1000}" -lt 1000
expect "user raftcache's primary group" "$(getent group "${gid:-x}" | cut -d: -f1)" raftcache
expect "user raftcache's home" "${home:-}" /var/lib/raftcache
check "user raftcache has no login shell" bash -c "case '${shell:-}' in */nologin|/bin/false) exit 0;; *) exit 1;; esac"

expect "/var/lib/raftcache" "$(perms /var/lib/raftcache)" "raftcache:raftcache 750"
expect "/var/lib/raftcache/raft" "$(perms /var/lib/raftcache/raft)" "raftcache:raftcache 750"
expect "/var/log/raftcache" "$(perms /var/log/raftcache)" "raftcache:raftcache 750"
expect "/etc/raftcache/raftcache.yaml (statoverride)" "$(perms /etc/raftcache/raftcache.yaml)" "root:raftcache 640"
expect "/usr/bin/raftcache-server" "$(perms /usr/bin/raftcache-server)" "root:root 755"
for f in /etc/logrotate.d/raftcache /usr/lib/systemd/system/raftcache.service \
	/usr/share/man/man1/raftcache-server.1.gz /usr/share/doc/raftcache/copyright \
	/usr/share/doc/raftcache/changelog.Debian.gz; do
	expect "$f" "$(perms "$f")" "root:root 644"
done
if [ "$HAS_CHECK_AOF" = 1 ]; then
	expect "/usr/bin/raftcache-check-aof" "$(perms /usr/bin/raftcache-check-aof)" "root:root 755"
	expect "raftcache-check-aof.1.gz" "$(perms /usr/share/man/man1/raftcache-check-aof.1.gz)" "root:root 644"
else
	say "# (no raftcache-check-aof target in this tree: not packaged)"
fi
expect "dpkg conffiles" "$(dpkg-query -W -f='${Conffiles}' raftcache | awk 'NF {print $1}' | sort | tr '\n' ' ')" \
	"/etc/logrotate.d/raftcache /etc/raftcache/raftcache.yaml "
check "the unit is enabled (deb-systemd-helper)" test -L /etc/systemd/system/multi-user.target.wants/raftcache.service
check "the installed binary runs (--version)" /usr/bin/raftcache-server --version
check "man raftcache-server" bash -c "man -w raftcache-server | grep -q raftcache-server.1.gz"

verify_args=()
command -v man >/dev/null 2>&1 || verify_args+=(--man=no)
check "systemd-analyze verify raftcache.service" \
	systemd-analyze verify "${verify_args[@]}" /usr/lib/systemd/system/raftcache.service
check "raftcache-server --test-config on the installed config (root)" \
	/usr/bin/raftcache-server --test-config -c /etc/raftcache/raftcache.yaml
check "raftcache-server --test-config on the installed config (as raftcache)" \
	setpriv --reuid=raftcache --regid=raftcache --init-groups \
	/usr/bin/raftcache-server --test-config -c /etc/raftcache/raftcache.yaml
check "logrotate accepts /etc/logrotate.d/raftcache" \
	logrotate -d -s "$TMP/logrotate.state" /etc/logrotate.d/raftcache

# --- run the installed server as the raftcache user -----------------------------
# A free port on both loopback addresses, never 6379.
PORT=$(/usr/bin/python3 - <<'EOF'
import random, socket
for _ in range(500):
    port = random.randint(20000, 60000)
    if port == 6379:
        continue
    socks = []
    try:
        for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            s = socket.socket(fam, socket.SOCK_STREAM)
            socks.append(s)
            try:
                s.bind((addr, port))
            except OSError as e:
                if fam == socket.AF_INET6 and e.errno in (99, 97):  # no IPv6 here
                    continue
                raise
        print(port)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
EOF
)
HAVE_IPV6=0
/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null && HAVE_IPV6=1
LOG=/var/log/raftcache/raftcache.log

if [ -z "$PORT" ]; then
	fail "found a free loopback port"
else
	# What systemd does for Type=notify: a datagram socket named by
	# $NOTIFY_SOCKET, on which the server must say READY=1, then STOPPING=1.
	/usr/bin/python3 - "$TMP/notify.sock" "$TMP/notify.log" <<'EOF' &
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
s.settimeout(60)
with open(log, "a") as f:
    try:
        while True:
            msg = s.recv(4096).decode(errors="replace")
            f.write(msg.replace("\n", " ") + "\n")
            f.flush()
            if "STOPPING=1" in msg:
                break
    except socket.timeout:
        pass
EOF
	NOTIFY_PID=$!
	for _ in $(seq 50); do
		[ -S "$TMP/notify.sock" ] && break
		sleep 0.1
	done
	# setpriv and env exec (no fork, unlike runuser): $! is the server itself.
	(cd / && exec setpriv --reuid=raftcache --regid=raftcache --init-groups --reset-env \
		env NOTIFY_SOCKET="$TMP/notify.sock" \
		/usr/bin/raftcache-server -c /etc/raftcache/raftcache.yaml --port "$PORT") \
		>"$TMP/server.out" 2>&1 &
	SERVER_PID=$!
	pong=
	for _ in $(seq 100); do
		pong=$(redis-cli -h 127.0.0.1 -p "$PORT" PING 2>/dev/null)
		[ "$pong" = PONG ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	expect "redis-cli -h 127.0.0.1 -p $PORT PING" "$pong" PONG
	if [ "$HAVE_IPV6" = 1 ]; then
		expect "redis-cli -h ::1 -p $PORT PING" "$(redis-cli -h ::1 -p "$PORT" PING 2>&1)" PONG
	fi
	expect "the server runs as raftcache" "$(ps -o user= -p "$SERVER_PID" 2>/dev/null | tr -d ' ')" raftcache
	listening=$(ss -Hltn "sport = :$PORT" | awk '{print $4}' | sed 's/:[0-9]*$//' | sort | tr '\n' ' ')
	if [ "$HAVE_IPV6" = 1 ]; then
		expect "listens on loopback only" "$listening" "127.0.0.1 [::1] "
	else
		expect "listens on loopback only" "$listening" "127.0.0.1 "
	fi
	expect "SET as raftcache" "$(redis-cli -p "$PORT" SET pkgtest:key hello 2>&1)" OK
	expect "GET" "$(redis-cli -p "$PORT" GET pkgtest:key 2>&1)" hello
	check "the log file is written" grep -q "Ready to accept connections" "$LOG"
	expect "the log file's owner" "$(stat -c '%U:%G' "$LOG" 2>/dev/null)" raftcache:raftcache
	if [ -e /var/lib/raftcache/appendonly.aof ]; then
		expect "the AOF belongs to raftcache" "$(stat -c '%U:%G' /var/lib/raftcache/appendonly.aof)" raftcache:raftcache
	else
		say "# (no appendonly.aof written by this build: AOF check skipped)"
	fi

	# logrotate moves the log away; SIGHUP (what the postrotate sends
	# through systemd) makes the server start a new one.
	check "logrotate -f rotates the log" logrotate -f -s "$TMP/logrotate.state" /etc/logrotate.d/raftcache
	check "the rotated log is there" test -s "$LOG.1"
	kill -HUP "$SERVER_PID"
	reopened=1
	for _ in $(seq 50); do
		grep -qi "reopen" "$LOG" 2>/dev/null && { reopened=0; break; }
		sleep 0.1
	done
	expect "SIGHUP: the server writes to the new log file" "$reopened" 0
	expect "PING after SIGHUP" "$(redis-cli -p "$PORT" PING 2>&1)" PONG

	kill -TERM "$SERVER_PID"
	for _ in $(seq 100); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		fail "SIGTERM stops the server within 10 s"
		stop_server
	else
		wait "$SERVER_PID"
		expect "SIGTERM: clean exit status" "$?" 0
		SERVER_PID=
	fi
	for _ in $(seq 50); do
		kill -0 "$NOTIFY_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$NOTIFY_PID" 2>/dev/null
	wait "$NOTIFY_PID" 2>/dev/null
	NOTIFY_PID=
	check "sd_notify: READY=1 sent (Type=notify)" grep -q "READY=1" "$TMP/notify.log"
	check "sd_notify: STOPPING=1 sent" grep -q "STOPPING=1" "$TMP/notify.log"
	if [ "$FAIL" -gt 0 ]; then
		say "# server output:"
		sed 's/^/#   /' "$TMP/server.out" | tail -20
		say "# $LOG:"
		sed 's/^/#   /' "$LOG" 2>/dev/null | tail -20
	fi
fi

# --- upgrade: the same .deb again keeps an edited config and the data -----------
echo "# edited by test_packages.sh" >>/etc/raftcache/raftcache.yaml
setpriv --reuid=raftcache --regid=raftcache --init-groups \
	sh -c 'echo data > /var/lib/raftcache/pkgtest-marker'
check "dpkg -i again (upgrade path)" dpkg -i "$DEB" </dev/null
check "upgrade: the edited config is kept" grep -q "edited by test_packages.sh" /etc/raftcache/raftcache.yaml
expect "upgrade: config permissions kept" "$(perms /etc/raftcache/raftcache.yaml)" "root:raftcache 640"
check "upgrade: the data is kept" test -f /var/lib/raftcache/pkgtest-marker
expect "upgrade: /var/lib/raftcache" "$(perms /var/lib/raftcache)" "raftcache:raftcache 750"

# --- remove: binaries go, config, data, logs and user stay ------------------------
check "dpkg -r" dpkg -r raftcache </dev/null
expect "dpkg status after remove" "$(dpkg-query -W -f='${Status}' raftcache 2>/dev/null)" \
	"deinstall ok config-files"
check "remove: the binary is gone" test ! -e /usr/bin/raftcache-server
check "remove: the unit is gone" test ! -e /usr/lib/systemd/system/raftcache.service
check "remove: the config is kept" grep -q "edited by test_packages.sh" /etc/raftcache/raftcache.yaml
check "remove: the data is kept" test -f /var/lib/raftcache/pkgtest-marker
check "remove: the log is kept" test -d /var/log/raftcache
check "remove: the user is kept" getent passwd raftcache

# --- purge: everything goes -----------------------------------------------------------
check "dpkg -P" dpkg -P raftcache </dev/null
check "purge: the package is gone" bash -c "! dpkg-query -W -f='\${db:Status-Status}' raftcache 2>/dev/null | grep -qv '^not-installed\$'"
check "purge: /var/lib/raftcache is gone" test ! -e /var/lib/raftcache
check "purge: /var/log/raftcache is gone" test ! -e /var/log/raftcache
check "purge: /etc/raftcache is gone" test ! -e /etc/raftcache
check "purge: the user is gone" bash -c "! getent passwd raftcache"
check "purge: the group is gone" bash -c "! getent group raftcache"
check "purge: the statoverride is gone" bash -c "! dpkg-statoverride --list /etc/raftcache/raftcache.yaml"
INSTALLED=0
snapshot >"$TMP/after"
check "the system is as it was before the install" diff -u "$TMP/before" "$TMP/after"

# --- .rpm ---------------------------------------------------------------------
check "rpm -qpil" rpm -qpil "$RPM"
rpm_files=$(rpm -qpl "$RPM" 2>/dev/null)
want_files="/usr/bin/raftcache-server /etc/raftcache/raftcache.yaml /etc/logrotate.d/raftcache
/usr/lib/systemd/system/raftcache.service /usr/share/man/man1/raftcache-server.1.gz
/usr/share/doc/raftcache/copyright"
[ "$HAS_CHECK_AOF" = 1 ] &&
	want_files="$want_files /usr/bin/raftcache-check-aof /usr/share/man/man1/raftcache-check-aof.1.gz"
for f in $want_files; do
	check "rpm: ships $f" grep -qx "$f" <<<"$rpm_files"
done
for d in /etc /etc/logrotate.d /usr/bin /usr/lib/systemd /usr/lib/systemd/system /usr/share/man/man1; do
	check "rpm: does not claim the system directory $d" bash -c "! grep -qx '$d' <<<'$rpm_files'"
done
expect "rpm: config files" "$(rpm -qpc "$RPM" 2>/dev/null | sort | tr '\n' ' ')" \
	"/etc/logrotate.d/raftcache /etc/raftcache/raftcache.yaml "
expect "rpm: raftcache.yaml is %config(noreplace) root:raftcache 0640" \
	"$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEMODES:perms} %{FILENAMES}\n]' "$RPM" | grep ' /etc/raftcache/raftcache.yaml$')" \
	"cn root:raftcache -rw-r----- /etc/raftcache/raftcache.yaml"
expect "rpm: License" "$(rpm -qp --qf '%{LICENSE}' "$RPM" 2>/dev/null)" "BSD-3-Clause"
check "rpm: URL is set" bash -c "rpm -qp --qf '%{URL}' '$RPM' | grep -q '^https\?://'"
check "rpm: not relocatable" bash -c "[ \"\$(rpm -qp --qf '%{PREFIXES}' '$RPM')\" = '(none)' ]"
rpm_req=$(rpm -qpR "$RPM" 2>/dev/null)
check "rpm: autoreq found libev" grep -q '^libev\.so' <<<"$rpm_req"
check "rpm: autoreq found libyaml" grep -q '^libyaml' <<<"$rpm_req"
check "rpm: requires useradd for %pre" grep -q '/usr/sbin/useradd' <<<"$rpm_req"
scripts=$(rpm -qp --scripts "$RPM" 2>&1)
for s in "preinstall scriptlet" "postinstall scriptlet" "preuninstall scriptlet" "postuninstall scriptlet"; do
	check "rpm --scripts: $s" grep -q "^$s" <<<"$scripts"
done
check "rpm %pre creates the user" grep -q 'useradd -r -g raftcache' <<<"$scripts"
check "rpm %post creates /var/lib/raftcache" grep -q '/var/lib/raftcache' <<<"$scripts"
check "rpm %preun stops the service" grep -q 'disable --now raftcache.service' <<<"$scripts"

finish
