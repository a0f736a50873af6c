"""Pure rules both policy and store need: the options schema, username patterns, group targets; no I/O."""
