#!/bin/sh
# The image's initdb, in one place: the entrypoint runs it on first boot, and the simulator once per
# machine to make the template first boots copy (see initdbTemplate in lib/pod-runtime.mjs).
# usage: initdb.sh PGDATA SUPERUSER_PASSWORD_FILE
set -eu
initdb -D "$1" -U postgres --pwfile="$2" -E UTF8 --auth-local=trust --auth-host=md5 >/dev/null
