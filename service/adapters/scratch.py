"""Where short-lived files go: memory (tmpfs, ``/dev/shm``) where the machine has it, else the system's temporary
folder. A chunk's DOCX and PDF pass through here between the worker and LibreOffice, and the PDF again for qpdf."""

from __future__ import annotations

from pathlib import Path

SCRATCH = str(Path("/dev/shm")) if Path("/dev/shm").is_dir() else None
"""For ``tempfile``'s ``dir=``: None is the system's temporary folder."""
