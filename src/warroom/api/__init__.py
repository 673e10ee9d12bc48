"""HTTP surface: the TAXII 2.1 server and the REST API, built by :func:`create_app`."""

from warroom.api.app import create_app

__all__ = ["create_app"]
