# python/python.mk — the Python host (issue 4), included by the root Makefile.
#
# Uses the root's variables: ROOT, SHARED, VECTORS, CARGO, VENV, PY; depends on the root
# target `venv` (creates $(VENV) with python3 -m venv and upgrades pip).
#
#   setup-python        install the pinned build/test tools into $(VENV) (idempotent, no prompts)
#   build-python        build the extension with maturin and `pip install ./python` into $(VENV)
#                       (rebuilds only when python/, core/ or Cargo.lock changed)
#   setup-postgres      Debian's postgresql package (apt) when `initdb` is missing — idempotent; the
#                       backend's tests start their own server from it (a temp folder, a Unix socket)
#   test-python         clippy for the binding, pytest (package + example backend on SQLite and
#                       PostgreSQL), mypy, stubtest
#   conformance-python  run the vectors in $(VECTORS); prints `python: N passed, M failed`
#   bench-python        credgate vs cryptography, PyJWT and cedarpy (python/bench/requirements.txt),
#                       batch authorize, 1 vs 2 threads

PYTHON_DIR        := $(ROOT)/python
PYTHON_BACKEND    := $(ROOT)/examples/python-backend
PYTHON_DEPS_STAMP := $(VENV)/.credgate-python-deps
PYTHON_BUILD_STAMP:= $(VENV)/.credgate-python-build
PYTHON_SOURCES    := $(shell find $(PYTHON_DIR)/src $(PYTHON_DIR)/credgate $(ROOT)/core/src \
                       -type f \( -name '*.rs' -o -name '*.py' -o -name '*.pyi' -o -name 'py.typed' \) 2>/dev/null) \
                     $(PYTHON_DIR)/Cargo.toml $(PYTHON_DIR)/pyproject.toml $(PYTHON_DIR)/README.md $(ROOT)/LICENSE \
                     $(ROOT)/core/Cargo.toml \
                     $(wildcard $(ROOT)/Cargo.lock)
PIP               := $(PY) -m pip --disable-pip-version-check

.PHONY: setup-python setup-postgres build-python test-python conformance-python bench-python

## setup-python: install the pinned build and test tools into .venv (idempotent, no prompts)
setup-python: venv $(PYTHON_DEPS_STAMP)

$(PYTHON_DEPS_STAMP): $(PYTHON_DIR)/requirements-dev.txt
	$(PIP) install -q -r $(PYTHON_DIR)/requirements-dev.txt
	touch $@

## build-python: build the extension (maturin) and pip install ./python into .venv when sources changed
build-python: setup-python $(PYTHON_BUILD_STAMP)

$(PYTHON_BUILD_STAMP): $(PYTHON_DEPS_STAMP) $(PYTHON_SOURCES)
	rm -f $(PYTHON_DIR)/credgate/*.so
	PATH="$(VENV)/bin:$$PATH" $(PIP) install -q --no-build-isolation --no-deps --force-reinstall $(PYTHON_DIR)
	touch $@

## setup-postgres: Debian's PostgreSQL server (apt, only when initdb is missing) for the backend's tests
setup-postgres:
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	   sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	   echo "installing postgresql (Debian package)"; \
	   $$sudo apt-get update -q && \
	   $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql; \
	 fi

## test-python: clippy for the binding, pytest (package; example backend on SQLite and PostgreSQL), mypy --strict, stubtest
test-python: build-python setup-postgres
	$(CARGO) clippy -q --locked -p credgate-python --all-targets -- -D warnings
	cd $(ROOT) && CREDGATE_SHARED=$(SHARED) $(PY) -m pytest -q -p no:cacheprovider $(PYTHON_DIR)/tests
	cd $(ROOT) && $(PY) -m pytest -q -p no:cacheprovider $(PYTHON_BACKEND)/tests
	cd $(ROOT) && $(PY) -m mypy --strict --no-incremental $(PYTHON_DIR)/credgate $(PYTHON_BACKEND)/credgate_backend
	cd $(ROOT) && $(PY) -m mypy.stubtest credgate --allowlist $(PYTHON_DIR)/stubtest-allowlist.txt

## conformance-python: the Python extension runs $(VECTORS) (`python: N passed, M failed`)
conformance-python: build-python
	cd $(ROOT) && $(PY) -m credgate conformance $(VECTORS)

# The benchmark's own peers (cedarpy), only for `make bench-python`. Wheels only: when none
# installs here, the benchmark says so and skips the Cedar comparison (the stamp is not
# written, so the next run tries again).
PYTHON_BENCH_STAMP := $(VENV)/.credgate-python-bench-deps
$(PYTHON_BENCH_STAMP): $(PYTHON_DIR)/bench/requirements.txt | $(PYTHON_DEPS_STAMP)
	@if $(PIP) install -q --only-binary=:all: -r $<; then touch $@; \
	 else echo "bench-python: no wheel of $$(grep -v '^#' $< | xargs) installed here; the Cedar comparison is skipped"; fi

## bench-python: credgate check (uncached, cached) vs cryptography verify and PyJWT decode; authorize vs cedarpy; batch; threads
bench-python: build-python
	@$(MAKE) --no-print-directory $(PYTHON_BENCH_STAMP)
	cd $(ROOT) && $(PY) $(PYTHON_DIR)/bench/bench.py --out $(BENCH_OUT)/python.json
