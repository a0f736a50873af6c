"""Which source user or group became which local one, per app, and which run last listed it."""

from peewee import EXCLUDED, JOIN

from models import Group, SyncLink, User, db
from store import sql
from store.resources import common
from store.sql import Prepared

_CHUNK = 500
_SIZES = (1, 5, 20, 100, 200, _CHUNK)  # ids per look-up by source ids: a few statement shapes, each generated once
_MODELS = {"User": User, "Group": Group}

# Every listed user is looked up, and most are saved: generated once (peewee's SQL building cost more than
# SQLite running these).
_LINK = Prepared(lambda app_id, kind, source_id: SyncLink.select().where(
    (SyncLink.app == app_id) & (SyncLink.kind == kind) & (SyncLink.source_id == source_id)).limit(1))
_SAVE = Prepared(lambda app_id, kind, source_id, local_id, run_id, digest: SyncLink.insert(
    {SyncLink.app: app_id, SyncLink.kind: kind, SyncLink.source_id: source_id, SyncLink.local_id: local_id,
     SyncLink.seen_run: run_id, SyncLink.digest: digest}).on_conflict(
    conflict_target=[SyncLink.app, SyncLink.kind, SyncLink.source_id],
    update={SyncLink.local_id: EXCLUDED.local_id, SyncLink.seen_run: EXCLUDED.seen_run,
            SyncLink.digest: EXCLUDED.digest}))
# A page of source ids, each with its link and, when the directory shows it, the local id (LEFT JOIN: None).
_LISTED = {kind: Prepared(lambda app_id, directory_id, ids, kind=kind, model=model: SyncLink.select(
    *SyncLink._meta.sorted_fields, model.id).join(
    model, JOIN.LEFT_OUTER, on=(model.id == SyncLink.local_id) & common.scope(model, directory_id)).where(
    (SyncLink.app == app_id) & (SyncLink.kind == kind) & SyncLink.source_id.in_(ids)))
    for kind, model in _MODELS.items()}
# A group's members: the source ids linked to a local user or group that the directory shows (JOIN).
_MEMBERS = {kind: Prepared(lambda app_id, directory_id, ids, kind=kind, model=model: SyncLink.select(
    SyncLink.source_id, SyncLink.local_id).join(
    model, on=(model.id == SyncLink.local_id) & common.scope(model, directory_id)).where(
    (SyncLink.app == app_id) & (SyncLink.kind == kind) & SyncLink.source_id.in_(ids)))
    for kind, model in _MODELS.items()}
_SHOWN = {kind: Prepared(lambda local_id, directory_id, model=model: model.select(model.id).where(
    (model.id == local_id) & common.scope(model, directory_id))) for kind, model in _MODELS.items()}


def get(app_id, kind, source_id):
    """The link of a source id, or None."""
    return _LINK.first(app_id, kind, source_id)


def listed(app_id, kind, directory_id, source_ids):
    """{source id: (link or None, its local id while the app's directory shows it, else None)} for each of
    source_ids: a page of a listing in one query, not two queries per resource. The links are read-only
    records (store.sql.records_of)."""
    ids = list(dict.fromkeys(source_ids))
    found = dict.fromkeys(ids, (None, None))
    for chunk in _chunks(ids):
        rows = _LISTED[kind].tuples(app_id, directory_id, chunk)
        found.update((link.source_id, (link, row[-1])) for link, row in
                     zip(sql.records_of(SyncLink, [row[:-1] for row in rows]), rows))
    return found


def save(app_id, kind, source_id, local_id, run_id, digest):
    """Create or update the link of a source id, as listed by run_id: one upsert on the link's unique key."""
    _SAVE.run(app_id, kind, source_id, local_id, run_id, digest)


def mark_seen(link_ids, run_id):
    """Record that run_id listed these links (unchanged ones, a page at a time)."""
    ids = list(link_ids)
    with db.atomic():
        for start in range(0, len(ids), _CHUNK):
            SyncLink.update(seen_run=run_id).where(SyncLink.id.in_(ids[start:start + _CHUNK])).execute()


def carry_over(app_id, from_run, to_run):
    """A resumed run takes over what the run it resumes had listed."""
    with db.atomic():
        SyncLink.update(seen_run=to_run).where((SyncLink.app == app_id) & (SyncLink.seen_run == from_run)).execute()


def unseen(app_id, kind, run_id):
    """The links of kind that run_id did not list, oldest first."""
    return list(SyncLink.select().where((SyncLink.app == app_id) & (SyncLink.kind == kind)
                                        & ((SyncLink.seen_run != run_id) | SyncLink.seen_run.is_null()))
                .order_by(SyncLink.id))


def remove(link):
    SyncLink.delete().where(SyncLink.id == link.id).execute()


def linked(app_id, kind, local_id):
    """Whether one of the app's links already points at this local user or group."""
    return SyncLink.select().where((SyncLink.app == app_id) & (SyncLink.kind == kind)
                                   & (SyncLink.local_id == local_id)).exists()


def shown(link, directory_id):
    """Whether the link points at a local user or group that the app's directory shows to SCIM."""
    return bool(link.local_id) and bool(_SHOWN[link.kind].tuples(link.local_id, directory_id))


def local_members(app_id, directory_id, members):
    """{source id: local id} of the members (users, then groups) that this app linked and the directory shows."""
    by_kind = {"User": [], "Group": []}
    for member in members:
        kinds = ("User", "Group") if member.get("type") not in ("User", "Group") else (member["type"],)
        for kind in kinds:
            by_kind[kind].append(member["value"])
    result = {}
    for kind in ("Group", "User"):
        for chunk in _chunks(list(dict.fromkeys(by_kind[kind]))):
            result.update(_MEMBERS[kind].tuples(app_id, directory_id, chunk))
    return result


def _chunks(ids):
    """ids in lists of one of _SIZES, a short last one filled up with its own last id (IN ignores a repeat)."""
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        size = next(size for size in _SIZES if size >= len(chunk))
        yield chunk + chunk[-1:] * (size - len(chunk))
