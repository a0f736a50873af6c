"""scim.listing.simple_eq: the filters it reads without the grammar are read by the grammar alike."""

from hypothesis import given, settings
from hypothesis import strategies as st
from scim2_models.path import ScimFilter

from scim import listing

NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,12}", fullmatch=True) | st.sampled_from(
    ["userName", "USERNAME", "externalId", "displayName", "id", "emails", "title"])
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=400, deadline=None)
@given(name=NAMES, text=TEXT, operator=st.sampled_from(["eq", "EQ", "Eq"]))
def test_what_simple_eq_reads_the_grammar_reads_the_same(name, text, operator):
    expression = f'{name} {operator} "{text}"'
    simple = listing.simple_eq(expression)
    if simple is None:
        assert '"' in text or "\\" in text or any(ord(char) < 0x20 for char in text)
        return
    ast = ScimFilter(expression).ast
    assert (str(ast.attr_path), ast.op.value, ast.value) == (name, "eq", text) == (simple[0], "eq", simple[1])


def test_anything_else_is_left_to_the_grammar():
    for expression in ['userName eq "a\\"b"', 'userName  eq "x"', ' userName eq "x"', 'userName eq "x" ',
                       'name.givenName eq "x"', 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"',
                       'userName ne "x"', 'userName eq x', 'userName eq "x" or id eq "y"', 'emails[value eq "x"]']:
        assert listing.simple_eq(expression) is None, expression


def test_a_simple_eq_counts_one_term():
    assert listing._terms('userName eq "bjensen"') == 1
