# Two entry points, both from a fresh clone (see README):
#   make demo  - install into .venv and run the batch job on the bundled demo corpus
#   make test  - install into .venv (with test extras) and run the test suite
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/demo

.PHONY: demo test install install-dev bench evaluate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.2"

install: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt ".[dev,spark]"

demo: install
	$(BIN)/extractor batch corpora/seed-cohort/notes --out $(OUT) --overwrite

test: install-dev
	$(BIN)/pytest

evaluate: install
	$(BIN)/python bench/evaluation_table.py

bench: install
	$(BIN)/python bench/run_bench.py --rounds 3

clean:
	rm -rf $(VENV) out build *.egg-info
