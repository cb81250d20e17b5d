"""The append-only log of reads of personal data (who read whose data, in which case, why, when)."""
