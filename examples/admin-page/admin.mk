# The browser admin page (examples/admin-page): a static page that previews a credential with
# the `credgate` npm package (wasm/pkg, --target web), its Chromium test and a local demo.
# Included by the root Makefile, which defines ROOT and NODE_MODULES; build-wasm and the
# `npm ci` rule for $(NODE_MODULES)/.package-lock.json come from wasm/wasm.mk.

ADMIN_DIR      := $(ROOT)/examples/admin-page
ADMIN_CHROMIUM := /usr/bin/chromium
ADMIN_PORT     ?= 8787

# playwright-core drives the system Chromium; it never downloads a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: setup-browser test-admin demo-admin

## setup-browser: Debian's Chromium (apt) and playwright-core (root package.json, npm ci) — idempotent
setup-browser: $(NODE_MODULES)/.package-lock.json
	@if [ ! -x $(ADMIN_CHROMIUM) ]; then \
	   sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	   echo "installing chromium (Debian package; about 30 s)"; \
	   $$sudo apt-get update -q && \
	   $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; \
	 fi
	@test -f $(NODE_MODULES)/playwright-core/package.json || { cd $(ROOT) && npm ci --no-audit --no-fund; }

## test-admin: the admin page in headless Chromium (node --test): module load, set-type defaults, validation, lint, preview
test-admin: setup-browser build-wasm
	cd $(ROOT) && node --test examples/admin-page/test/admin.test.mjs

## demo-admin: serve the admin page on http://127.0.0.1:8787/ (ADMIN_PORT=…) until Ctrl-C
demo-admin: build-wasm
	node $(ADMIN_DIR)/serve.mjs --host 127.0.0.1 --port $(ADMIN_PORT)
