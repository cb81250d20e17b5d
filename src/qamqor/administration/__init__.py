"""The administration (`/admin/`): Django's admin for the administrator role only, every change audited."""
