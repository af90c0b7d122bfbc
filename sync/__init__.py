"""Sync between the field app's outbox and the central API."""
