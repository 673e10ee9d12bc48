"""Test support shipped with the package: fresh databases, a live server in a thread, and
scenario builders. Used by warroom's own tests and by plugin authors' contract tests."""
