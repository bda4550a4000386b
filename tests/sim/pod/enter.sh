#!/bin/sh
# Enters a simulated pod: called under `unshare -m` so the mounts stay private to this process tree.
# usage: enter.sh ROOTFS VOLUME_DIR|- ENV_FILE PASSWD_FILE|- -- COMMAND [ARGS...]
# PASSWD_FILE replaces /etc/passwd: an exec session's uid has no entry there (only the image's
# entrypoint loads nss_wrapper, which gives the container user a name).
set -eu
root=$1 volume=$2 envfile=$3 passwd=$4
shift 5
# Numeric ids, looked up before /etc/passwd is replaced (chroot resolves names inside the new root).
uid=$(id -u "${SIM_POD_USER:-postgres}") gid=$(getent group "${SIM_POD_GROUP:-postgres}" | cut -d: -f3)
mount --rbind /usr "$root/usr"
mount --bind /etc "$root/etc"
if [ "$passwd" != - ]; then mount --bind "$passwd" "$root/etc/passwd"; fi
# A node of another architecture (a sim setting): uname -m says so; everything else is the host's.
if [ -n "${SIM_NODE_ARCH:-}" ]; then
  wrapper=$(mktemp)
  printf '#!/bin/sh\ncase "$1" in -m|--machine|-p|-i) echo %s ;; -a) echo "Linux $(cat /proc/sys/kernel/hostname) $(cat /proc/sys/kernel/osrelease) %s GNU/Linux" ;; *) echo Linux ;; esac\n' \
    "$SIM_NODE_ARCH" "$SIM_NODE_ARCH" >"$wrapper"
  chmod 755 "$wrapper"
  mount --bind "$wrapper" "$root/usr/bin/uname"
  rm -f "$wrapper"
fi
mount --rbind /dev "$root/dev"
mount --rbind /proc "$root/proc"
if [ "$volume" != - ]; then mount --bind "$volume" "$root/bitnami/postgresql"; fi
cd "$root"
# The container's environment only: env -i drops the host's; the file holds one NAME=value a line.
n=$#
while IFS= read -r line; do set -- "$@" "$line"; done <"$envfile"
while [ "$n" -gt 0 ]; do set -- "$@" "$1"; shift; n=$((n - 1)); done
set -- env -i "$@"
exec chroot --userspec="$uid:$gid" --groups="$gid" "$root" "$@"
