"""Publishing: dumps and dataset metadata, all read from the store."""
