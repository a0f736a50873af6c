"""Text an IdP or an admin supplied, made safe and short for a terminal table (--json and --csv stay exact)."""

import unicodedata

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Control (C0, DEL, C1), format (bidi overrides and isolates, zero-width), separator, private-use, unassigned
# and surrogate characters: a terminal would act on them or a reader could not see them.
_HIDDEN = ("Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs")


def shown(text):
    """text with control and format characters written out (\\x1b, \\n, \\u202e), so a name cannot move the
    cursor, set the window title, colour the terminal or reverse a line; None and "" as "-"."""
    if text is None or text == "":
        return "-"
    text = str(text)
    if text.isprintable():
        return text
    return "".join(_escaped(char) for char in text)


def _escaped(char):
    if char in _SHORT:
        return _SHORT[char]
    if char.isprintable() or unicodedata.category(char) not in _HIDDEN:
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def cut(text, width):
    """shown(text) in at most width characters, an ellipsis ending what was cut."""
    text = shown(text)
    return text if len(text) <= width else text[:width - 1] + "…"
