"""Host (emulated Atlassian) user directories."""

import peewee

from .base import BaseModel, utcnow


class Directory(BaseModel):
    name = peewee.CharField(max_length=255, unique=True)
    position = peewee.IntegerField(default=0)
    description = peewee.TextField(default="")
    created = peewee.DateTimeField(default=utcnow)

    @classmethod
    def default(cls):
        """The internal directory every app starts on."""
        return cls.select().order_by(cls.position, cls.id).first()
