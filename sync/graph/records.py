"""Graph's user records as SCIM users (sync.resources), under the username attribute the admin chose."""

from ..resources import user

# Graph "user resource type": accountEnabled and onPremisesSamAccountName are returned only when selected.
USER_FIELDS = ("id", "userPrincipalName", "mail", "givenName", "surname", "displayName", "accountEnabled",
               "onPremisesSamAccountName")
USER_TYPE = "#microsoft.graph.user"


def to_user(raw, username_attribute):
    """The SCIM user of a Graph user; without the chosen attribute it has no userName, and the engine records
    it as skipped (invalid) rather than guessing another name."""
    return user(raw["id"], raw.get(username_attribute) or None, given=raw.get("givenName"),
                family=raw.get("surname"), display=raw.get("displayName"), email=raw.get("mail"),
                active=raw.get("accountEnabled") is not False)
