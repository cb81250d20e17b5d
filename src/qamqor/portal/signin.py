"""The demo's sign-in pages for recipients (demo mode only; production answers 404 and signs in with
a password only).

One-time code (see `models.SignInCode`): the recipient gives their IIN, a six-digit code goes to the
demo's outbox, the code signs them in once within `CODE_MINUTES`, with at most `MAX_ATTEMPTS` wrong
tries. The answer to an IIN is the same whether it belongs to a recipient or not (no probing of who
is registered). Digital signature (`esign`, decision 0028): a signature of a one-time challenge with a
sandbox personal key. Terms and limits are our choices: the legal texts give none for signing in."""

from __future__ import annotations

import datetime as dt
import secrets

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from qamqor.portal.models import SignInCode
from qamqor.rules.iin import InvalidIin, validate_iin

CODE_MINUTES = 5
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
BACKEND = "qamqor.accounts.security.Backend"


def _demo_only() -> None:
    # no SMS gateway and no link to the NCA: production signs in with a password only; the sandbox
    # NCA's keys exist only where the sandbox CA is on, which production refuses
    if not settings.QAMQOR_DEMO:
        raise Http404


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


@require_http_methods(["GET", "POST"])
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


@require_http_methods(["GET", "POST"])
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


@require_GET
def outbox(request):
    """The demo's outbox: the last messages a real system would have sent by SMS."""
    _demo_only()
    sent = SignInCode.objects.exclude(demo_message="").order_by("-created_at")[:20]
    return render(request, "portal/outbox.html", {"sent": sent})


# --- digital signature (ЭЦҚ / ЭЦП), sandbox keys; decision 0028 ------------------------------------
class SignatureForm(forms.Form):
    """Either the key container and its password (the sandbox signs with it, as NCALayer would on the
    person's computer) or a signature of the challenge made offline."""

    challenge = forms.CharField(widget=forms.HiddenInput, max_length=64)
    container = forms.FileField(label=_("Key file (.p12)"), required=False)
    password = forms.CharField(label=_("Key password"), required=False, strip=False, max_length=200)
    signature = forms.FileField(label=_("Signature of the challenge (CMS, .p7s)"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("signature") is None:
            if data.get("container") is None:
                self.add_error("container", _("Choose your key file, or upload a signature."))
            elif not data.get("password"):
                self.add_error("password", _("Enter the key's password."))
        return data


def _read(upload, limit: int = 64 * 1024) -> bytes:
    return b"" if upload is None else upload.read(limit + 1)


@require_http_methods(["GET", "POST"])
def signature_sign_in(request):
    """GET: a new challenge and the form; POST: sign in with a signature of the challenge."""
    from qamqor.documents.personal_keys import DEMO_CONTAINER_PASSWORD
    from qamqor.portal import esign

    _demo_only()
    now = timezone.now()
    form = SignatureForm(request.POST or None, request.FILES or None)
    refused = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = esign.sign_in_with_signature(
                data["challenge"],
                now=now,
                signature=_read(data["signature"]) if data["signature"] is not None else None,
                container=_read(data["container"]) if data["signature"] is None else None,
                password=data["password"] or "",
            )
        except esign.SignInRefused:
            refused = True
        else:
            login(request, user, backend=BACKEND)
            return redirect("portal:applications")
    posted = request.POST.get("challenge", "") if request.method == "POST" else ""
    challenge = (posted and esign.live_challenge(posted, now)) or esign.issue_challenge(now)
    recipients = get_user_model().objects.filter(role="recipient", is_active=True).exclude(iin="")
    return render(
        request,
        "portal/signature_sign_in.html",
        {
            "form": form,
            "refused": refused,
            "challenge": challenge,
            "minutes": esign.CHALLENGE_MINUTES,
            "demo_password": DEMO_CONTAINER_PASSWORD,
            "demo_people": recipients.order_by("username")[:10],
        },
        status=400 if refused or form.errors else 200,
    )


@require_GET
def demo_key(request, username: str):
    """A demo recipient's key container (.p12): the demo only; a real key never leaves its owner."""
    from qamqor.documents.personal_keys import demo_container

    _demo_only()
    user = get_user_model().objects.filter(username=username, role="recipient", is_active=True).first()
    if user is None or not user.iin:
        raise Http404
    try:
        data = demo_container(user.iin, user.last_name, user.first_name, now=timezone.now())
    except LookupError:
        raise Http404 from None  # no sandbox NCA
    response = HttpResponse(data, content_type="application/x-pkcs12")
    response["Content-Disposition"] = f'attachment; filename="qamqor-demo-{user.username}.p12"'
    return response
