# Kizuna — make targets. `make demo` and `make test` work on a fresh Debian 12 machine with Swift 6.
.PHONY: all deps build release demo test test-unit bench mailstack-start mailstack-stop clean

SWIFT ?= swift
DEMO_DIR ?= demo

all: build

deps:
	scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

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
