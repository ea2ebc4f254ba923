# packaging.cmake: install rules for everything beside the binaries, and the
# CPack settings of the .deb and the .rpm.  Included at the end of the
# top-level CMakeLists.txt:
#     include(packaging/packaging.cmake)
# then, from the build directory:
#     cpack -G DEB      # raftcache_<version>-1_<arch>.deb
#     cpack -G RPM      # raftcache-<version>-1.<arch>.rpm
# packaging/README.md says how the packages are built and checked.
#
# Both packages install the same tree (prefix /usr):
#   /usr/bin/raftcache-server, /usr/bin/raftcache-check-aof (CMakeLists.txt's rules)
#   /etc/raftcache/raftcache.yaml            conffile, never overwritten
#   /etc/logrotate.d/raftcache               conffile
#   /usr/lib/systemd/system/raftcache.service
#   /usr/share/man/man1/raftcache-server.1.gz, raftcache-check-aof.1.gz
#   /usr/share/doc/raftcache/                docs, copyright, changelog
# The raftcache user, /var/lib/raftcache and /var/log/raftcache are made by
# the maintainer scripts (debian/postinst, rpm/pre.sh + post.sh), not shipped:
# they must survive a remove, and their owner does not exist at build time.

# Once only, whether included by CMakeLists.txt or by -DCMAKE_PROJECT_INCLUDE
# (tests/packaging/test_packages.sh uses the latter on a tree that does not
# include it yet).
include_guard(GLOBAL)
include(GNUInstallDirs)

set(RC_PKG_DIR "${CMAKE_CURRENT_LIST_DIR}")
get_filename_component(RC_TOP_DIR "${RC_PKG_DIR}" DIRECTORY)
set(RC_PKG_BIN "${CMAKE_BINARY_DIR}/packaging")
file(MAKE_DIRECTORY "${RC_PKG_BIN}")

set(RC_PACKAGE_MAINTAINER "raftcache developers <dev@raftcache.org>"
    CACHE STRING "Maintainer of the .deb and the .rpm: Name <email>")
set(RC_PACKAGE_HOMEPAGE "https://raftcache.org/"
    CACHE STRING "Homepage recorded in the packages")

set(RC_VERSION "${PROJECT_VERSION}")
set(RC_PACKAGE_RELEASE 1)
set(RC_DEB_VERSION "${RC_VERSION}-${RC_PACKAGE_RELEASE}")
# Honours SOURCE_DATE_EPOCH, so that a rebuild of the same tree can be
# byte-identical.
string(TIMESTAMP RC_PACKAGE_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)

# Prefix-relative destinations: /usr/... in the packages; a plain
# `cmake --install` into /usr/local puts the unit where systemd also looks.
set(RC_DOC_DEST "${CMAKE_INSTALL_DATAROOTDIR}/doc/raftcache")
set(RC_MAN1_DEST "${CMAKE_INSTALL_MANDIR}/man1")
set(RC_UNIT_DEST "lib/systemd/system")

find_program(RC_GZIP gzip REQUIRED)

# Files that carry the version or the maintainer are configured, then the
# man pages and the changelog are compressed as Debian policy wants them
# (gzip -9n: no name or time stamp inside, reproducible).
configure_file("${RC_PKG_DIR}/debian/copyright.in" "${RC_PKG_BIN}/copyright" @ONLY)
configure_file("${RC_PKG_DIR}/debian/changelog.in" "${RC_PKG_BIN}/changelog.Debian" @ONLY)
set(RC_PKG_GZ "")
foreach(src raftcache-server.1 raftcache-check-aof.1 changelog.Debian)
  if(src MATCHES "\\.1$")
    configure_file("${RC_PKG_DIR}/${src}" "${RC_PKG_BIN}/${src}" @ONLY)
  endif()
  add_custom_command(
    OUTPUT "${RC_PKG_BIN}/${src}.gz"
    COMMAND "${RC_GZIP}" -9nkf "${src}"
    DEPENDS "${RC_PKG_BIN}/${src}"
    WORKING_DIRECTORY "${RC_PKG_BIN}"
    COMMENT "Compressing ${src}"
    VERBATIM)
  list(APPEND RC_PKG_GZ "${RC_PKG_BIN}/${src}.gz")
endforeach()
add_custom_target(rc_packaging_files ALL DEPENDS ${RC_PKG_GZ})

# --- install rules -------------------------------------------------------

# /etc is absolute whatever the prefix: it is where the unit and the docs say
# the config is.  0644 here; postinst / %attr make it root:raftcache 0640.
install(FILES "${RC_PKG_DIR}/raftcache.yaml" DESTINATION /etc/raftcache)
install(FILES "${RC_PKG_DIR}/raftcache.logrotate" DESTINATION /etc/logrotate.d
        RENAME raftcache)
install(FILES "${RC_PKG_DIR}/raftcache.service" DESTINATION "${RC_UNIT_DEST}")
install(FILES "${RC_PKG_BIN}/raftcache-server.1.gz" DESTINATION "${RC_MAN1_DEST}")
install(FILES "${RC_PKG_BIN}/copyright" "${RC_PKG_BIN}/changelog.Debian.gz"
        DESTINATION "${RC_DOC_DEST}")
