"""Running the store: opening it, backup and restore, and the one leader among processes."""
