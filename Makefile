# The README's two commands: `make demo` and `make test`. Both set everything up on a fresh machine.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium for the report's browser test and PDF, pdftotext to read the PDF back
# (Debian's packages; root or sudo).
browser:
	@{ command -v chromium && command -v pdftotext; } >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium poppler-utils >/dev/null; }

demo: $(STAMP)
	$(VENV)/bin/shailoo demo demo-workspace --force

test: $(STAMP) browser
	$(VENV)/bin/pytest -n 2 -q

bench: $(STAMP)
	$(VENV)/bin/pip install -q -e '.[bench]'
	$(VENV)/bin/python benchmarks/import_crowdtangle.py

clean:
	rm -rf $(VENV) demo-workspace
