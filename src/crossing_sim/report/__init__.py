"""Text for people: the run summary and the story of one night (trace)."""

__all__ = ["analysis", "summary", "trace"]
