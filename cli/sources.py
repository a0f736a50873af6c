"""`usersync sync-source`'s flags: the one that chooses the source (and is its first setting), the others each kind
takes, and the settings and secret they make. A flag that does not belong to the chosen source is a usage error."""

import click

from sync.sources import ScimSource, source_class

# The flag choosing the kind → the setting its value is.
SOURCE_FLAGS = {"oracle": "domain_url", "scim": "base_url", "entra": "tenant_id", "okta": "org_url",
                "keycloak": "base_url", "google": "customer"}
# The other flags each kind takes (as setting names), True when it needs them.
TAKES = {
    "oracle": {"client_id": True},
    "scim": {"client_id": False, "token_url": False, "scope": False},
    "entra": {"client_id": True, "username_attribute": False, "from_groups": False, "login_url": False,
              "graph_url": False},
    "okta": {"app_id": False},
    "keycloak": {"realm": True, "client_id": True},
    "google": {"admin_email": True, "service_account_json": False, "api_url": False, "token_url": False},
}
KEY_FILE_LIMIT = 64 * 1024  # bytes: a service-account key file is about 2.3 KB
PROMPTS = {"client_secret": "Client secret", "bearer_token": "Bearer token", "api_token": "API token"}


def flag(name):
    return "--" + name.replace("_", "-")


def chosen(options):
    """(kind, settings) from the command's options (None: not given); click.UsageError for a wrong combination."""
    kinds = [kind for kind in SOURCE_FLAGS if options.get(kind)]
    if len(kinds) != 1:
        raise click.UsageError("Give exactly one source: " + ", ".join(map(flag, SOURCE_FLAGS)) + ".")
    kind = kinds[0]
    takes = TAKES[kind]
    stray = [name for name, value in options.items()
             if value is not None and name not in SOURCE_FLAGS and name not in takes]
    if stray:
        listed = " ".join(map(flag, stray))
        raise click.UsageError(f"{listed} {'does' if len(stray) == 1 else 'do'} not apply to {flag(kind)}.")
    missing = [name for name, needed in takes.items() if needed and not options.get(name)]
    if missing:
        raise click.UsageError(f"{flag(kind)} needs " + " and ".join(map(flag, missing)) + ".")
    settings = {SOURCE_FLAGS[kind]: options[kind]}
    settings.update({name: options[name] for name in takes
                     if options.get(name) is not None and name != "service_account_json"})
    if kind == "scim":
        settings["auth"] = "oauth" if options.get("token_url") or options.get("client_id") else "bearer"
    return kind, settings


def secret_name(kind, settings):
    """The setting that holds the chosen source's secret."""
    if kind == ScimSource.kind:  # its secret depends on the authentication chosen
        return "bearer_token" if settings.get("auth") == "bearer" else "client_secret"
    return source_class(kind).secret_name


def read_key_file(path):
    """A service-account key file's text, read once; click.ClickException in one line when it cannot be."""
    try:
        with open(path, "rb") as file:
            content = file.read(KEY_FILE_LIMIT + 1)
    except OSError as error:
        raise click.ClickException(f"Cannot read the service-account key file {path}: "
                                   f"{error.strerror or error}.") from None
    if len(content) > KEY_FILE_LIMIT:
        raise click.ClickException(f"{path} is larger than {KEY_FILE_LIMIT // 1024} KB: give the service "
                                   "account's JSON key file.")
    try:
        return content.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not a text file: give the service account's JSON key file.") from None
