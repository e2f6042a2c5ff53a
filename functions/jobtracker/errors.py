"""Domain errors: each one says what was wrong with the input, never how it was stored."""


class MalformedEvent(ValueError):
    """The input cannot become a TrainingJob record; the reason is the message."""
