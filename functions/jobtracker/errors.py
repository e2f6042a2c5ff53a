"""Domain errors: each one says what was wrong with the input, never how it was stored."""


class MalformedEvent(ValueError):
    """The input cannot become a TrainingJob record; the reason is the message."""


class InvalidQuery(ValueError):
    """A query parameter (or page token) is not acceptable; the message names it and why."""


class UnknownJob(LookupError):
    """No training job by that name is stored."""
