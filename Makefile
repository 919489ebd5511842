# Two entry points (see README): `make demo` and `make test`. Both build .venv from this repository's files.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install samples lab notebooks clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

install: $(STAMP)

samples: $(STAMP)
	@if [ -z "$$(ls -A data/raw | grep -v '^.gitkeep$$')" ]; then \
	  $(BIN)/discl samples data/raw; \
	else echo "data/raw already has reports; not adding samples"; fi

demo: samples
	$(BIN)/discl ingest data/raw --out data/processed
	$(BIN)/discl export data/processed --xlsx data/processed/comparison.xlsx
	$(BIN)/discl report data/processed --out data/processed/report.html

test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile  # one worker per core; a file's tests stay together (module fixtures)

notebooks: $(STAMP)  # regenerate the .ipynb from their paired .py sources, executed on discl's samples
	$(BIN)/python scripts/execute_notebooks.py

lab: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[lab]' --config-settings editable_mode=compat
	$(BIN)/jupyter lab notebooks/

# what `make demo` wrote: the outputs in data/processed (not its .gitkeep) and, in data/raw, only the
# sample files `discl samples` wrote (listed in its manifest); reports of one's own in data/raw stay
clean:
	@if [ -x $(BIN)/discl ]; then $(BIN)/discl samples data/raw --remove; fi
	find data/processed -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -f report.html comparison.xlsx
	rm -rf $(VENV)
