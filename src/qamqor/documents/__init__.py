"""Documents: every form and result as a signed PDF in Kazakh and Russian, verifiable by anyone; uploads.

A layer below `cases`: it knows nothing of applications. The case layer calls `services.issue()` with
a context dict and an opaque owner reference ("application:123"), and `uploads.accept_upload()` for
scans. See docs/architecture.md ("documents") and docs/decisions/0012-document-rendering.md.
"""
