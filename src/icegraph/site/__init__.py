"""A static linked-data site from a release: the server's pages written as files."""
