"""The ``warroom`` command line (Typer): set up an instance, share and export STIX, run the demo."""
