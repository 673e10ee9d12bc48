"""Named, parameterised SQL over DuckDB (the embedded default) and Spark (the optional extra).

Why: detectors' heavy analytics (coordination signals over millions of posts) must run on one
laptop and on a cluster without two implementations. The queries are written once against a
small dialect layer (``dialect.py``); an ``Engine`` (``engine.py``) runs them on DuckDB or
PySpark, and one contract test checks both give the same rows."""
