"""The REST API `/api/v1/` (Django REST framework; schema by drf-spectacular)."""