install(FILES "${RC_TOP_DIR}/README.md" DESTINATION "${RC_DOC_DEST}" OPTIONAL)
install(FILES "${RC_PKG_DIR}/README.md" DESTINATION "${RC_DOC_DEST}"
        RENAME README.packaging.md)
install(DIRECTORY "${RC_TOP_DIR}/docs/" DESTINATION "${RC_DOC_DEST}"
        FILES_MATCHING PATTERN "*.md")

# The AOF check tool is another module's target, installed by
# CMakeLists.txt beside the server; its man page is packaged once the target
# exists.  Deferred to the end of the top-level directory, so that it works
# whether this file is included before or after the target is made.
function(rc_packaging_optional_tools)
  if(TARGET raftcache-check-aof)
    install(FILES "${RC_PKG_BIN}/raftcache-check-aof.1.gz" DESTINATION "${RC_MAN1_DEST}")
  endif()
endfunction()
cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL rc_packaging_optional_tools)

# --- CPack: common ---------------------------------------------------------

set(CPACK_PACKAGE_NAME raftcache)
set(CPACK_PACKAGE_VENDOR "the raftcache developers")
set(CPACK_PACKAGE_CONTACT "${RC_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_VERSION "${RC_VERSION}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${RC_PACKAGE_HOMEPAGE}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Redis-compatible cache server with Raft replication")
# CPack turns this into the Debian extended description (a leading space on
# each line, " ." for the blank one) and the RPM %description.
set(CPACK_PACKAGE_DESCRIPTION
"raftcache is an in-memory key-value server that speaks the Redis protocol
(RESP): redis-cli, redis-benchmark and the usual Redis client libraries
work with it unchanged.

Every write is appended to a CRC64-checked append-only file, from which the
dataset is rebuilt at start, and can be replicated to other nodes through a
Raft log kept in SQLite. The package runs it as a hardened systemd service,
listening on the loopback interface only by default.")
set(CPACK_RESOURCE_FILE_LICENSE "${RC_TOP_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The unit and the docs name /usr/bin/raftcache-server: not relocatable.
set(CPACK_PACKAGE_RELOCATABLE OFF)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/packages")
set(CPACK_PACKAGE_CHECKSUM SHA256)
set(CPACK_GENERATOR DEB)
find_program(RC_RPMBUILD rpmbuild)
if(RC_RPMBUILD)
  list(APPEND CPACK_GENERATOR RPM)
endif()

# --- CPack: .deb ------------------------------------------------------------

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE "${RC_PACKAGE_RELEASE}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${RC_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies are computed from the binaries by dpkg-shlibdeps;
# adduser is what postinst runs.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "logrotate")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-tools")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${RC_PKG_DIR}/debian/conffiles"
    "${RC_PKG_DIR}/debian/postinst"
    "${RC_PKG_DIR}/debian/prerm"
    "${RC_PKG_DIR}/debian/postrm")
# 0755 for the scripts, 0644 for conffiles, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# --- CPack: .rpm ------------------------------------------------------------

set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_RELEASE "${RC_PACKAGE_RELEASE}")
set(CPACK_RPM_PACKAGE_LICENSE "BSD-3-Clause")
set(CPACK_RPM_PACKAGE_GROUP "Applications/Databases")
set(CPACK_RPM_PACKAGE_URL "${RC_PACKAGE_HOMEPAGE}")
set(CPACK_RPM_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
# rpmbuild's find-requires computes the library dependencies (autoreq).
set(CPACK_RPM_PACKAGE_AUTOREQ ON)
set(CPACK_RPM_PACKAGE_AUTOPROV ON)
set(CPACK_RPM_PACKAGE_REQUIRES_PRE "/usr/sbin/useradd, /usr/sbin/groupadd")
set(CPACK_RPM_PACKAGE_SUGGESTS "logrotate")
set(CPACK_RPM_PRE_INSTALL_SCRIPT_FILE "${RC_PKG_DIR}/rpm/pre.sh")
set(CPACK_RPM_POST_INSTALL_SCRIPT_FILE "${RC_PKG_DIR}/rpm/post.sh")
set(CPACK_RPM_PRE_UNINSTALL_SCRIPT_FILE "${RC_PKG_DIR}/rpm/preun.sh")
set(CPACK_RPM_POST_UNINSTALL_SCRIPT_FILE "${RC_PKG_DIR}/rpm/postun.sh")
# %config(noreplace): an upgrade keeps an edited file and writes the new one
# as .rpmnew.  The group of the config exists by then (%pre makes it).
set(CPACK_RPM_USER_FILELIST
    "%config(noreplace) %attr(0640,root,raftcache) /etc/raftcache/raftcache.yaml"
    "%config(noreplace) /etc/logrotate.d/raftcache")
# Directories that belong to the system (filesystem, systemd, man-db): the
# package must not claim them.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /etc/logrotate.d
    /usr/lib/systemd
    /usr/lib/systemd/system
    /usr/share/man
    /usr/share/man/man1)

include(CPack)
