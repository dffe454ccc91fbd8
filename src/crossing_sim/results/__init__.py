"""Results folders: the batch format, the store that writes them, the reader."""

__all__ = ["batches", "provenance", "reader", "record", "store"]
