# The credential console (examples/console): a single-page app bundled by esbuild into
# target/console (with the `credgate` --target web package), served by the example backend
# at /console/; its real-browser end-to-end test (Debian's Chromium driven by playwright-core,
# against the real backend) and a local demo.
# Included by the root Makefile, which defines ROOT, NODE_MODULES, PY and VENV; build-wasm,
# WASM_PKG and the `npm ci` rule for $(NODE_MODULES)/.package-lock.json come from wasm/wasm.mk,
# build-python from python/python.mk, `backend` from the root Makefile.

CONSOLE_DIR      := $(ROOT)/examples/console
CONSOLE_OUT      := $(ROOT)/target/console
CONSOLE_CHROMIUM := /usr/bin/chromium
CONSOLE_SOURCES   = $(shell find $(CONSOLE_DIR)/src $(CONSOLE_DIR)/public -type f 2>/dev/null) \
                    $(wildcard $(CONSOLE_DIR)/build.mjs) $(ROOT)/package-lock.json

# playwright-core drives the system Chromium; it never downloads a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: setup-browser build-console test-console demo-console

## setup-browser: Debian's Chromium (apt) and playwright-core (root package.json, npm ci) — idempotent
setup-browser: $(NODE_MODULES)/.package-lock.json
	@if [ ! -x $(CONSOLE_CHROMIUM) ]; then \
	   sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	   echo "installing chromium (Debian package; about 30 s)"; \
	   $$sudo apt-get update -q && \
	   $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; \
	 fi
	@test -f $(NODE_MODULES)/playwright-core/package.json || { cd $(ROOT) && npm ci --no-audit --no-fund; }

## build-console: bundle the console (esbuild) with the credgate web package into target/console, when its sources changed
build-console: build-wasm $(CONSOLE_OUT)/index.html

# The folder is the backend's CREDGATE_CONSOLE_DIR, served as it is: no stamp file inside it.
# index.html is the target (touched last), so a missing or older folder is rebuilt.
$(CONSOLE_OUT)/index.html: $(CONSOLE_SOURCES) $(WASM_PKG)/package.json | $(NODE_MODULES)/.package-lock.json
	cd $(ROOT) && node $(CONSOLE_DIR)/build.mjs --out $(CONSOLE_OUT)
	@touch $@

## test-console: the console in headless Chromium against the real backend (node --test): sign-in, create, one-time secret, Authlib client, audit, disable, delete, approvals, axe
test-console: setup-browser build-console build-python
	cd $(ROOT) && CREDGATE_PYTHON=$(PY) CREDGATE_CONSOLE_DIR=$(CONSOLE_OUT) \
	  node --test examples/console/test/console.test.mjs

## demo-console: the credential console on http://127.0.0.1:8000/console/ with the example backend, for a person to try
demo-console: build-console
	@echo "console: http://127.0.0.1:$(BACKEND_PORT)/console/ (sign in with the admin token below; Ctrl-C stops)"
	@CREDGATE_CONSOLE_DIR=$(CONSOLE_OUT) \
	 CREDGATE_ISSUER="$${CREDGATE_ISSUER:-http://127.0.0.1:$(BACKEND_PORT)}" \
	 $(MAKE) --no-print-directory backend
