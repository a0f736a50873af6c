"""Text an IdP or an admin supplied, made safe and short for a terminal table (--json stays exact)."""

import unicodedata


def shown(text):
    """text with control and format characters written out (\\x1b, \\u202e), so a name cannot move the cursor,
    colour the terminal or reverse a line; None and "" as "-"."""
    if text is None or text == "":
        return "-"
    text = str(text)
    if all(char.isprintable() for char in text):
        return text
    return "".join(_escaped(char) if not char.isprintable() and char != " " else char for char in text)


def _escaped(char):
    if unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"):
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def cut(text, width):
    """shown(text) in at most width characters, an ellipsis ending what was cut."""
    text = shown(text)
    return text if len(text) <= width else text[:width - 1] + "…"
