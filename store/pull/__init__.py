"""Pull state: sources to read, runs and their progress, links from source ids to ours."""
