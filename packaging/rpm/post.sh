# %post of the raftcache .rpm ($1: 1 = install, 2 = upgrade).  The data and
# log directories are created here, not shipped, so that the same rules as
# the .deb's apply: created 0750 raftcache:raftcache, never emptied by an
# upgrade or an erase.
for d in /var/lib/raftcache /var/lib/raftcache/raft /var/log/raftcache; do
	if [ ! -d "$d" ]; then
		mkdir -p "$d"
		chown raftcache:raftcache "$d"
		chmod 0750 "$d"
	fi
done
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || :
	if [ "$1" -eq 1 ]; then
		# As %systemd_post: enabled only if the distribution's preset says so.
		systemctl preset raftcache.service >/dev/null 2>&1 || :
	else
		systemctl try-restart raftcache.service >/dev/null 2>&1 || :
	fi
fi
