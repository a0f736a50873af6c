"""No NUL character in what an admin or wizard request carries: PostgreSQL cannot store or even compare text
holding one (the query fails, a 500), and no name, id or setting here has one."""

from flask import abort, request


def refuse_nul():
    """Abort with 400 when the path, the query or the form holds a NUL character."""
    texts = [str(value) for value in (request.view_args or {}).values()]
    for data in (request.args, request.form):
        texts += [text for pair in data.items(multi=True) for text in pair]
    if any("\x00" in text for text in texts):
        abort(400, description="The request holds a NUL character, which no name or value here can have.")
