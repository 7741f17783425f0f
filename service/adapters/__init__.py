"""Adapters: each third-party system behind one module (database, renderer, converter, archive, queue)."""
