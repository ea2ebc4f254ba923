# %pre of the raftcache .rpm ($1: 1 = install, 2 = upgrade).  The user must
# exist before the files are laid down: the config is owned root:raftcache.
getent group raftcache >/dev/null || groupadd -r raftcache
getent passwd raftcache >/dev/null || \
	useradd -r -g raftcache -d /var/lib/raftcache -M -s /sbin/nologin \
		-c "raftcache server" raftcache
