"""IdP-supplied names on the admin pages: the characters in them no one can see, for the "hidden characters" badge
(templates/admin/users_macros.html `name` and `cut`), and names isolated inside plain text.

A userName can carry a right-to-left override (U+202E) that shows "alice\\u202egnp.exe" as "aliceexe.png", or a
zero-width space that makes two names look the same. The pages isolate every such name (<bdi>, dir="auto"), so it
cannot reorder the text around it, and mark those holding one of these characters.
"""

import unicodedata

from . import bp

# Zero-width (U+200B-U+200D, U+2060, U+FEFF), bidi marks, embeddings, overrides and isolates
# (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).
INVISIBLE = frozenset(map(chr, (*range(0x200B, 0x2010), 0x2060, 0xFEFF, *range(0x202A, 0x202F),
                                *range(0x2066, 0x206A))))
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def _hidden(char):
    return char in INVISIBLE or unicodedata.category(char) == "Cc"


@bp.app_template_filter("hidden_characters")
def hidden_characters(text):
    """text with its invisible and control characters written out (\\u202e, \\x1b) when it holds any, else ""."""
    text = "" if text is None else str(text)
    if not any(map(_hidden, text)):
        return ""
    return "".join((f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") if _hidden(c) else c for c in text)


@bp.app_template_filter("isolated")
def isolated(text):
    """text between U+2068 and U+2069, for plain text (a page's <title>), where no <bdi> can hold it."""
    return f"{FIRST_STRONG_ISOLATE}{'' if text is None else text}{POP_DIRECTIONAL_ISOLATE}"
