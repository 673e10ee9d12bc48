# warroom's container image: the package with its postgres extra, run as a non-root user.
#
#   docker build -t warroom .                              (from the root of a clone)
#   docker run --rm -v warroom-data:/data warroom init --org "Exchange Operators" --admin admin
#   docker run -d -p 127.0.0.1:6464:6464 -v warroom-data:/data warroom
#
# The image is built from this checkout only (never from a package index's copy of warroom) and
# runs offline. To build offline too, fill wheelhouse/ first (see wheelhouse/README.md) and add
#   --build-arg PIP_OPTIONS=--no-index
# docs/deployment.md has the rest (PostgreSQL with compose.yaml, volumes, upgrades).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG PIP_OPTIONS=""
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
COPY wheelhouse ./wheelhouse
RUN python -m pip wheel --no-cache-dir ${PIP_OPTIONS} --find-links ./wheelhouse \
        --wheel-dir /wheels ".[postgres]"

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="warroom" \
      org.opencontainers.image.description="Election threat exchange (STIX 2.1 / TAXII 2.1)" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir --no-index --find-links /wheels "warroom[postgres]" \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home warroom
USER warroom
WORKDIR /data
VOLUME ["/data"]
ENV WARROOM_HOST=0.0.0.0 \
    WARROOM_PORT=6464 \
    PYTHONUNBUFFERED=1
EXPOSE 6464
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:6464/api/v1/health', timeout=4)"]
ENTRYPOINT ["warroom"]
CMD ["serve"]
