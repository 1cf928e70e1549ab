#!/bin/bash
# stop-mailstack.sh - stop the Postfix, Dovecot and bench smtp-sink that
# start-mailstack.sh and start-sink.sh started for Kizuna's tests.  Only pids from
# the stack's own pid files under $MAILSTACK_DIR are signalled.
set -uo pipefail
D=${MAILSTACK_DIR:-/tmp/kizuna-mailstack}
D=$(realpath -m "$D")   # postfix -c silently fails (exit 1) on a relative path
PF=$D/postfix/etc DV=$D/dovecot/etc

wait_gone() {  # pid name
    local i
    for ((i = 0; i < 100; i++)); do kill -0 "$1" 2>/dev/null || { echo "$2 (pid $1) stopped"; return 0; }; sleep 0.1; done
    echo "$2 (pid $1) still alive after 10s, sending SIGKILL"; kill -KILL "$1" 2>/dev/null; return 0
}

# Postfix: 'postfix stop' signals the master whose pid is in queue_directory/pid/master.pid
pf_pidfile=$D/postfix/spool/pid/master.pid
if [ -f "$PF/main.cf" ] && postfix -c "$PF" status >/dev/null 2>&1; then
    pid=$(tr -d ' \n' < "$pf_pidfile")
    postfix -c "$PF" stop 2>&1 | sed 's/^/  /'
    wait_gone "$pid" "postfix master"
else
    echo "postfix not running"
fi

# Dovecot: SIGTERM to the master pid from base_dir/master.pid
dv_pidfile=$D/dovecot/run/master.pid
if [ -s "$dv_pidfile" ] && kill -0 "$(cat "$dv_pidfile")" 2>/dev/null; then
    pid=$(cat "$dv_pidfile")
    kill -TERM "$pid"
    wait_gone "$pid" "dovecot master"
else
    echo "dovecot not running"
fi

# smtp-sink started by start-sink.sh (if any)
for f in "$D"/smtp-sink*.pid; do
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait_gone "$pid" "smtp-sink"; fi
    rm -f "$f"
done
exit 0
