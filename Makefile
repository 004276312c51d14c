# The first commands on a fresh clone: `make demo`, `make test`. Each creates
# .venv and installs what it needs; nothing else is assumed on the machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-secure bench lint clean tools

# pdftotext/pdftoppm (Debian's poppler-utils) read the PDF reports back in the tests.
tools:
	@command -v pdftotext >/dev/null || { \
	  echo "installing poppler-utils (pdftotext) for the PDF tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq poppler-utils >/dev/null; fi; }

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[local,pdf,test]'
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(VENV)/bin/sada demo

# The secure smoke tests (tests/pipeline/test_kafka_security.py: TLS and SCRAM end to end, a wrong
# password, a client without TLS) run in every `make test`, whatever the broker.
test: $(INSTALLED) tools lint
	$(PY) -m pytest -q

# The pipeline tests (failure tests included) against a broker that wants TLS and SCRAM-SHA-512.
test-secure: $(INSTALLED) tools
	SADA_TEST_BROKER=scram-tls $(PY) -m pytest -q tests/pipeline

bench: $(INSTALLED)
	$(PY) -m bench

# ruff (pycodestyle, pyflakes, isort, bugbear, pyupgrade, simplify, complexity <= 12), the
# formatter's check, and mypy on shared/ and services/ (configured in pyproject.toml).
lint: $(INSTALLED)
	$(VENV)/bin/ruff check shared services tests bench
	$(VENV)/bin/ruff format --check shared services tests bench
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .sada sada-demo bench-results .pytest_cache .hypothesis
