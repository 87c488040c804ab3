# The README's two commands: `make demo` and `make test`. Both set everything up on a fresh machine.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install browser java bench clean

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

# Java for the Spark engine's tests in local mode (Spark 4 needs Java 17 or newer; Debian's OpenJDK).
java:
	@command -v java >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

demo: $(STAMP)
	$(VENV)/bin/shailoo demo demo-workspace --force

test: $(STAMP) browser java
	$(VENV)/bin/pytest -n 2 -q

bench: $(STAMP)
	$(VENV)/bin/pip install -q -e '.[bench]'
	$(VENV)/bin/python benchmarks/import_crowdtangle.py

clean:
	rm -rf $(VENV) demo-workspace
