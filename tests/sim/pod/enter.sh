#!/bin/sh
# Enters a simulated pod: called under `unshare -m` so the mounts stay private to this process tree.
# usage: enter.sh ROOTFS VOLUME_DIR|- ENV_FILE -- COMMAND [ARGS...]
set -eu
root=$1 volume=$2 envfile=$3
shift 4
mount --rbind /usr "$root/usr"
mount --bind /etc "$root/etc"
mount --rbind /dev "$root/dev"
mount --rbind /proc "$root/proc"
if [ "$volume" != - ]; then mount --bind "$volume" "$root/bitnami/postgresql"; fi
cd "$root"
# The container's environment only: env -i drops the host's; the file holds one NAME=value a line.
n=$#
while IFS= read -r line; do set -- "$@" "$line"; done <"$envfile"
while [ "$n" -gt 0 ]; do set -- "$@" "$1"; shift; n=$((n - 1)); done
set -- env -i "$@"
exec chroot --userspec="${SIM_POD_USER:-postgres}:${SIM_POD_GROUP:-postgres}" "$root" "$@"
