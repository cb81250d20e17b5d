"""Messages of the frameworks that their own catalogues lack in one of our languages.

DRF's Russian catalogue has no "Not a valid string." (CharField) or "Must be a valid boolean."
(BooleanField); Django then falls back to `LANGUAGE_CODE` and a Russian request read them in Kazakh.
Listed here (outside locale/, which `makemessages` skips), they stay in our catalogue, where Django
finds them for every form of every framework, ours and DRF's alike. Nothing imports this module.
"""

from django.utils.translation import gettext_noop

DRF = (
    gettext_noop("Not a valid string."),
    gettext_noop("Must be a valid boolean."),
)
