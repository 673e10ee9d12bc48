"""Pure domain types: no I/O, no settings, no database."""
