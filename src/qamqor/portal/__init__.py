"""The recipients' pages: the catalogue, "can I apply?", my applications, the status page (issue 13)."""
