# `make run`: install what is missing, then start the service on its embedded default.
# `make test`: install what is missing, then lint, type-check and run the whole test suite.
.PHONY: deps run test lint

deps:
	@scripts/install-deps.sh

run: deps
	.venv/bin/vanban serve

lint: deps
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

# Two test processes (pytest-xdist), each module kept in one of them: the suite waits on LibreOffice and services
# more than it computes, so two share the 2 cores well (about 10 min instead of 15).
test: lint
	.venv/bin/python -m pytest -ra -n 2 --dist loadscope --durations=25 $(PYTEST_ARGS)
