"""The monitoring feed (003_4cf6e905af0d21d2.txt §12-1, 002_eefeb2ec619131ea.txt §13-1).

Every stage change of an application is written to an outbox in the same transaction as the stage
change (`services.record_stage_change`), delivered after commit by a background task through the
adapter selected in settings, retried with back-off, reconciled daily; a persistent failure opens
a technical-problem protocol record.
"""
