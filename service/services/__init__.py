"""Use cases: request a document, produce it (render, convert, number, sign, archive), report health."""
