# Two commands on a fresh machine with Python 3.11:
#   make demo   set up, generate the synthetic municipality, run everything, serve the dashboard
#   make test   set up and run the whole test suite (what CI runs)
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy

.PHONY: setup demo run test lint ui bench

# The project's own packages (pyproject.toml's wheel), its tests and benches: compiled to bytecode by `setup`, as
# uv compiles the installed packages (UV_COMPILE_BYTECODE). Where PYTHONDONTWRITEBYTECODE is set (these machines,
# many container images) every process — a run, its dbt, the dashboard, each test worker — would otherwise
# compile them from source again (~0.15 s of CPU for a run's imports, docs/benchmarks.md).
CODE = $(shell $(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])') tests bench

# Quiet: what a command does is said in words; errors are shown as they come.
$(UV):
	@echo "Installerar uv $(UV_VERSION) i $(TOOLS)/ …"
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The environment exactly as uv.lock says (Python 3.11, every package pinned), in .venv/, and the dbt project
# parsed (pipelines/dbt_manifest.py: a fresh clone's first run then starts from a parsed project, as every later
# run does). Silent when nothing changes.
setup: $(UV)
	@test -x .venv/bin/skolanalys || echo "Installerar miljön i .venv/ enligt uv.lock (första gången: några minuter) …"
	@$(UV) sync --frozen --quiet --python $(PYTHON)
	@.venv/bin/python -m compileall -q -j 0 $(CODE) >/dev/null
	@.venv/bin/python -m pipelines.dbt_manifest

demo: setup
	@.venv/bin/skolanalys demo

run: setup
	@.venv/bin/skolanalys run

ui: setup
	@.venv/bin/skolanalys ui

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

test: setup
	@.venv/bin/ruff check .
	@.venv/bin/pytest
