# Kizuna — make targets. `make demo` and `make test` work on a fresh Debian 12 machine with Swift 6.
.PHONY: all deps build release install uninstall deb demo test test-unit bench mailstack-start mailstack-stop clean

SWIFT ?= swift
DEMO_DIR ?= demo
# make install: where (PREFIX) and, for packaging, the staging root (DESTDIR).
PREFIX ?= /usr/local
DESTDIR ?=
# The release binary, with the Swift runtime linked in so that the server needs no Swift.
RELEASE_FLAGS ?= -c release --static-swift-stdlib --product kizuna
# make install KIZUNA_BIN=path installs that binary instead of building the release one.
KIZUNA_BIN ?=

all: build

deps:
	scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

# The binary, the sample templates (share/kizuna/templates, where `kizuna init` finds them), a
# man page per command, bash/zsh/fish completions and the systemd units (contrib/systemd);
# every file written is listed in $(PREFIX)/share/kizuna/install-manifest. See scripts/install.sh.
install: $(if $(KIZUNA_BIN),,release)
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install.sh install \
	    "$(or $(KIZUNA_BIN),$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/kizuna)"

# Removes exactly the files the manifest lists, nothing else under PREFIX.
uninstall:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install.sh uninstall

# kizuna_0.N_ARCH.deb: the same files under /usr, a kizuna system user, /var/lib/kizuna.
deb: $(if $(KIZUNA_BIN),,release)
	scripts/make-deb.sh "$(or $(KIZUNA_BIN),$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/kizuna)"

# The nightly run on an embedded default: a new instance (SQLite + Maildir + sample families
# whose stages fall on today), then `kizuna nightly`. Read the result with: mutt -f demo/outbox
demo: deps
	scripts/demo.sh $(DEMO_DIR)

# The whole suite: unit, store, MIME golden files, content, spool, and integration tests
# against a real Postfix + Dovecot on 127.0.0.1 (started and stopped here).
test: deps
	scripts/test.sh

bench: deps
	scripts/bench.sh

mailstack-start:
	scripts/mailstack/start-mailstack.sh --fresh

mailstack-stop:
	scripts/mailstack/stop-mailstack.sh

clean:
	rm -rf .build $(DEMO_DIR) bench-out
