# %postun of the raftcache .rpm ($1: 0 = erase, 1 = upgrade).  rpm has no
# purge: as the Fedora guidelines ask, the raftcache user, /var/lib/raftcache
# and /var/log/raftcache are kept (remove them by hand to start afresh); a
# changed config is kept as raftcache.yaml.rpmsave.
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || :
	if [ "$1" -ge 1 ]; then
		systemctl try-restart raftcache.service >/dev/null 2>&1 || :
	fi
fi
