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

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# The environment exactly as uv.lock says (Python 3.11, every package pinned), in .venv/.
setup: $(UV)
	$(UV) sync --frozen --python $(PYTHON)

demo: setup
	.venv/bin/skolanalys demo

run: setup
	.venv/bin/skolanalys run

ui: setup
	.venv/bin/skolanalys ui

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

test: setup
	.venv/bin/ruff check .
	.venv/bin/pytest
