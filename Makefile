# The two commands of the README: `make demo` and `make test`.
# Both create .venv on first use and install the package with its extras into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev,plot,sympy

.PHONY: demo test lint venv bench docs-images clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py --out out

lint: $(STAMP)
	$(BIN)/ruff check tinygrad_edu tests examples benchmarks docs

test: lint
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo 'pytest: no tests collected'; exit 0; fi; exit $$rc

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_scalar.py
	$(BIN)/python benchmarks/bench_tensor.py

# Regenerate every picture the docs show (the playground screenshot comes from its browser test).
docs-images: $(STAMP)
	$(BIN)/python examples/graph.py --out docs/images
	$(BIN)/python examples/spiral.py --out docs/images
	$(BIN)/python examples/xor_tensor.py --out docs/images
	TINYGRAD_EDU_UPDATE_IMAGES=1 $(BIN)/python -m pytest -q tests/test_playground_browser.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
