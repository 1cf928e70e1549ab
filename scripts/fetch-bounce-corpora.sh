#!/bin/bash
# Real bounce corpora that other projects publish with their bounce parsers, fetched for
# `scripts/compare-sisimai.py` and `scripts/bench-bounces.sh` — never committed: they are real
# mail of real systems, under their projects' licences.
#
#   scripts/fetch-bounce-corpora.sh [DIR]        (default: corpora/ in the checkout, git-ignored)
#
# Writes, for each corpus, DIR/NAME/tune/*.eml and DIR/NAME/held/*.eml: a fixed held-out slice
# (about one file in five, chosen by a hash of the file name, not by content) that rules are
# never tuned on and that is reported separately. Also DIR/flufl-truth.json: the failed
# addresses flufl.bounce's own tests expect for each of its messages.
#
#   flufl         flufl.bounce 6.0.0 (PyPI sdist, Apache-2.0): GNU Mailman's list bounces, old MTAs.
#   bounceparser  Mail::DeliveryStatus::BounceParser 1.543 (Debian source package
#                 libmail-deliverystatus-bounceparser-perl, Perl licence): t/corpus.
#   mailparser    mail-parser 4.8.0 (PyPI sdist, Apache-2.0): tests/mails — ordinary and spam
#                 mail, none of it a bounce to us; it checks that no person's mail is taken for one.
# Every download is checked against its SHA-256 before it is unpacked.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-$REPO/corpora}
mkdir -p "$DIR/downloads"
cd "$DIR/downloads"

need() { command -v "$1" >/dev/null || { echo "fetch-bounce-corpora: needs $1 ($2)" >&2; exit 1; }; }
need curl "apt-get install curl"
need python3 "apt-get install python3"
python3 -m pip --version >/dev/null 2>&1 || { echo "fetch-bounce-corpora: needs pip (apt-get install python3-pip)" >&2; exit 1; }

DEB=http://deb.debian.org/debian/pool/main/libm/libmail-deliverystatus-bounceparser-perl
BP=libmail-deliverystatus-bounceparser-perl_1.543+repacked.orig.tar.xz
BP_SHA=01f89040426ab6de77f9f0bcdce61a938ef6a24179efbfdb4f7a1f68c5263282
if ! echo "$BP_SHA  $BP" | sha256sum -c --status 2>/dev/null; then
    curl -sSf -o "$BP.part" "$DEB/$BP"
    echo "$BP_SHA  $BP.part" | sha256sum -c --status || { echo "fetch-bounce-corpora: $BP: wrong SHA-256" >&2; rm -f "$BP.part"; exit 1; }
    mv "$BP.part" "$BP"
fi
# pip checks the hashes itself (--require-hashes is implied by --hash).
cat > requirements.txt <<'EOF'
flufl.bounce==6.0.0 --hash=sha256:a1df16b9d1877ae4536f7d76c00d8421fcefbe694f80f5285d05c45a2547b1bc
mail-parser==4.8.0 --hash=sha256:602e659b159652d378b0f9cce2d682bee692bedae72687786e2b2e52eaeb9afc
EOF
[ -f flufl_bounce-6.0.0.tar.gz ] && [ -f mail_parser-4.8.0.tar.gz ] ||
    python3 -m pip download -q --no-deps --no-binary :all: -r requirements.txt -d .

rm -rf src && mkdir src
tar -xf "$BP" -C src
tar -xzf flufl_bounce-6.0.0.tar.gz -C src
tar -xzf mail_parser-4.8.0.tar.gz -C src

python3 - "$DIR" <<'EOF'
import ast, hashlib, json, os, shutil, sys
out = sys.argv[1]
src = os.path.join(out, 'downloads', 'src')
corpora = {
    'flufl': 'flufl_bounce-6.0.0/tests/data',
    'bounceparser': 'Mail-DeliveryStatus-BounceParser-1.543/t/corpus',
    'mailparser': 'mail_parser-4.8.0/tests/mails',
}
for name, sub in corpora.items():
    shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    counts = {'tune': 0, 'held': 0}
    for f in sorted(os.listdir(os.path.join(src, sub))):
        path = os.path.join(src, sub, f)
        if not os.path.isfile(path) or f.endswith('.py'):
            continue
        part = 'held' if hashlib.sha256(f.encode()).digest()[0] % 5 == 0 else 'tune'
        os.makedirs(os.path.join(out, name, part), exist_ok=True)
        shutil.copy(path, os.path.join(out, name, part, os.path.splitext(f)[0] + '.eml'))
        counts[part] += 1
    print('%-13s %3d to tune on, %3d held out' % (name, counts['tune'], counts['held']))

# flufl.bounce's tests: (detector, file, [addresses], is_temporary) tuples; a file may be
# listed for several detectors, so the addresses are the union.
tests = os.path.join(src, 'flufl_bounce-6.0.0/tests/test_detectors.py')
truth = {}
for node in ast.walk(ast.parse(open(tests).read())):
    if not (isinstance(node, ast.Tuple) and len(node.elts) == 4):
        continue
    try:
        _, f, addresses, temporary = [ast.literal_eval(e) for e in node.elts]
    except ValueError:
        continue
    if isinstance(f, str) and f.endswith('.txt'):
        t = truth.setdefault(f[:-4], {'recipients': [], 'delay': False})
        t['recipients'] = sorted(set(t['recipients']) | {a.decode().lower() for a in addresses})
        t['delay'] = t['delay'] or bool(temporary)
with open(os.path.join(out, 'flufl-truth.json'), 'w') as fh:
    json.dump(truth, fh, indent=1, sort_keys=True)
print('flufl-truth.json: expected recipients of %d messages' % len(truth))
EOF
