"""Field app tests (a subpackage of tests, so nothing here shadows the real app)."""
