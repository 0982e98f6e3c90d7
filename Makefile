# Two commands do all set-up on a fresh clone: `make demo` and `make test`.
# Both build .venv from python3.12 (selected by .python-version) when it is missing or stale.
PY ?= python3.12
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow test-all lint bench calibration clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/bayes-scaling demo

# the tests run on as many processes as there are cores, at most four (pytest-xdist)
XDIST := -n auto --maxprocesses 4

test: $(STAMP)
	$(VENV)/bin/python -m pytest -m "not slow" -q $(XDIST)

test-slow: $(STAMP)
	$(VENV)/bin/python -m pytest -m slow -q $(XDIST)

test-all: $(STAMP)
	$(VENV)/bin/python -m pytest -q $(XDIST)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/run.py

calibration: $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e ".[dev,bench]"
	$(VENV)/bin/python benchmarks/calibration.py

clean:
	rm -rf $(VENV) build dist *.egg-info
