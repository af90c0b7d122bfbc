"""IPS records and rules: plain Python, importing no UI, storage or network library."""
