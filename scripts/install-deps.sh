#!/bin/bash
# install-deps.sh — install the Debian packages Kizuna builds, tests and benchmarks with.
# Idempotent: does nothing when everything is present. Needs root (or sudo) to install.
set -euo pipefail

PACKAGES=(
    libcurl4-openssl-dev libsqlite3-dev libgpgme-dev gnupg   # C libraries linked by the build
    postfix dovecot-imapd dovecot-lmtpd swaks                # the real servers used by the tests
    python3-aiosmtpd                                         # failure-injecting SMTP peer in tests
    mutt                                                     # to read the demo's Maildir
    time bc iproute2 util-linux                              # /usr/bin/time (bench RSS), ss, script
    systemd man-db                                           # the install test: systemd-analyze verify, man -l
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
else
    echo "install-deps: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    # Postfix asks questions on install unless told not to.
    echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "install-deps: swift is not on PATH (Swift 6.x toolchain required)" >&2; exit 1; }
