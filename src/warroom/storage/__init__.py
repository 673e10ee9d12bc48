"""Persistence of the exchange: the Store interface and its SQL implementation."""
