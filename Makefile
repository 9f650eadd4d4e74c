# skl_lstm developer entry points. Each target sets up .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0

.PHONY: help venv docs demo test test-slow test-oldest test-long bench-perf bench-accuracy bench-panel bench-generalise bench-memory bench-diagnose clean

help:
	@echo "make demo         tune and evaluate an LSTM on the bundled airline series"
	@echo "make test         the test suite (fast tests, under 10 minutes on 2 cores)"
	@echo "make docs         the documentation site, offline, warnings as errors (docs/_build/html)"
	@echo "make test-slow    the slow tests (longer training)"
	@echo "make test-oldest  the suite against the oldest supported scikit-learn"
	@echo "make test-long    property-based tests, 2000 examples per property"
	@echo "make bench-perf   speed and memory against raw Keras (docs/performance.md)"
	@echo "make bench-accuracy  accuracy against naive, ridge, SARIMA (docs/accuracy.md)"
	@echo "make bench-panel  M4 Weekly, many series, official scoring (docs/panel.md)"
	@echo "make bench-generalise  the untuned recipe on 386 series, held-out part (docs/generalise.md)"
	@echo "make bench-memory peak memory of the M4 contract fit at 0.5, 1 and 2 times M4 Weekly"
	@echo "make bench-diagnose  diagnose's fault suite on real series, tune and report parts (docs/diagnose_suite.md)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "skl_lstm needs Python >= 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

venv: $(STAMP)

# The docs extra (Sphinx, MyST, numpydoc, sphinx-gallery, the theme) on top of the test install.
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[docs]"
	@touch $(DOCS_STAMP)

# The site: user guide and committed benchmark pages (docs/*.md), the API reference from the
# docstrings, and the gallery, which runs examples/plot_*.py. No network (no intersphinx);
# any warning fails the build. Open docs/_build/html/index.html.
docs: $(DOCS_STAMP)
	MPLBACKEND=Agg $(PY) -m sphinx -b html -W --keep-going -j 1 docs docs/_build/html

demo: $(STAMP)
	$(PY) examples/demo_airline.py

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup --durations=10

test-slow: $(STAMP)
	$(PY) -m pytest -n 2 -m slow

# Property-based tests with at least 2000 examples per property.
test-long: $(STAMP)
	HYPOTHESIS_PROFILE=long $(PY) -m pytest -n 2 -W "ignore::UserWarning" --hypothesis-show-statistics tests/test_properties.py

# The lower end of the supported scikit-learn range, in its own environment.
OLDEST_VENV := .venv-oldest
$(OLDEST_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(OLDEST_VENV)/bin/python -m pip install --quiet -e ".[test]" "scikit-learn==1.6.1" "pandas==2.2.3"
	@touch $@

test-oldest: $(OLDEST_VENV)/.installed
	$(OLDEST_VENV)/bin/python -m pytest -n 2 -p no:randomly tests/test_common.py tests/test_pipeline.py

bench-perf: $(STAMP)
	$(PY) benchmarks/perf.py

# Accuracy on 8 series (7 real, bundled or inside statsmodels) plus the darts
# six-month airline protocol; writes docs/accuracy.{md,json,png}.
bench-accuracy: $(STAMP)
	$(PY) benchmarks/accuracy.py

# M4 Weekly (359 series, shipped in benchmarks/data/) by M4's official rules;
# writes docs/panel.{md,json,png}.
bench-panel: $(STAMP)
	$(PY) benchmarks/panel.py

# Every M4 Weekly series and the offline statsmodels/bundled series as single-series
# fits, scored on the held-out half (hash of the name); writes docs/generalise.{md,json}.
# Resumes from benchmarks/cache/generalise-heldout.jsonl; 32 min measured on 2 shared cores.
bench-generalise: $(STAMP)
	$(PY) benchmarks/generalise.py

# Peak memory of the M4 Weekly contract fit at half, all and twice the series (docs/performance.md).
bench-memory: $(STAMP)
	$(PY) benchmarks/memory_scaling.py

# diagnose's fault suite: every fault planted in several strengths on real base series of the generalise
# collection; thresholds tuned on the dev half, confusion table reported on the held-out half. Writes
# docs/diagnose_suite.{md,json}; resumes from benchmarks/cache/diagnose_suite-{tune,report}.jsonl.
# Measured on 2 shared cores: tune 12 min of diagnose time, report 108 min (the 14 (256, 256) networks
# take 72 min of it); about 15 and 60 min of wall time with 2 workers.
bench-diagnose: $(STAMP)
	$(PY) benchmarks/diagnose_suite.py --part both --n-jobs 2

clean:
	rm -rf $(VENV) $(OLDEST_VENV) build *.egg-info .pytest_cache demo_output \
		docs/_build docs/generated docs/auto_examples docs/sg_execution_times.rst
