# pydelt_like developer tasks.
#
#   make demo    set up a lean .venv (first time only) and run examples/quickstart.py
#   make test    add the test and development tools to .venv (first time only), run the tests
#   make bench   every benchmark, against the peer packages too; regenerates docs/benchmarks.md
#   make fuzz    the full fuzz profile: 10,000+ hostile inputs on every core, a table of outcomes
#
# The virtual environment is built once and rebuilt when pyproject.toml or TORCH_SPEC changes.
# `make demo` installs only what the quickstart needs: NumPy, SciPy, matplotlib and the package
# itself, without torch (the neural network's engine, about 750 MB of the 1.9 GB that the full
# set-up takes); `make install` and `make test` add torch and the test, plot and dev extras.
#
# torch is installed FIRST, from TORCH_SPEC, so that `pip install -e .` finds it already
# satisfied and pulls nothing more. Keep TORCH_SPEC pinned: an unpinned `torch` makes pip pick
# the newest release, a CUDA build of several GB. The default, torch==2.13.0, is a CPU wheel
# that pip finds on this machine through its config (find-links).
#
# Your own torch (e.g. a CUDA build):
#   make test TORCH_SPEC="torch==2.5.1"                      # pin the release you want, or
#   make test TORCH_SPEC= VENV_ARGS=--system-site-packages   # skip the torch step and reuse
#                                                            # the torch installed beside PYTHON
# An empty TORCH_SPEC skips the torch step; with no torch visible to the venv, pip would then
# resolve `torch>=2.2` itself (the large download the pin avoids).

TORCH_SPEC ?= torch==2.13.0
PYTHON     ?= python3
VENV       ?= .venv
VENV_ARGS  ?=
EXTRAS     ?= test,plot,dev
PYTEST_ARGS ?=

# The quickstart's needs (the spline and its plot), with the lower bounds of pyproject.toml's
# dependencies and `plot` extra (tests/test_makefile.py checks that they agree).
DEMO_DEPS ?= 'numpy>=1.24' 'scipy>=1.11' 'matplotlib>=3.7'

VPY   := $(VENV)/bin/python
PIP   := $(VPY) -m pip
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: install demo test lint typecheck bench fuzz docs clean help FORCE

help:
	@echo "targets: install demo test lint typecheck bench fuzz docs clean"
	@echo "vars:    TORCH_SPEC='$(TORCH_SPEC)' PYTHON=$(PYTHON) VENV=$(VENV) VENV_ARGS='$(VENV_ARGS)'"

install: $(STAMP)

# Records TORCH_SPEC; rewritten (so newer) only when the value changes, which re-runs the install.
$(VENV)/.torch-spec: FORCE
	@mkdir -p $(VENV)
	@printf '%s\n' '$(TORCH_SPEC)' | cmp -s - $@ || printf '%s\n' '$(TORCH_SPEC)' > $@

$(STAMP): pyproject.toml $(VENV)/.torch-spec
	test -x $(VPY) || $(PYTHON) -m venv $(VENV_ARGS) $(VENV)
	if [ -n '$(TORCH_SPEC)' ]; then $(PIP) install '$(TORCH_SPEC)'; \
	else echo "TORCH_SPEC is empty: skipping the torch install step"; fi
	$(PIP) install -e '.[$(EXTRAS)]'
	touch $@ $(DEMO_STAMP)

# The lean set-up: the package without its dependencies (so without torch), then the demo's.
$(DEMO_STAMP): pyproject.toml
	test -x $(VPY) || $(PYTHON) -m venv $(VENV_ARGS) $(VENV)
	$(PIP) install $(DEMO_DEPS)
	$(PIP) install --no-deps -e .
	touch $@

demo: $(DEMO_STAMP)
	$(VPY) examples/quickstart.py

# Lint and type checks first (CI runs only `make test`, so it enforces them), then the tests and
# the package's doctests. pytest's exit code is make's: a failure, or exit 5 (no tests
# collected), fails the target.
# The tests' networks are small: one torch thread trains them faster than two and keeps a
# shared machine responsive (override with OMP_NUM_THREADS=N).
test: lint typecheck
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(VPY) -m pytest -q --doctest-modules pydelt_like tests $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Every benchmark runs; the target fails if any of them missed its bar. The peer packages of
# benchmarks/peers.py come from the `bench` extra; torch is already installed (TORCH_SPEC), so
# pip keeps it. peers.py rewrites docs/benchmarks.md and docs/img/benchmarks/. No thread pin:
# speed is timed at the libraries' defaults, as users run them.
bench: $(STAMP)
	$(PIP) install -e '.[bench]'
	@status=0; begin=$$(date +%s); for f in benchmarks/[!_]*.py; do \
		[ -e "$$f" ] || { echo "no benchmarks found"; continue; }; \
		start=$$(date +%s); echo "== $$f"; $(VPY) "$$f" || status=1; \
		echo "== $$f took $$(( $$(date +%s) - start )) s"; \
	done; echo "== all benchmarks took $$(( $$(date +%s) - begin )) s"; exit $$status

# Hostile inputs for every public entry point (tests/fuzz; `make test` runs a quick profile of
# them): at least FUZZ_INPUTS of them, FUZZ_SEED picks which, each call limited to FUZZ_LIMIT
# seconds (a worker that overruns is killed), on FUZZ_WORKERS processes (default: every core).
# Prints the counts by area and outcome and the first reproducer of each failure kind; fails
# when any crash from inside a dependency, silent wrong or NaN result, or hang remains.
FUZZ_INPUTS ?= 10000
FUZZ_SEED   ?= 0
FUZZ_LIMIT  ?= 20
FUZZ_WORKERS ?=
fuzz: $(STAMP)
	OMP_NUM_THREADS=1 $(VPY) -m tests.fuzz --inputs $(FUZZ_INPUTS) --seed $(FUZZ_SEED) \
		--limit $(FUZZ_LIMIT) $(if $(FUZZ_WORKERS),--workers $(FUZZ_WORKERS))

# The figures in docs/img are drawn by the examples; the build is strict (a warning fails it).
docs: $(STAMP)
	$(PIP) install -e '.[docs,examples]'
	$(VPY) examples/quickstart.py --output docs/img
	$(VPY) examples/mauna_loa_co2.py --output docs/img
	$(VPY) examples/uncertainty_bands.py --output docs/img
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) build dist site .pytest_cache .ruff_cache .mypy_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

FORCE:
