"""Complaints about a provider's decision, action or inaction (`003` §13, `002` annex 11 §14, `000`
§§11–12), and the contact centre's status lookup. Sits above the case layer: it calls the case's
steps (`cases.actions.complaint`) and reads through the case layer; routes and clocks come from the
catalogue (`catalog/complaints.yaml`)."""
