#!/bin/bash
# demo.sh DIR — build Kizuna, create a sample instance in DIR (SQLite, Maildir transport,
# sample families at different stages whose messages fall on today) and run the night.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-demo}

swift build
# gpg starts an agent for the instance's keyring (made by init); stop it when the demo ends.
trap 'gpgconf --homedir "$DIR/gnupg" --kill gpg-agent >/dev/null 2>&1 || true' EXIT
BIN=$(swift build --show-bin-path)/kizuna
if [ -f "$DIR/kizuna.toml" ]; then
    echo "demo: $DIR/kizuna.toml exists; re-running the night on it (remove $DIR for a fresh demo)"
else
    "$BIN" init "$DIR" --samples --templates templates
fi
set +e
"$BIN" nightly --config "$DIR/kizuna.toml"
status=$?
set -e
"$BIN" stats --config "$DIR/kizuna.toml"
echo
echo "The night's mail is in $DIR/outbox (a Maildir):  mutt -f $DIR/outbox"
ls "$DIR/outbox/new" | head -20
exit $status
