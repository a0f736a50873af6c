"""What happened: the audit trail, the traffic log and what both redact."""
