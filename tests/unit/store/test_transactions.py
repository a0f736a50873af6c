"""store.transactions: a unit's writes join it; elsewhere a write's transaction is a savepoint its caller survives."""

import pytest

from models import Directory, db
from store import transactions

pytestmark = pytest.mark.usefixtures("store_db")


def names():
    return {directory.name for directory in Directory.select()} - {"Confluence Internal Directory"}


def test_writes_inside_a_unit_join_it_without_a_savepoint():
    statements = []
    with transactions.unit():
        execute = db.obj.execute_sql
        db.obj.execute_sql = lambda sql, *args, **kwargs: statements.append(sql) or execute(sql, *args, **kwargs)
        try:
            with transactions.atomic():
                Directory.create(name="joined", position=5)
        finally:
            del db.obj.execute_sql
    assert names() == {"joined"}
    assert not any("SAVEPOINT" in statement.upper() for statement in statements)


def test_an_error_inside_a_unit_undoes_all_of_it():
    with pytest.raises(RuntimeError):
        with transactions.unit():
            with transactions.atomic():
                Directory.create(name="first", position=5)
            with transactions.atomic():
                Directory.create(name="second", position=6)
            Directory.create(name="read after", position=7)  # an answer's read would run here
            raise RuntimeError("refused")
    assert names() == set()


def test_a_unit_begins_with_its_first_write_so_what_comes_before_runs_outside_any_transaction():
    with transactions.unit():
        assert not db.in_transaction()  # a request's parsing and checks: on SQLite, outside the write gate
        with transactions.atomic():
            Directory.create(name="written", position=5)
        assert db.in_transaction()  # the answer's read sees this write, in its transaction
    assert not db.in_transaction()
    assert names() == {"written"}


def test_a_unit_without_a_write_opens_no_transaction():
    with transactions.unit():
        Directory.select().count()
        assert not db.in_transaction()
    assert not db.in_transaction()


def test_in_a_callers_own_transaction_a_write_is_a_savepoint_the_caller_survives():
    with db.atomic():
        Directory.create(name="kept", position=5)
        try:
            with transactions.atomic():
                Directory.create(name="undone", position=6)
                raise RuntimeError("refused")
        except RuntimeError:
            pass
    assert names() == {"kept"}


def test_after_a_unit_inside_a_callers_transaction_writes_are_savepoints_again():
    with db.atomic():
        with transactions.unit():
            with transactions.atomic():
                Directory.create(name="unit", position=5)
        try:
            with transactions.atomic():
                Directory.create(name="undone", position=6)
                raise RuntimeError("refused")
        except RuntimeError:
            pass
    assert names() == {"unit"}
