"""What an IdP app's provisioning options decide on the host side; Flask-free."""
