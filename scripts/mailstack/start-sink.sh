#!/bin/bash
# start-sink.sh - start Postfix's smtp-sink on 127.0.0.1:2526 for Kizuna's SMTP
# throughput bench (and for mail routed to *@sink.test).  It accepts and discards
# every message.  The pid goes to $MAILSTACK_DIR/smtp-sink.pid, which
# stop-mailstack.sh (or stop-sink below) uses to stop it.
#
# Usage:  start-sink.sh [--stop] [extra smtp-sink options]
# Env:    MAILSTACK_DIR (default /tmp/kizuna-mailstack), SINK_PORT (default 2526),
#         SINK_BACKLOG (default 1000)
set -euo pipefail
D=${MAILSTACK_DIR:-/tmp/kizuna-mailstack}
D=$(realpath -m "$D")
PORT=${SINK_PORT:-2526}
PIDFILE=$D/smtp-sink.pid
mkdir -p "$D" "$D/log"

running() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

if [ "${1:-}" = "--stop" ]; then
    if running; then
        pid=$(cat "$PIDFILE"); kill -TERM "$pid"
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        echo "smtp-sink (pid $pid) stopped"
    else
        echo "smtp-sink not running"
    fi
    rm -f "$PIDFILE"; exit 0
fi

if running; then
    echo "smtp-sink already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; exit 0
fi
# smtp-sink binds with SO_REUSEPORT: a second copy would start silently and take
# half of the connections, so refuse when anything else listens there.
if ss -Hltn "src 127.0.0.1:$PORT" | grep -q .; then
    echo "something else already listens on 127.0.0.1:$PORT; not starting a second smtp-sink" >&2
    exit 1
fi
# As root, smtp-sink needs -u to drop privileges.
setsid smtp-sink -u nobody "$@" -c "127.0.0.1:$PORT" "${SINK_BACKLOG:-1000}" \
    </dev/null >>"$D/log/smtp-sink.log" 2>&1 &
echo $! > "$PIDFILE"
for ((i = 0; i < 50; i++)); do
    if ss -Hltn "src 127.0.0.1:$PORT" | grep -q .; then
        echo "smtp-sink up on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), pid file $PIDFILE)"; exit 0
    fi
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
    sleep 0.1
done
echo "smtp-sink did not start; see $D/log/smtp-sink.log" >&2
rm -f "$PIDFILE"; exit 1
