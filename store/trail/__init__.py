"""What happened: the audit trail, its operations and its counts over time, the traffic log and what both redact."""
