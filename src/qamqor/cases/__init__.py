"""The life of an application (a "case"): people, documents, decisions, events, access."""
