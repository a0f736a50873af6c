"""A search box's text matched as a substring, LIKE's wildcards taken literally."""

from peewee import SQL, NodeList, Value


def like_pattern(text):
    """A substring LIKE pattern with LIKE's wildcards taken literally ('a_b' finds 'a_b' only)."""
    return "%" + "".join(f"\\{char}" if char in "\\%_" else char for char in text) + "%"


def like(expr, pattern):
    # SQLite's LIKE has no escape character unless told; PostgreSQL's default is the same backslash.
    return NodeList((expr, SQL("LIKE"), Value(pattern), SQL("ESCAPE '\\'")), parens=True)
