"""Fieldwork tests: a package, so tests/server is tests.server and never shadows the real server."""
