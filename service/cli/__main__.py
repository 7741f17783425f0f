"""``python -m service.cli``: the ``vanban`` command (how ``serve`` starts its workers, and the tests the service)."""

from service.cli import app

if __name__ == "__main__":
    app()
