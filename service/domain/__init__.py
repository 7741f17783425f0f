"""Domain: plain dataclasses and rules (documents, templates, numbers, Vietnamese formats). No I/O."""
