"""DRF's JSON renderer, encoding with orjson (settings.REST_FRAMEWORK).

An application's answer carries its deadlines with their explanations in three languages (about
11 KB); the standard library's encoder spent ~3 % of a submission's CPU on it. orjson writes the
same compact UTF-8 text DRF writes (`,` and `:` without spaces, non-ASCII as is, keys in order),
and whatever it does not know natively (dates, times, decimals, lazy translations, sets...) goes to
DRF's own encoder (`default`), so it is rendered as DRF renders it; U+2028/U+2029 are escaped as
DRF escapes them. Anything orjson refuses (an integer beyond 64 bits, a non-string key it cannot
convert) and any pretty-printed request (`; indent=`) are rendered by DRF itself.
"""

from __future__ import annotations

import orjson
from rest_framework import renderers
from rest_framework.utils import encoders

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if (
            data is not None
            and self.compact
            and not self.ensure_ascii
            and self.encoder_class is encoders.JSONEncoder
            and self.get_indent(accepted_media_type, renderer_context or {}) is None
        ):
            try:
                text = orjson.dumps(data, default=_default, option=_OPTIONS)
            except (orjson.JSONEncodeError, TypeError, ValueError):
                pass  # DRF's own encoder decides (and reports) what orjson could not write
            else:
                return text.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return super().render(data, accepted_media_type, renderer_context)


_default = encoders.JSONEncoder().default
