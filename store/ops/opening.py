"""Opening the store at start-up: bind it, bring its schema up to date, keep the trail to its retention."""

from models import db, init_db, migrate
from store.tenancy import admin
from store.trail import audit


def open_store(url, host_product, retention_days, admin_password=None):
    """Bind the store to url and make it ready; returns the admin password generated on a first start, or None."""
    init_db(url)
    with db.connection_context():
        migrate(host_product)
        audit.purge_expired(retention_days)
        return admin.ensure_account(admin_password)
