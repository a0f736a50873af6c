"""What a write hands back: the stored resource's id and, where the write has it at hand, its version."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Written:
    """A resource as a write left it; the caller reads its body through the store, in the same transaction."""

    id: str
    version: str | None = None  # the ETag, when the write knows it without reading the row again
