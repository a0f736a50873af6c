"""Every operation the audit trail records, in one list, with the part of the trail each belongs to.

tests/unit/store/trail/test_operations.py reads every audit call in the code and fails when one records
an operation missing here, so the Activity filter and the chart's series cannot drift from the code.
"""

# A write about one user or group: a SCIM request, a Bulk operation or a pull sync's. One event per write,
# applied, refused or failed; its ignored notes come in addition.
WRITES = ("create-user", "update-user", "deactivate-user", "relink-user", "delete-user", "link-user",
          "create-group", "update-group", "delete-group", "link-group", "bulk")
# What a write brought about on the host, one event per host group or membership.
EFFECTS = ("host-group", "host-membership")
# The IdP reaching usersync: its first request after a new token.
CONNECTIONS = ("connect",)
# A pull synchronization as a whole: started, finished, failed, users or groups the source no longer has.
RUNS = ("pull-sync",)
# What an admin changed: an app's options, the app itself, its pull source and schedule.
ADMIN = ("settings", "app", "sync-source", "sync-schedule")

# Options applied to the users already there (usersync apps reapply): one event per change, and the run's summary.
RECONCILES = ("reconcile",)

OPERATIONS = WRITES + EFFECTS + CONNECTIONS + RUNS + ADMIN + RECONCILES
# Operations whose applied events changed a user, a group or a membership on the host.
CHANGES = WRITES + EFFECTS + RECONCILES
