# The README's two set-up commands, and the checks behind them.
PY := .venv/bin/python
RUN := runs/dcgan-digits

.PHONY: main test lint benchmark

main:  ## install, train a DCGAN on the bundled digits, export it, write a sample grid
	python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/tfgen train dcgan --data digits --epochs 40 --workdir $(RUN) && .venv/bin/tfgen export --model $(RUN)/model.keras --name dcgan_digits && .venv/bin/tfgen sample --model $(RUN)/model.keras --n 64 --out $(RUN)/samples.png

test:  ## install with the dev extra and run the whole suite (what CI runs)
	python3 -m venv .venv && .venv/bin/pip install -e ".[dev]" && .venv/bin/python -m pytest

lint:
	.venv/bin/ruff check tfgen tests benchmarks && .venv/bin/ruff format --check tfgen tests benchmarks

benchmark:
	$(PY) -m benchmarks.learning_mnist
