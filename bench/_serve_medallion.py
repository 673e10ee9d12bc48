"""Run medallion 3.0.0 (memory backend) from a config file on 127.0.0.1:PORT, threaded."""

from __future__ import annotations

import logging
import sys

import medallion
from werkzeug.serving import make_server

if __name__ == "__main__":
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = medallion.load_app(sys.argv[1])
    make_server("127.0.0.1", int(sys.argv[2]), app, threaded=True).serve_forever()
