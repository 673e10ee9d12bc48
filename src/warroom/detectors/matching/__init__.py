"""Indicator matching: which URLs, domains and IPs in a log or list were shared as indicators."""
