# `make demo` and `make test` work on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

BROWSER_LOCK  := tests/browser/package-lock.json
BROWSER_STAMP := tests/browser/node_modules/.installed-$(shell cksum < $(BROWSER_LOCK) | cut -d' ' -f1)

.PHONY: demo test setup system-deps browser-deps bench clean

setup: $(STAMP)

$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "policygen needs Python 3.11 or newer"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

system-deps:
	@bash scripts/system-deps.sh

# axe-core, pinned by tests/browser/package-lock.json, for tests/test_accessibility.py.
browser-deps: $(BROWSER_STAMP)

$(BROWSER_STAMP): $(BROWSER_LOCK)
	@command -v npm >/dev/null || { echo "npm is needed for the browser tests (scripts/system-deps.sh installs it as root)"; exit 1; }
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	@touch $@

demo: setup system-deps
	$(BIN)/policygen batch questionnaires/examples -o output --format html,pdf,md
	@bash scripts/previews.sh output

test: setup system-deps browser-deps
	$(BIN)/python -m pytest

bench: setup system-deps
	$(BIN)/python bench/bench_batch.py

clean:
	rm -rf $(VENV) output/*.html output/*.pdf output/*.md output/.policygen-manifest.json output/preview
