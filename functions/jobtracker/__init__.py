"""jobtracker: the domain package shared by every Lambda function."""
