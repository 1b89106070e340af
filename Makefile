# `make demo` and `make test` work on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test setup system-deps bench clean

setup: $(STAMP)

$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "policygen needs Python 3.11 or newer"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

system-deps:
	@bash scripts/system-deps.sh

demo: setup system-deps
	$(BIN)/policygen batch questionnaires/examples -o output --format html,pdf,md

test: setup system-deps
	$(BIN)/python -m pytest

bench: setup system-deps
	$(BIN)/python bench/bench_batch.py

clean:
	rm -rf $(VENV) output/*.html output/*.pdf output/*.md output/.policygen-manifest.json
