# %preun of the raftcache .rpm ($1: 0 = erase, 1 = upgrade).  An erase stops
# and disables the service.
if [ "$1" -eq 0 ] && [ -d /run/systemd/system ]; then
	systemctl --no-reload disable --now raftcache.service >/dev/null 2>&1 || :
fi
