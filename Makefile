# Two entry points, both from a fresh clone (see README):
#   make demo  - install into .venv and run the batch job on the bundled demo corpus
#   make test  - install into .venv (with test extras) and run the test suite
# and a quick check:
#   make smoke - install if needed, then extract one patient and batch the demo corpus (under 30 s)
# The install is skipped when nothing it depends on changed (a stamp file in .venv).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/demo
SMOKE_OUT ?= out/smoke

# What an install copies into .venv: a change to any of these reinstalls (the
# install is not editable, so an edited module is otherwise not seen).
PACKAGE_FILES := pyproject.toml constraints.txt $(shell find extractor rules -type f \
	\( -name '*.py' -o -name '*.json' -o -name '*.jsonl' -o -name '*.sql' -o -name 'py.typed' \) 2>/dev/null | sort)
STAMP := $(VENV)/.installed
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test smoke install install-dev bench evaluate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.2"

$(STAMP): $(PACKAGE_FILES) | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt .
	touch $@

$(STAMP_DEV): $(PACKAGE_FILES) | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt ".[dev,spark]"
	touch $@ $(STAMP)

install: $(STAMP)

install-dev: $(STAMP_DEV)

demo: $(STAMP)
	$(BIN)/extractor batch corpora/seed-cohort/notes --out $(OUT) --overwrite
	@echo "extractor is installed in $(VENV): run '. $(VENV)/bin/activate' to use 'extractor' in this shell (or call $(BIN)/extractor)"

test: $(STAMP_DEV)
	$(BIN)/pytest

smoke: $(STAMP)
	$(BIN)/extractor --version
	$(BIN)/extractor extract corpora/seed-cohort/notes/P03__*.txt --compact > /dev/null
	$(BIN)/extractor batch corpora/seed-cohort/notes --out $(SMOKE_OUT) --overwrite --omop --no-progress > /dev/null
	@echo "smoke: ok ($(SMOKE_OUT))"

evaluate: $(STAMP)
	$(BIN)/python bench/evaluation_table.py

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py --rounds 3

clean:
	rm -rf $(VENV) out build *.egg-info
