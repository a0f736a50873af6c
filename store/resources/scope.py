"""What an app's SCIM view sees of a table: the rows of its directory."""


def scope(model, directory_id):
    """What an app's SCIM view sees of model: its directory's rows, users only while linked."""
    condition = model.directory == directory_id
    if hasattr(model, "scim_linked"):
        condition &= model.scim_linked == True  # noqa: E712 (a SQL expression)
    return condition
