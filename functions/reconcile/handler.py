"""Placeholder for the reconcile Lambda entry point, so the stack synthesizes."""
