"""Play an IdP's provisioning sequence against any SCIM base URL (Flask-free; `usersync simulate`).

One module per IdP (``oracle``, ``okta``, ``entra``) exposes ``LABEL``, ``HEADERS`` and
``play(run)``; ``run.Run`` holds the demo data, phases and tally; ``client`` speaks HTTP.
"""

from . import entra, okta, oracle
from .client import Client, SimulateError, StepError
from .run import Run

SEQUENCES = {"oracle": oracle, "okta": okta, "entra": entra}

__all__ = ["SEQUENCES", "Client", "Run", "SimulateError", "StepError", "simulate"]


def simulate(provider, base_url, token, transport=None, timeout=30.0, insecure=False, **options):
    """Play PROVIDER's sequence; the summary (``ok`` false and ``failures`` set if a step failed).

    options: users, groups, prefix, delay, update, progress, sleep (see ``Run``).
    """
    sequence = SEQUENCES[provider]
    client = Client(base_url, token, sequence.HEADERS, timeout=timeout, insecure=insecure, transport=transport)
    return {"provider": provider, **Run(client, **options).play(sequence)}
