"""The officers' and operators' pages: the work queue, the case page and its actions (issue 13)."""
