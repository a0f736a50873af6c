"""rules.patterns: admin regular expressions with Java's replacement syntax, bounded in input and time."""

import pytest

from rules import patterns


def test_replace_all_reads_dollar_groups_as_java_does():
    compiled = patterns.compile_pattern("(.*)@(.*)")
    assert patterns.replace_all(compiled, "$1", "alice@example.com") == "alice"
    assert patterns.replace_all(compiled, "$2-\\$1", "alice@example.com") == "example.com-$1"


def test_a_replacement_naming_a_missing_group_is_refused():
    with pytest.raises(patterns.PatternError, match=r"uses \$3 but the pattern has 2 group"):
        patterns.check_replacement(patterns.compile_pattern("(a)(b)"), "$3")


@pytest.mark.parametrize("pattern", ["", "(", "x" * 501])
def test_an_unusable_pattern_is_refused(pattern):
    with pytest.raises(patterns.PatternError):
        patterns.compile_pattern(pattern)


def test_over_long_input_is_not_matched_at_all():
    compiled = patterns.compile_pattern("a")
    assert patterns.search(compiled, "a" * (patterns.MAX_INPUT + 1)) is None
    assert patterns.replace_all(compiled, "b", "a" * (patterns.MAX_INPUT + 1)) is None
