# The textbook's commands. `make lab` to read, `make test` to check everything.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
SETUP  := $(VENV)/.genlib-setup
JOBS   ?= 2

.PHONY: lab test notebooks bench book checkpoints clean

$(SETUP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -e '.[dev]'
	touch $(SETUP)

lab: $(SETUP)  ## open the chapters in JupyterLab
	$(VENV)/bin/jupyter lab notebooks/

# One torch thread per test worker: JOBS workers on JOBS cores, no oversubscription.
test: $(SETUP)  ## style (ruff), unit tests + every chapter executed by nbval in quick mode
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	GENLIB_QUICK=1 MPLBACKEND=Agg OMP_NUM_THREADS=1 $(PY) -m pytest -n $(JOBS) --dist loadfile --nbval-lax tests notebooks

notebooks: $(SETUP)  ## re-execute every chapter in full mode and store its outputs (NB=04 for one)
	PATH=$(abspath $(VENV))/bin:$$PATH bash tools/run_notebooks.sh $(NB)

bench: $(SETUP)  ## speed and memory of every model -> benchmarks/results.json
	$(PY) benchmarks/run.py
	$(PY) benchmarks/references.py

checkpoints: $(SETUP)  ## train every reference model from its recipe into checkpoints/ (hours on a CPU; resumable)
	OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-PASSIVE} $(PY) -m genlib reproduce all --resume

book: $(SETUP)  ## every chapter as a static HTML site in _build/html, from the committed outputs
	$(PY) book/build.py

clean:
	rm -rf $(VENV) .cache _build
