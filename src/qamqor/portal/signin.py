"""Sign-in with a one-time code, in demo mode only (see `models.SignInCode`): the recipient gives
their IIN, a six-digit code goes to the demo's outbox, the code signs them in once within
`CODE_MINUTES`, with at most `MAX_ATTEMPTS` wrong tries. The answer to an IIN is the same whether it
belongs to a recipient or not (no probing of who is registered). Terms and limits are our choices:
the legal texts give none for signing in."""

from __future__ import annotations

import datetime as dt
import secrets

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.portal.models import SignInCode
from qamqor.rules.iin import InvalidIin, validate_iin

CODE_MINUTES = 5
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
BACKEND = "qamqor.accounts.security.Backend"


def _demo_only() -> None:
    if not settings.QAMQOR_DEMO:
        raise Http404  # no SMS gateway: production signs in with a password only


def _clean_iin(value: str) -> str:
    value = (value or "").strip()
    try:
        validate_iin(value)
    except InvalidIin:
        raise forms.ValidationError(_("Enter your 12-digit IIN as on your identity document.")) from None
    return value


class IinForm(forms.Form):
    iin = forms.CharField(label=_("IIN"), max_length=12)

    def clean_iin(self):
        return _clean_iin(self.cleaned_data["iin"])


class CodeForm(IinForm):
    code = forms.CharField(label=_("One-time code"), max_length=6, min_length=6)


def request_code(request):
    _demo_only()
    form = IinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        iin = form.cleaned_data["iin"]
        user = get_user_model().objects.filter(iin=iin, role="recipient", is_active=True).first()
        now = timezone.now()
        recent = (
            user is not None
            and SignInCode.objects.filter(
                user=user, created_at__gt=now - dt.timedelta(seconds=RESEND_SECONDS)
            ).exists()
        )
        if user is not None and not recent:
            code = f"{secrets.randbelow(10**6):06d}"
            with transaction.atomic():
                SignInCode.objects.filter(user=user, used_at__isnull=True).update(
                    used_at=now
                )  # one live code
                SignInCode.objects.create(
                    user=user,
                    code_hash=make_password(code),
                    created_at=now,
                    expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
                    demo_message=f"Qamqor: {code} (IIN …{iin[-4:]})",
                )
        response = redirect("portal:code-verify")
        request.session["code_iin"] = iin
        return response
    return render(request, "portal/code_request.html", {"form": form})


def verify_code(request):
    _demo_only()
    form = CodeForm(request.POST or None, initial={"iin": request.session.get("code_iin", "")})
    if request.method == "POST" and form.is_valid():
        user = (
            get_user_model()
            .objects.filter(iin=form.cleaned_data["iin"], role="recipient", is_active=True)
            .first()
        )
        if user is not None and _accept(user, form.cleaned_data["code"]):
            login(request, user, backend=BACKEND)
            return redirect("portal:applications")
        form.add_error("code", _("The code is wrong or no longer valid. Ask for a new code."))
    return render(
        request,
        "portal/code_verify.html",
        {"form": form, "minutes": CODE_MINUTES},
        status=400 if form.errors else 200,
    )


def _accept(user, code: str) -> bool:
    """The user's live code matches (counted as an attempt either way); it is used up on success."""
    now = timezone.now()
    with transaction.atomic():
        live = (
            SignInCode.objects.select_for_update()
            .filter(user=user, used_at__isnull=True, expires_at__gt=now, attempts__lt=MAX_ATTEMPTS)
            .order_by("-created_at")
            .first()
        )
        if live is None:
            return False
        live.attempts += 1
        ok = check_password(code, live.code_hash)
        if ok:
            live.used_at = now
        live.save(update_fields=["attempts", "used_at"])
        return ok


def outbox(request):
    """The demo's outbox: the last messages a real system would have sent by SMS."""
    _demo_only()
    sent = SignInCode.objects.exclude(demo_message="").order_by("-created_at")[:20]
    return render(request, "portal/outbox.html", {"sent": sent})
