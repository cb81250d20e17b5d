"""State information systems: interfaces, adapters, the sandbox, the consent ledger.

Pure sub-modules (no Django): `types`, `interfaces`, `adapters`, `sandbox`. The Django app
(`models`, `services`, `tasks`, `prefill`) keeps the consent ledger and retries failed queries.
"""
