"""Coordinated inauthentic behaviour: find the networks of accounts acting together.

Posts from any platform are ingested into one canonical Parquet schema (``schema``,
``adapters``, ``ingest``); named SQL signals find account pairs that shared the same things at
the same time (``signals``); a weighting that rewards rare, synchronised sharing fuses the
signals and Leiden clusters the accounts (``scoring``); the result explains itself
(``report``) and becomes STIX for the exchange (``stix``)."""
