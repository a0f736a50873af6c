"""The name a stored user or group goes by: its userName or displayName."""

from models import Group, User

_COLUMNS = {"User": User.user_name, "Group": Group.display_name}


def name_of(resource_type, directory_id, resource_id):
    """The userName of a user or displayName of a group in a directory, or None when there is none."""
    column = _COLUMNS[resource_type]
    model = column.model
    row = model.select(column).where((model.id == resource_id) & (model.directory == directory_id)).tuples().first()
    return row[0] if row else None
