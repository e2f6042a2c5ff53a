"""Data access: the PynamoDB models and the repository that owns them."""
