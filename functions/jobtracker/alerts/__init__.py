"""Alerts: which terminal outcomes alert, what the message says, how it is published once."""
