"""Django's own strings on the administration's pages that Django 5.2 ships without a Kazakh translation
(its `kk` catalogues of `django.contrib.admin` and `django.contrib.auth` are partial).

They are marked here, never called, so that `python -m qamqor.locale.catalogs extract`
(makemessages) keeps them in our catalogues; our `locale/` is in `LOCALE_PATHS`, which Django
consults before the installed apps' and its own catalogues, so our Kazakh text is the one shown. The
Russian text is Django's own, copied so that nothing changes in Russian. Found by rendering the
pages our administrators use (index, change lists with a search and filters, add and change forms,
delete confirmation, history, password change, log-out) in Kazakh; tests/administration/
test_admin_kazakh.py renders them again (decision 0028)."""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_ADMIN_STRINGS = (
    gettext_noop("%(app)s administration"),
    gettext_noop("Add another %(model)s"),
    gettext_noop("Add link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Change or view list link"),
    gettext_noop("Change selected %(model)s"),
    gettext_noop("Delete selected %(model)s"),
    gettext_noop("View selected %(model)s"),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Email address:"),
    gettext_noop("Model name"),
    gettext_noop("Models in the %(name)s application"),
    gettext_noop("My actions"),
    gettext_noop("No, take me back"),
    gettext_noop("Objects"),
    gettext_noop(
        "Please enter your old password, for security’s sake, and then enter your new password twice so we can verify you typed it in correctly."
    ),
    gettext_noop("Recent actions"),
    gettext_noop("Remove from sorting"),
    gettext_noop("Select all objects on this page for an action"),
    gettext_noop("Show counts"),
    gettext_noop("Thanks for spending some quality time with the web site today."),
    gettext_noop("This object doesn’t have a change history. It probably wasn’t added via this admin site."),
    gettext_noop("Toggle sorting"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("View"),
    gettext_noop("View %s"),
    gettext_noop("View site"),
    gettext_noop("Yes, I’m sure"),
    gettext_noop("Clear all filters"),
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("Added."),
    gettext_noop("Changed {fields}."),
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Deleted {name} “{object}”."),
    gettext_noop("Disabled"),
    gettext_noop("Enabled"),
    gettext_noop("Email"),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("No password set."),
    gettext_noop("Password-based authentication"),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
    gettext_noop("Set password"),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may still be able to authenticate using other backends, such as Single Sign-On or LDAP."
    ),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
)

# ngettext_lazy only marks the plural pair here; nothing reads it
PASSWORD_LENGTH_HELP = ngettext_lazy(
    "Your password must contain at least %(min_length)d character.",
    "Your password must contain at least %(min_length)d characters.",
    "min_length",
)
