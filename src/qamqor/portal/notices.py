"""The recipient's notifications (issue 14): the messages that reached their personal cabinet (opening
the page is the cabinet's proof that they saw them, `notifications.services.mark_read`), their contact
preferences (phone, e-mail, each channel on or off), and, in demo mode only, the sandbox SMS and
e-mail outbox."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from qamqor.notifications import services
from qamqor.notifications.models import SandboxOutbox


def _iin(request) -> str:
    iin = getattr(request.user, "iin", "") or ""
    if not iin:
        raise Http404  # staff have no cabinet of messages
    return iin


@require_safe
@login_required(login_url="sign-in")
def notifications(request):
    iin = _iin(request)
    rows = list(services.cabinet(iin))
    unread = {m.pk for m in rows if m.read_at is None}
    services.mark_read(iin, unread, timezone.now())
    return render(request, "portal/notifications.html", {"rows": rows, "unread": unread})


class ContactForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=32, required=False, help_text=_("For example +7 701 234 56 78")
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    sms = forms.BooleanField(label=_("Send me SMS"), required=False)
    by_email = forms.BooleanField(label=_("Send me e-mail"), required=False)

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        digits = re.sub(r"[\s()\-]", "", raw)
        if digits.startswith("8") and len(digits) == 11:
            digits = "+7" + digits[1:]
        if not re.fullmatch(r"\+7\d{10}", digits):
            raise forms.ValidationError(_("Enter a Kazakhstan phone number: +7 and ten digits."))
        return digits


@require_http_methods(["GET", "HEAD", "POST"])
@login_required(login_url="sign-in")
def contacts(request):
    iin = _iin(request)
    current = services.contact_of(iin)
    initial = {
        "phone": current.phone,
        "email": current.email,
        "sms": current.sms,
        "by_email": current.by_email,
    }
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "portal/contacts.html", {"form": form}, status=400)
        services.save_contact(iin, **form.cleaned_data)
        messages.success(request, _("Your contact preferences have been saved."))
        return redirect("portal:contacts")
    return render(request, "portal/contacts.html", {"form": form})


@require_safe
def outbox(request):
    """What the sandbox SMS and e-mail gateways accepted (demo mode only: no real gateway here)."""
    if not settings.QAMQOR_DEMO:
        raise Http404
    sent = SandboxOutbox.objects.order_by("-received_at", "-pk")[:50]
    return render(request, "portal/notify_outbox.html", {"sent": sent})
