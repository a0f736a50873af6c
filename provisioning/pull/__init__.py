"""Pulling from an IdP's API: the engine, its state, vanished users and the scheduler."""
