"""Creative Bot: the library behind the four Lambda functions (the `shared/` layer)."""

__version__ = "0.1.0"
