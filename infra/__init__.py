"""jobtracker's deployable stack: one CDK stack composed of one construct per concern."""
