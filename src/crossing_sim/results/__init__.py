"""Results folders: the batch format, the store that writes them, the reader."""
