"""Notifications to the recipient: a message per stage that concerns them, in their language, through
the personal cabinet and the SMS and e-mail channels they have (issue 14). Below the case layer: it
knows no case, only the plain data `cases` passes (docs/decisions/0023-notifications.md)."""
