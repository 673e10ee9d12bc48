"""warroom: an open-source election threat exchange and war room.

Importing the package does nothing: build the app with ``warroom.api.create_app``.
"""

__version__ = "0.1.0"
