#!/bin/bash
# Kizuna beside Sisimai on every real corpus that scripts/fetch-bounce-corpora.sh fetches (run
# first if DIR has none), the slice rules are tuned on and the held-out slice apart.
#
#   scripts/compare-corpora.sh [DIR] [--kizuna PATH] [-v]    (DIR default: corpora/)
#
# Prints scripts/compare-sisimai.py's report for each corpus and slice; flufl.bounce's also
# against the addresses its own tests expect. Needs libsisimai-perl and a built kizuna.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=$REPO/corpora
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then DIR=$1; shift; fi
[ -d "$DIR/flufl" ] || "$REPO/scripts/fetch-bounce-corpora.sh" "$DIR"
for corpus in flufl bounceparser mailparser; do
    for slice in tune held; do
        echo "== $corpus ($slice)"
        truth=()
        [ "$corpus" = flufl ] && truth=(--truth "$DIR/flufl-truth.json")
        python3 "$REPO/scripts/compare-sisimai.py" "$DIR/$corpus/$slice" "${truth[@]}" "$@"
        echo
    done
done
