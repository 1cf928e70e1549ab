#!/bin/bash
# install.sh — `make install` and `make uninstall`.
#   scripts/install.sh install BINARY    copy BINARY and everything that goes with it under
#                                        $DESTDIR$PREFIX, and list each file in a manifest
#   scripts/install.sh uninstall         remove exactly the files the manifest lists (and the
#                                        directories that were ours and are now empty)
# PREFIX (default /usr/local) and DESTDIR (staging, default empty) come from the environment.
# Installed: bin/kizuna; share/kizuna/templates (the sample catalog `kizuna init` copies);
# share/man/man1/kizuna*.1 (one page per command, written by swift-argument-parser's
# generate-manual from this binary's own --experimental-dump-help, so never apart from --help);
# bash, zsh and fish completions (from `kizuna --generate-completion-script`); the systemd
# units of contrib/systemd in lib/systemd/system (ExecStart pointing at $PREFIX/bin/kizuna).
# The manifest is share/kizuna/install-manifest: paths without DESTDIR, one a line.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
ROOT="$DESTDIR$PREFIX"
MANIFEST_REL=share/kizuna/install-manifest
MANIFEST="$ROOT/$MANIFEST_REL"

die() { echo "install.sh: $*" >&2; exit 1; }

uninstall() {
    [ -f "$MANIFEST" ] || { echo "install.sh: nothing to uninstall ($MANIFEST does not exist)"; return 0; }
    local n=0 path dirs=()
    while IFS= read -r path; do
        [ -n "$path" ] || continue
        case "$path" in "$PREFIX"/*) ;; *) die "$MANIFEST: $path is not under $PREFIX; refusing" ;; esac
        rm -f -- "$DESTDIR$path"; n=$((n + 1))
        dirs+=("$(dirname "$path")")
    done < "$MANIFEST"
    rm -f -- "$MANIFEST"
    # Directories only Kizuna has (share/kizuna and everything under it) go once empty; the
    # shared ones (bin, share/man/man1, …) stay even when empty.
    dirs+=("$PREFIX/share/kizuna")
    local d
    for d in $(printf '%s\n' "${dirs[@]}" | sort -u -r); do
        while [ "$d" = "$PREFIX/share/kizuna" ] || [[ "$d" == "$PREFIX/share/kizuna/"* ]]; do
            rmdir -- "$DESTDIR$d" 2>/dev/null || break
            d=$(dirname "$d")
        done
    done
    echo "uninstalled $n files from $ROOT"
}

install_all() {
    local bin=$1
    [ -x "$bin" ] || die "$bin: no such binary (run: make release)"
    [ -f "$MANIFEST" ] && uninstall >/dev/null   # a reinstall leaves nothing of the last one behind
    staging=$(mktemp -d)
    trap 'rm -rf "$staging"' EXIT
    local files=()
    put() {   # put MODE SOURCE DEST(relative to PREFIX)
        install -D -m "$1" -- "$2" "$ROOT/$3"
        files+=("$PREFIX/$3")
    }

    put 755 "$bin" bin/kizuna
    local f
    while IFS= read -r f; do
        put 644 "templates/$f" "share/kizuna/templates/$f"
    done < <(cd templates && find . -type f -printf '%P\n' | sort)

    # Man pages from the installed binary itself.
    local tool; tool=$(manual_tool)
    mkdir -p "$staging/man"
    "$tool" "$ROOT/bin/kizuna" --multi-page --date "$(release_date)" -o "$staging/man"
    for f in "$staging/man"/*.1; do put 644 "$f" "share/man/man1/$(basename "$f")"; done

    "$ROOT/bin/kizuna" --generate-completion-script bash > "$staging/kizuna.bash"
    "$ROOT/bin/kizuna" --generate-completion-script zsh > "$staging/_kizuna"
    "$ROOT/bin/kizuna" --generate-completion-script fish > "$staging/kizuna.fish"
    put 644 "$staging/kizuna.bash" share/bash-completion/completions/kizuna
    put 644 "$staging/_kizuna" share/zsh/vendor-completions/_kizuna
    put 644 "$staging/kizuna.fish" share/fish/vendor_completions.d/kizuna.fish

    for f in contrib/systemd/*.service contrib/systemd/*.timer; do
        sed "s|/usr/local/bin/kizuna|$PREFIX/bin/kizuna|g" "$f" > "$staging/$(basename "$f")"
        put 644 "$staging/$(basename "$f")" "lib/systemd/system/$(basename "$f")"
    done

    mkdir -p "$(dirname "$MANIFEST")"
    printf '%s\n' "${files[@]}" > "$MANIFEST"
    echo "installed ${#files[@]} files under $ROOT (manifest: $MANIFEST; make uninstall removes them)"
}

# swift-argument-parser's generate-manual tool, built from the package's own checkout of the
# library (the version Package.resolved pins) into .build/manual-tool. It is an executable
# target of that package, not a product, so it is built with that package as the root.
manual_tool() {
    local src=.build/checkouts/swift-argument-parser
    [ -d "$src/Tools/generate-manual" ] || die "$src: missing (run swift build first)"
    swift build --package-path "$src" --scratch-path .build/manual-tool --product generate-manual -q >&2
    echo "$(swift build --package-path "$src" --scratch-path .build/manual-tool --show-bin-path)/generate-manual"
}

# The pages' date: the last commit's, so that installing the same commit twice writes the same pages.
release_date() { git log -1 --format=%cs 2>/dev/null || date -u +%F; }

case "${1:-}" in
    install) [ $# -eq 2 ] || die "usage: install.sh install BINARY"; install_all "$2" ;;
    uninstall) uninstall ;;
    *) die "usage: install.sh install BINARY | uninstall" ;;
esac
