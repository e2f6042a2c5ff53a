"""Placeholder for the ingest Lambda entry point, so the stack synthesizes."""
