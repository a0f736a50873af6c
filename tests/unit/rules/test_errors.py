"""rules.errors: the admin side's refusals, and the one place their nested messages become text."""

from rules.errors import Conflict, NotFound, Refused, describe, phrase
from rules.options import OptionsError


def test_each_kind_carries_its_status():
    assert (Refused("no").status, NotFound("gone").status, Conflict("taken").status) == (400, 404, 409)
    assert isinstance(NotFound("gone"), Refused) and str(NotFound("gone")) == "gone"


def test_a_refusal_without_a_message_is_described_from_its_messages():
    error = Refused(messages={"on_delete": ["Must be one of: deactivate, delete."]})
    assert str(error) == "on_delete: Must be one of: deactivate, delete."
    assert error.messages == {"on_delete": ["Must be one of: deactivate, delete."]}


def test_marshmallow_nesting_reads_as_one_phrase_per_field():
    messages = {"group_mapping": {"Eng": {"value": {0: ["Shorter than minimum length 1."]}}},
                "import_users": ["Not a valid boolean."]}
    assert describe(messages) == ("group_mapping: 'Eng': item 1: Shorter than minimum length 1.; "
                                  "import_users: Not a valid boolean.")
    assert phrase({1: ["Too long."], "key": ["Bad."]}) == "item 2: Too long. Bad."


def test_invalid_options_are_a_refusal_of_the_family():
    error = OptionsError({"on_delete": ["Must be one of: deactivate, delete."]})
    assert isinstance(error, Refused) and str(error) == "on_delete: Must be one of: deactivate, delete."
