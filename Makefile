# chainrule: `make demo` shows it, `make test` checks it. Both build .venv from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test venv graphviz notebooks bench lint clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Pictures need no system package (graphviz-pure, a pip dependency, draws when `dot` is
# missing). Optional: `make graphviz` installs Debian's Graphviz, which is faster on large
# graphs and writes vector PDFs; CI installs it so both paths are tested.
graphviz:
	@command -v dot >/dev/null 2>&1 && exit 0; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's graphviz (dot is missing)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) || exit 1; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "Graphviz's 'dot' program is missing and cannot be installed from here."; \
		echo "Install it, then run make again:  apt-get install graphviz | brew install graphviz | conda install graphviz"; \
		exit 1; \
	fi

demo: $(STAMP)
	$(VENV)/bin/chainrule demo

test: $(STAMP)
	$(PY) -m pytest -q -n 2

bench: $(STAMP)
	$(PY) -m benchmarks --vs torch

# The tutorials as notebooks beside their scripts; open them with .venv/bin/jupyter lab tutorials
notebooks: $(STAMP)
	$(PY) -m pip install --quiet -e ".[notebook]"
	$(VENV)/bin/jupytext --to ipynb tutorials/*.py
	@echo "notebooks written: tutorials/*.ipynb (open them: .venv/bin/jupyter lab tutorials)"

lint: $(STAMP)
	$(VENV)/bin/ruff check autodiff nn chainrule tests benchmarks

clean:
	rm -rf $(VENV) chainrule-demo .pytest_cache .hypothesis
