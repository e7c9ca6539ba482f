# The README's two set-up commands, and the checks behind them.
PY := .venv/bin/python

.PHONY: main test lint benchmark

main:  ## install and run the local pipeline: digits -> validated -> DCGAN -> blessed -> pushed
	python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/tfgen pipeline run dcgan_digits

test:  ## install with the dev extra and run the whole suite (what CI runs)
	python3 -m venv .venv && .venv/bin/pip install -e ".[dev]" && .venv/bin/python -m pytest

lint:
	.venv/bin/ruff check tfgen tests benchmarks && .venv/bin/ruff format --check tfgen tests benchmarks

benchmark:
	$(PY) -m benchmarks.learning_mnist
