"""`jobtracker`: the command-line client of the jobtracker HTTP API."""
