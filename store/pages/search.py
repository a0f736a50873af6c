"""A search box's text matched as a substring, LIKE's wildcards taken literally."""

from peewee import SQL, NodeList, Value


def like_pattern(text):
    """A substring LIKE pattern with LIKE's wildcards taken literally ('a_b' finds 'a_b' only)."""
    return "%" + "".join(f"\\{char}" if char in "\\%_" else char for char in text) + "%"


def like(expr, pattern):
    # SQLite's LIKE has no escape character unless told; PostgreSQL's default is the same backslash.
    return NodeList((expr, SQL("LIKE"), Value(pattern), SQL("ESCAPE '\\'")), parens=True)


def named(lower_column, text, directory_column, directory_id):
    """A list's condition: the lower-cased name holds the search text (if any), in the directory (if given)."""
    condition = SQL("1 = 1")
    if text:
        condition &= like(lower_column, like_pattern(text.lower()))
    if directory_id is not None:
        condition &= directory_column == directory_id
    return condition
