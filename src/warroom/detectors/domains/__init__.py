"""Domain watch: lookalike and phishing domains aimed at the assets organisations protect."""
