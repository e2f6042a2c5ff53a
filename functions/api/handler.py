"""Placeholder for the api Lambda entry point, so the stack synthesizes."""
