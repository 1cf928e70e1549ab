#!/bin/bash
# make-deb.sh BINARY [OUTDIR] — `make deb`: a .deb with the files `make install` writes (under
# /usr instead of /usr/local, without the install manifest: dpkg keeps its own list), a `kizuna`
# system user and /var/lib/kizuna owned by it. The timers are installed, not enabled: the
# instance needs its kizuna.toml first (README, "Install on a server").
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:?usage: make-deb.sh BINARY [OUTDIR]}
OUT=${2:-.}
command -v dpkg-deb >/dev/null || { echo "make-deb.sh: dpkg-deb is missing" >&2; exit 1; }

VERSION=0.$(git rev-list --count HEAD 2>/dev/null || echo 0)
ARCH=$(dpkg --print-architecture)
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

PREFIX=/usr DESTDIR="$STAGE/root" scripts/install.sh install "$BIN" >/dev/null
rm -f "$STAGE/root/usr/share/kizuna/install-manifest"
mkdir -p "$STAGE/root/DEBIAN"
cat > "$STAGE/root/DEBIAN/control" <<EOF
Package: kizuna
Version: $VERSION
Architecture: $ARCH
Maintainer: Kizuna maintainers <kizuna@clinic.example>
Depends: libc6, libstdc++6, libcurl4, libgpgme11, libsqlite3-0, gnupg, adduser
Section: mail
Priority: optional
Description: mail-first messages for parents, from pregnancy to 18
 A nightly batch renders each family's message from a reviewed catalog and sends it over SMTP
 (or into a Maildir); parents answer by email. Run "kizuna init /var/lib/kizuna" as the
 kizuna user, edit kizuna.toml, then enable kizuna-nightly.timer, kizuna-poll.timer and
 kizuna-send.timer.
EOF
cat > "$STAGE/root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    getent passwd kizuna >/dev/null || adduser --system --group --home /var/lib/kizuna --no-create-home \
        --shell /usr/sbin/nologin --gecos "Kizuna" kizuna
    install -d -o kizuna -g kizuna -m 750 /var/lib/kizuna
    if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
fi
EOF
# The instance (/var/lib/kizuna: families, ledger, keys) is data: never removed by dpkg.
cat > "$STAGE/root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
EOF
chmod 755 "$STAGE/root/DEBIAN/postinst" "$STAGE/root/DEBIAN/postrm"
mkdir -p "$OUT"
dpkg-deb --root-owner-group -Zxz --build "$STAGE/root" "$OUT/kizuna_${VERSION}_${ARCH}.deb"
