"""Uploads counted by the completeness check, issued documents listed and downloaded by whoever may
see the case (and by nobody else), the public verification: through the API."""

from __future__ import annotations

import hashlib
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from helpers import MON
from qamqor.cases.models import Application, Document
from qamqor.documents import services
from qamqor.documents.models import IssuedDocument, Upload

from .test_lives import act, person, submit

pytestmark = pytest.mark.django_db
MEETING = "parent-meeting-permission"
WRONG_TYPE = "Only PDF, JPEG and PNG files are accepted; this file is none of them."


@pytest.fixture
def files_dir(tmp_path, settings):
    location = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def upload(client, app, code, name, data):
    return client.post(
        f"/api/v1/applications/{app['id']}/documents/",
        {"code": code, "file": SimpleUploadedFile(name, data, content_type="application/pdf")},
        format="multipart",
    )


def meeting_without_court_decision(world, client_for):
    officer = client_for(world.officer)
    app = submit(officer, service=MEETING, channel="provider", applicant=person(world.marat)).json()
    Document.objects.filter(application_id=app["id"], code="court_decision_deprivation").delete()
    return officer.get(f"/api/v1/applications/{app['id']}/").json()


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
def test_a_rejected_file_is_refused_in_each_language_and_nothing_changes(world, client_for, files_dir):
    app = meeting_without_court_decision(world, client_for)
    before = Document.objects.filter(application_id=app["id"]).count()
    said = set()
    for lang in ("kk", "ru", "en"):
        r = upload(
            client_for(world.marat, lang),
            app,
            "court_decision_deprivation",
            "decision.pdf",
            b"not a scan at all",
        )
        assert r.status_code == 400 and r.json()["code"] == "type"
        with translation.override(lang):
            assert r.json()["detail"] == translation.gettext(WRONG_TYPE) == r.json()["errors"]["file"][0]
        said.add(r.json()["detail"])
    assert len(said) == 3  # a reason in each language
    empty = upload(client_for(world.marat), app, "court_decision_deprivation", "decision.png", b"")
    assert empty.status_code == 400 and empty.json()["code"] == "empty"
    case = Application.objects.get(pk=app["id"])
    assert case.version == app["version"] and case.status == "submitted"
    assert Document.objects.filter(application_id=app["id"]).count() == before
    assert Upload.objects.count() == 0
    assert not files_dir.exists() or [p for p in files_dir.rglob("*") if p.is_file()] == []


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
def test_an_uploaded_scan_completes_the_package(world, client_for, files_dir):
    app = meeting_without_court_decision(world, client_for)
    officer, marat = client_for(world.officer), client_for(world.marat)
    app = act(officer, app, "register_at_provider")
    refused = act(officer, app, "check_completeness", expect=400)
    assert refused["code"] == "incomplete_package"
    assert refused["details"]["missing_documents"] == ["court_decision_deprivation"]
    # a document the service does not ask for is refused; someone else's case is not there at all
    assert upload(marat, app, "tax_return", "x.png", png()).status_code == 400
    assert (
        upload(client_for(world.aliya), app, "court_decision_deprivation", "x.png", png()).status_code == 404
    )
    data = png()
    r = upload(marat, app, "court_decision_deprivation", "court.png", data)
    assert r.status_code == 200, r.json()
    row = next(d for d in r.json()["documents"] if d["code"] == "court_decision_deprivation")
    assert row["source"] == "uploaded" and row["sha256"] == hashlib.sha256(data).hexdigest()
    stored = Upload.objects.get(sha256=row["sha256"])
    assert stored.owner_ref == f"application:{app['id']}" and stored.content_type == "image/png"
    app = act(officer, officer.get(f"/api/v1/applications/{app['id']}/").json(), "check_completeness")
    assert app["status"] == "completeness_checked"
    # after the check the recipient attaches nothing more
    assert upload(marat, app, "court_decision_deprivation", "again.png", png()).status_code == 403


def granted_with_permission(world, client_for):
    officer = client_for(world.officer)
    with time_machine.travel(MON, tick=False):
        applicant = {**person(world.marat), "address": "Астана қ., Қабанбай батыр даңғ. 21"}
        app = submit(officer, service=MEETING, channel="provider", applicant=applicant).json()
        for action in ("register_at_provider", "check_completeness", "start_review", "decide"):
            app = act(officer, app, action)
        bad = act(
            officer,
            app,
            "issue_result",
            {"period_from": "2026-04-01", "period_until": "2026-03-01"},
            expect=400,
        )
        assert "period_until" in bad["errors"]
        app = act(
            officer,
            app,
            "issue_result",
            {"period_from": "2026-03-16", "period_until": "2026-06-15"},
        )
    return app


def test_issued_documents_are_listed_and_served_to_whoever_may_see_the_case(world, client_for, files_dir):
    world.marat.last_name, world.marat.first_name = "Жұмабаев", "Марат"
    world.marat.save()
    app = granted_with_permission(world, client_for)
    issue = next(e for e in app["timeline"] if e["to_status"] == "result_issued")
    assert issue["payload"]["document"]["kind"] == "meeting_permission"
    doc = IssuedDocument.objects.get(owner_ref=f"application:{app['id']}")
    base = f"/api/v1/applications/{app['id']}/documents/issued/"
    for who in (world.marat, world.officer, world.auditor):
        listing = client_for(who).get(base)
        assert listing.status_code == 200
        (row,) = listing.json()["results"]
        assert (row["kind"], row["lang"], row["code"], row["sha256"]) == (
            "meeting_permission",
            "kk",
            doc.display_code,
            doc.sha256,
        )
        assert row["verify_url"].endswith(f"/verify/{doc.display_code}") and row["issued_on"] == "02.03.2026"
        pdf = client_for(who).get(f"{base}{doc.display_code}.pdf")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content == services.document_bytes(doc)
        assert hashlib.sha256(pdf.content).hexdigest() == issue["payload"]["document"]["sha256"]
    for stranger in (world.aliya, world.almaty_officer):
        assert client_for(stranger).get(base).status_code == 404
        assert client_for(stranger).get(f"{base}{doc.display_code}.pdf").status_code == 404
    assert client_for(world.marat).get(f"{base}ZZZZ-ZZZZ-ZZZZ.pdf").status_code == 404
    # anyone checks it, without logging in
    from rest_framework.test import APIClient

    verdict = APIClient().get(f"/api/v1/documents/verify/{doc.display_code}?lang=en").json()
    assert verdict["genuine"] is True and verdict["document"]["sha256"] == doc.sha256
