"""What `usersync users` and `usersync groups` share: a directory or an app named on the command line, and a list
printed page by page (a JSON array streamed, never held whole)."""

import json

import click

from store.tenancy import apps as app_store
from store.tenancy import directories as directory_store

PAGE = 500


def directory_id(name):
    """The id of the directory named name, None when name is None; a clean error when there is none."""
    if name is None:
        return None
    try:
        return directory_store.get(name).id
    except directory_store.DirectoryError as error:
        raise click.ClickException(str(error)) from None


def app_id(name):
    """The id of the app named name, None when name is None; a clean error when there is none."""
    if name is None:
        return None
    try:
        return app_store.named(name).id
    except app_store.AppError as error:
        raise click.ClickException(str(error)) from None


def rows(page_of):
    """Every row of a paged list: page_of(number, size) gives store.pages.paging.Page objects."""
    number = 1
    while True:
        page = page_of(number, PAGE)
        yield from page.items
        if not page.has_next:
            return
        number += 1


def echo_table(records, header, line, empty):
    """A table written as records come: the header before the first line, or empty when there is none."""
    shown = False
    for record in records:
        if not shown:
            shown = True
            click.echo(header)
        click.echo(line(record))
    if not shown:
        click.echo(empty)


def echo_json_array(records):
    """A JSON array of records, written as they come."""
    click.echo("[", nl=False)
    for number, record in enumerate(records):
        click.echo(("," if number else "") + json.dumps(record, ensure_ascii=False), nl=False)
    click.echo("]")


def iso(moment):
    """A stored time as ISO 8601 UTC."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None
