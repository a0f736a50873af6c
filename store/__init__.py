"""Persistence of SCIM resources in the peewee store; Flask-free."""
