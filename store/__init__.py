"""The store: SCIM resources, tenancy, the trail, pull state and operations, one room per job; Flask-free."""
