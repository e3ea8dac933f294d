# Two commands do everything on a fresh clone (Debian, Python 3.11):
#   make lab   - set up .venv and serve the lab on http://127.0.0.1:$(PORT)
#   make test  - set up .venv with the test extras (and Debian's chromium) and run every test
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8000
HOST   ?= 127.0.0.1
PIP    := $(VENV)/bin/python -m pip
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup setup-test chromium cluster-tools lab test lint bench soak clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# The venv with the lab installed (editable); torch pinned by constraints.txt.
$(VENV)/.setup: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) install --disable-pip-version-check -q -c constraints.txt -e .
	touch $@

setup: $(VENV)/.setup

$(VENV)/.setup-test: $(VENV)/.setup
	$(PIP) install --disable-pip-version-check -q -c constraints.txt -e ".[test]"
	touch $@

setup-test: $(VENV)/.setup-test

# Browser tests drive Debian's chromium (never a downloaded browser).
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

# The cluster test (tests/test_cluster.py) runs its own Redis and nginx on free ports, as the
# current user; Debian's packages only provide the programs (their services are not used).
cluster-tools:
	@test -x /usr/bin/redis-server && test -x /usr/sbin/nginx || { \
	  echo "installing Debian's redis-server and nginx for the cluster test"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends redis-server nginx; }

lab: setup
	$(VENV)/bin/ganlab serve --host $(HOST) --port $(PORT)

test: setup-test chromium cluster-tools
	$(VENV)/bin/ruff check gan_core server tests bench
	$(VENV)/bin/python -m pytest -q

# Every figure of bench/RESULTS.md (ratios from one run each; JSON beside the prints)
bench: setup-test chromium
	$(VENV)/bin/python bench/bench_step.py --preset gaussians --out bench/step_gaussians.json
	$(VENV)/bin/python bench/bench_step.py --preset figure1 --out bench/step_figure1.json
	$(VENV)/bin/python bench/bench_step.py --preset ring --iterations 500 --out bench/step_ring.json
	$(VENV)/bin/python bench/bench_frame.py
	$(VENV)/bin/python bench/bench_page.py --preset gaussians
	$(VENV)/bin/python bench/bench_capacity.py --compare --out bench/capacity.json

# 10 sessions playing for 10 minutes: RSS, threads, CPU and frame rates over time (bench/soak.json)
soak: setup-test
	$(VENV)/bin/python bench/soak.py --sessions 10 --minutes 10 --every 30 --out bench/soak.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
