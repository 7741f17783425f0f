# The vanban service image: API, workers and the LibreOffice converter (one image, different commands).
FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 VANBAN_HOST=0.0.0.0 VANBAN_DATA_DIR=/data
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 python3-venv python3-uno libreoffice-writer-nogui libjemalloc2 fonts-liberation2 \
      poppler-utils qpdf softhsm2 opensc make ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY signing ./signing
COPY templates_docx ./templates_docx
COPY scripts ./scripts
RUN PYTHON=/usr/bin/python3 scripts/install-deps.sh

VOLUME /data
EXPOSE 8000
# `vanban serve` for the API (VANBAN_EMBEDDED_WORKERS=0 when workers run in their own containers),
# `vanban worker` for a worker.
ENTRYPOINT ["/app/.venv/bin/vanban"]
CMD ["serve"]
