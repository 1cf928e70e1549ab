#!/bin/bash
# test-install.sh — `make install` into a temporary DESTDIR, the installed program used from
# another directory as a contractor would (init without --templates, content lint, a night into
# the Maildir, --help, a man page, bash completion), the systemd units checked with
# `systemd-analyze verify`, then `make uninstall`: nothing of ours is left and nothing else
# under the prefix is touched. Called by scripts/test.sh after `swift test`.
#
# The binary: KIZUNA_BIN if set; else the static release build when one exists (`make release`;
# brought up to date, and checked with ldd to need no libswift*.so); else the debug build
# `swift build` made, so that CI does not pay for a release build. Under CI=true a missing tool fails, never skips.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
started=$(date +%s)

fail() { echo "test-install: FAIL: $*" >&2; exit 1; }
need() {
    command -v "$1" >/dev/null && return 0
    [ "${CI:-}" = true ] && fail "$1 is not installed (scripts/install-deps.sh installs it)"
    echo "test-install: $1 is not installed; skipping what needs it (fails under CI=true)" >&2
    return 1
}

RELEASE_FLAGS="-c release --static-swift-stdlib --product kizuna"
if [ -n "${KIZUNA_BIN:-}" ]; then
    BIN=$KIZUNA_BIN; kind="given"
elif [ -x .build/release/kizuna ] && ! ldd .build/release/kizuna | grep -q libswift; then
    # A static release build (make release) exists: bring it up to date and use it. A plain
    # `swift build -c release` (the benchmarks') would be rebuilt from scratch; that one is not used.
    swift build $RELEASE_FLAGS -q
    BIN=$(swift build $RELEASE_FLAGS --show-bin-path)/kizuna; kind="release"
else
    BIN=$(swift build --show-bin-path)/kizuna; kind="debug"
fi
[ -x "$BIN" ] || fail "$BIN: not built"
echo "test-install: installing the $kind binary $BIN"
if [ "$kind" = release ]; then
    libs=$(ldd "$BIN") || fail "ldd $BIN: $libs"
    if grep -q 'libswift' <<<"$libs"; then fail "$BIN needs the Swift runtime's shared libraries: $libs"; fi
    echo "test-install: ldd: no libswift*.so among its $(wc -l <<<"$libs") libraries"
fi

DESTDIR=$(mktemp -d /tmp/kizuna-destdir.XXXXXX)
WORK=$(mktemp -d /tmp/kizuna-installed.XXXXXX)
cleanup() {
    [ -d "$WORK/inst/gnupg" ] && gpgconf --homedir "$WORK/inst/gnupg" --kill all 2>/dev/null || true
    rm -rf "$DESTDIR" "$WORK"
}
trap cleanup EXIT
PREFIX=/usr/local
ROOT=$DESTDIR$PREFIX

# Someone else's files under the prefix, which uninstall must leave alone.
install -D -m 755 /dev/null "$ROOT/bin/someone-elses-tool"
install -D -m 644 /dev/null "$ROOT/share/man/man1/someone-elses-tool.1"

make -s install DESTDIR="$DESTDIR" PREFIX="$PREFIX" KIZUNA_BIN="$BIN"
K=$ROOT/bin/kizuna
[ -x "$K" ] || fail "$K was not installed"
[ -d "$ROOT/share/kizuna/templates/layouts" ] || fail "no templates under $ROOT/share/kizuna/templates"

# The installed program, run from elsewhere, with nothing pointing back at the checkout.
cd "$WORK"
unset KIZUNA_TEMPLATES KIZUNA_CONFIG
export HOME=$WORK
out=$("$K" init "$WORK/inst" --samples) || fail "init without --templates: $out"
grep -q "created $WORK/inst/kizuna.toml" <<<"$out" || fail "init said: $out"
cmp -s "$REPO/templates/README.md" "$WORK/inst/templates/README.md" || fail "init did not copy the installed templates"
"$K" content lint --config inst/kizuna.toml >/dev/null || fail "content lint exited $?"
status=0; "$K" nightly --config inst/kizuna.toml -q || status=$?
[ "$status" = 0 ] || fail "nightly exited $status"
mails=$(find inst/outbox/new -type f | wc -l)
[ "$mails" -gt 0 ] || fail "the night put no mail into inst/outbox/new"
"$K" --help | grep -q "SUBCOMMANDS:" || fail "--help has no SUBCOMMANDS"

# A man page for every command --help lists (they come from the same parser).
MAN1=$ROOT/share/man/man1
for c in $("$K" --help | sed -n '/^SUBCOMMANDS:/,/^$/p' | grep -E '^  [a-z]' | awk '{ print $1 }'); do
    [ -f "$MAN1/kizuna.$c.1" ] || fail "no man page kizuna.$c.1 for the subcommand $c"
done
[ -f "$MAN1/kizuna.subscribers.add.1" ] || fail "no man page for a nested command (kizuna.subscribers.add.1)"
if need man; then
    page=$(MANWIDTH=100 man -l "$MAN1/kizuna.nightly.1" 2>&1) || fail "man -l kizuna.nightly.1: $page"
    grep -q "kizuna nightly" <<<"$page" || fail "man -l kizuna.nightly.1 does not show the command: $page"
fi

# Completions: bash loads them; zsh and fish files are what the binary writes.
bash -c "source '$ROOT/share/bash-completion/completions/kizuna' && complete -p kizuna" | grep -q "kizuna" \
    || fail "bash completion does not register kizuna"
grep -q "#compdef kizuna" "$ROOT/share/zsh/vendor-completions/_kizuna" || fail "zsh completion"
grep -q "complete -c 'kizuna'" "$ROOT/share/fish/vendor_completions.d/kizuna.fish" || fail "fish completion"

# The systemd units as installed, with ExecStart pointed at the staged binary (verify checks
# that it is executable; under --root it would need a whole systemd in DESTDIR): unknown keys,
# bad calendar specs, the command, and Documentation='s man pages (found through MANPATH).
UNITS=$ROOT/lib/systemd/system
[ -f "$UNITS/kizuna-nightly.timer" ] || fail "no units in $UNITS"
grep -q "^ExecStart=$PREFIX/bin/kizuna nightly" "$UNITS/kizuna-nightly.service" || fail "ExecStart does not name $PREFIX/bin/kizuna"
if need systemd-analyze; then
    mkdir "$WORK/units"
    for f in "$UNITS"/kizuna-*; do sed "s|$PREFIX/bin/kizuna|$K|g" "$f" > "$WORK/units/$(basename "$f")"; done
    verify=$(cd "$WORK/units" && MANPATH="$ROOT/share/man" systemd-analyze verify kizuna-*.service kizuna-*.timer 2>&1) \
        || fail "systemd-analyze verify: $verify"
    [ -z "$verify" ] || fail "systemd-analyze verify complains: $verify"
fi

cd "$REPO"
make -s uninstall DESTDIR="$DESTDIR" PREFIX="$PREFIX"
left=$(cd "$DESTDIR" && find . -type f | sort | tr '\n' ' ')
[ "$left" = "./usr/local/bin/someone-elses-tool ./usr/local/share/man/man1/someone-elses-tool.1 " ] \
    || fail "after uninstall, files left: $left"
[ ! -e "$ROOT/share/kizuna" ] || fail "after uninstall, $ROOT/share/kizuna is still there"

echo "test-install: ok ($kind binary, $mails mails in the Maildir, $(( $(date +%s) - started )) s)"
