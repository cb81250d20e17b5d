"""DRF's content negotiation with a shortcut for the usual API call (settings.REST_FRAMEWORK).

Parsing the `Accept` header and matching it against every renderer was ~5 % of the server's CPU on
the hot paths, while nearly every API client sends no `Accept`, `*/*`, or the JSON media type. For
exactly those (and no `?format=` / format suffix) the answer is the one DRF gives: the first
renderer, with its media type; anything else goes to `DefaultContentNegotiation`.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if renderers and not format_suffix and not request.META.get("QUERY_STRING"):
            first = renderers[0]
            accept = request.META.get("HTTP_ACCEPT", "*/*")
            if accept == "*/*" or accept == first.media_type:
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
