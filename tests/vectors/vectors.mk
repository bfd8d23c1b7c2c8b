# tests/vectors/vectors.mk — the conformance-vector generator (issue 8), included by the root Makefile.
#
# Uses the root's variables: ROOT, SHARED (for the starter JWKS the generator checks its keys
# against) and PY (the project venv's python); depends on the root target `venv` (creates .venv).
#
#   check-vectors   fails, naming each file, when a tests/vectors/*.json differs from what
#                   tests/vectors/generate.py writes (the files are not rewritten); installs
#                   `cryptography` into the venv first, only when it cannot be imported

VECTORS_DIR          := $(ROOT)/tests/vectors
# The generator's one package beyond the standard library, at the version the Python host pins.
VECTORS_CRYPTOGRAPHY  = $(or $(shell grep -m1 -E '^cryptography==' $(ROOT)/python/requirements-dev.txt 2>/dev/null),cryptography)

.PHONY: check-vectors

## check-vectors: tests/vectors/*.json byte-identical to what tests/vectors/generate.py writes (drift fails)
check-vectors: venv
	@$(PY) -c 'import cryptography' 2>/dev/null || { \
	  echo "check-vectors: installing $(VECTORS_CRYPTOGRAPHY) into the venv"; \
	  $(PY) -m pip --disable-pip-version-check install -q '$(VECTORS_CRYPTOGRAPHY)'; }
	CREDGATE_SHARED='$(SHARED)' $(PY) $(VECTORS_DIR)/generate.py --check
