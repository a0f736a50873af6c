"""Running the store: backup and restore, and the one leader among processes."""
