"""Which host groups an IdP group maps to under an app's options, and why none when it maps to none."""

from dataclasses import dataclass

from rules import patterns


@dataclass(frozen=True)
class NoTarget:
    """Why an IdP group gives no host group: a code for code, the data it needs, and the admin's words."""

    code: str  # import-off | not-included | excluded | unmapped-ignored
    pattern: str = ""

    @property
    def detail(self):
        """What happened, in an admin's words."""
        return _DETAILS[self.code].format(pattern=self.pattern)

    @property
    def text(self):
        """The reason as the audit trail records it."""
        return f"group filtered out: {self.detail}" if self.filtered else self.detail

    @property
    def filtered(self):
        """Whether the include or exclude filter left the group out."""
        return self.code in ("not-included", "excluded")


_DETAILS = {
    "import-off": "group import is off",
    "not-included": "it does not match group_include '{pattern}'",
    "excluded": "it matches group_exclude '{pattern}'",
    "unmapped-ignored": "group is not in the group mapping and unmapped groups are ignored",
}


def targets_of(options, idp_group):
    """(host group names, None) an IdP group maps to, or ([], NoTarget saying why it maps to none)."""
    if not options.import_groups:
        return [], NoTarget("import-off")
    if options.group_include:
        matched = patterns.search(patterns.compile_pattern(options.group_include), idp_group)
        if not matched:
            return [], NoTarget("not-included", options.group_include)
    if options.group_exclude:
        matched = patterns.search(patterns.compile_pattern(options.group_exclude), idp_group)
        if matched is not False:
            return [], NoTarget("excluded", options.group_exclude)
    mapped = mapped_to(options.group_mapping, idp_group)
    if mapped is not None:
        return mapped, None
    if options.unmapped_groups == "ignore":
        return [], NoTarget("unmapped-ignored")
    return [idp_group], None


def mapped_to(mapping, idp_group):
    """The mapping's host groups for an IdP group (names compared case-insensitively), or None."""
    for key, host_groups in mapping.items():
        if key.lower() == idp_group.lower():
            return list(host_groups)
    return None
