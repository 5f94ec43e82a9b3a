# privacyscan: two commands do all set-up on a fresh Debian/Ubuntu machine.
#   make scan   scan the sites in sites.txt and write the reports to out/
#   make test   run the whole test suite
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
SITES  ?= sites.txt
OUT    ?= out
ARGS   ?=

.PHONY: scan test setup browser test-tools lint bench demo clean

scan: setup
	$(VENV)/bin/privacyscan scan $(SITES) --out $(OUT) $(ARGS)
	@echo "Open $(abspath $(OUT))/index.html"

test: setup test-tools
	$(PY) -m pytest $(ARGS)

setup: $(VENV)/.installed browser

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && \
	    $(PYTHON) -m venv $(VENV); \
	  else echo "Python's venv module is missing: sudo apt-get install -y python3-venv" >&2; exit 1; fi; }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,fleet]'
	@touch $@

# A Chromium to drive: PRIVACYSCAN_BROWSER, Debian's chromium, or one on PATH.
browser:
	@if [ -n "$$PRIVACYSCAN_BROWSER" ] || [ -x /usr/lib/chromium/chromium ] \
	  || command -v chromium-browser >/dev/null || command -v chromium >/dev/null \
	  || command -v google-chrome >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian's chromium…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "privacyscan needs Chromium. Install it with:  sudo apt-get install -y chromium" >&2; \
	  echo "(or set PRIVACYSCAN_BROWSER to a Chromium/Chrome executable)" >&2; exit 1; \
	fi

# What the tests read evidence with: pdftotext and pdfinfo (poppler-utils) for the
# printed reports, jq with openssl for the README's way to check a bundle by hand.
test-tools:
	@if command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null \
	  && command -v jq >/dev/null && command -v openssl >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils jq openssl; \
	else \
	  echo "The PDF and evidence tests need: sudo apt-get install -y poppler-utils jq openssl (skipped without)" >&2; \
	fi

lint: setup
	$(VENV)/bin/ruff check scanner reports tests tools benchmarks
	$(VENV)/bin/ruff format --check scanner reports tests tools benchmarks
	$(VENV)/bin/mypy

bench: setup
	$(PY) benchmarks/bench_scan.py $(ARGS)

demo: setup
	$(VENV)/bin/privacyscan demo --out demo

clean:
	rm -rf $(VENV) out demo export *.egg-info
