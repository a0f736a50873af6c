"""Who is who: IdP apps, host directories, the admin account, passwords and secrets."""
