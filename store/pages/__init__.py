"""What the admin pages (and `usersync users|groups`) read of the host: one module per page family."""

# Every list is one count and one page query, plus one query per page for what each row needs
# (emails, member counts): a page of 50 rows costs the same handful of statements as a page of 5.
