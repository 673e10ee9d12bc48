"""The OASIS TAXII 2.1 reference server (medallion 3.0.0, memory backend) on a loopback port, as
a behaviour oracle for the interop tests and the peer of the benchmarks.

medallion is a test and bench dependency only; importing this module does not import it."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.testing.server import free_port

API_ROOT = "trustgroup1"


@dataclass(frozen=True)
class MedallionPeer:
    url: str  # server base, no trailing slash
    user: str
    password: str
    collection_id: str

    @property
    def api_root_url(self) -> str:
        return f"{self.url}/{API_ROOT}/"

    @property
    def collection_url(self) -> str:
        return f"{self.api_root_url}collections/{self.collection_id}/"


def medallion_config(
    data_file: Path, port: int, max_page_size: int, password: str, collection_id: str
) -> dict[str, Any]:
    data = {
        "/discovery": {
            "title": "medallion",
            "default": f"http://127.0.0.1:{port}/{API_ROOT}/",
            "api_roots": [f"http://127.0.0.1:{port}/{API_ROOT}/"],
        },
        API_ROOT: {
            "information": {
                "title": "peer",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 200 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": collection_id,
                    "title": "shared",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    data_file.write_text(json.dumps(data))
    return {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data_file),
        },
        "users": {"peer": password},
        "taxii": {"max_page_size": max_page_size},
    }


@contextmanager
def running_medallion(tmp_dir: Path, max_page_size: int = 1000) -> Iterator[MedallionPeer]:
    """Serve a fresh medallion on 127.0.0.1 in a thread (one per process: Flask app singleton)."""
    import logging

    import medallion
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    port = free_port()
    password = uuid.uuid4().hex
    collection_id = str(uuid.uuid4())
    config = medallion_config(
        tmp_dir / "medallion.json", port, max_page_size, password, collection_id
    )
    app = medallion.application_instance
    for prop in ("users", "taxii", "backend"):
        medallion.set_config(app, prop, config)
    if not app.blueprints:
        medallion.register_blueprints(app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield MedallionPeer(f"http://127.0.0.1:{port}", "peer", password, collection_id)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
