"""Detectors: code that looks at data an organisation holds and turns what it finds into
findings that can be shared through the exchange (see ``base.Detector``)."""
