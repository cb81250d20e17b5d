"""The hot paths made cheaper (issues 4 and 5) still behave exactly as before.

* the fast body validation gives DRF's validated data or defers to DRF (never accepts what DRF refuses);
* the token query compiled once gives the same user, provider and office;
* a submission writes the application, its event and its monitoring outbox row in one transaction
  (nothing of it survives a failure of the outbox write), answers with what a re-read shows, and
  costs a bounded number of queries.
"""

from __future__ import annotations

import copy
import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qamqor.api import fastinput
from qamqor.api import serializers as s
from qamqor.rules.iin import make_iin

from .test_lives import CHILD, MEETING_FACTS, person

APPLICANT_IIN = make_iin(dt.date(1985, 1, 1), "female", 101)
VALID = {
    "service": "parent-meeting-permission",
    "channel": "provider",
    "provider": "astana-education",
    "applicant": {"iin": APPLICANT_IIN, "last_name": " Сейітова ", "first_name": "Әлия"},
    "children": [CHILD],
    "facts": {"consent_personal_data": True},
    "consent": True,
    "documents": [
        {"code": "identity-card", "valid_until": "2030-01-31"},
        {"code": "birth-certificate", "source": "registry", "registry": "civil", "sha256": "ab" * 32},
    ],
}


def _variant(path, value):
    body = copy.deepcopy(VALID)
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return body


VARIANTS = [
    VALID,
    _variant(("children",), KeyError),
    _variant(("documents",), KeyError),
    _variant(("facts",), KeyError),
    _variant(("consent",), KeyError),
    _variant(("provider",), KeyError),
    _variant(("applicant", "middle_name"), "  "),
    _variant(("applicant", "phone"), "+7 701 000 00 00"),
    _variant(("documents", 0, "valid_until"), None),
    # invalid: DRF must decide (and refuse) each of these
    _variant(("applicant", "iin"), "123456789012"),
    _variant(("applicant", "iin"), 850101300129),
    _variant(("applicant", "last_name"), ""),
    _variant(("applicant", "last_name"), "x" * 121),
    _variant(("applicant", "first_name"), "bad\x00name"),
    _variant(("applicant", "first_name"), "\ud800"),
    _variant(("applicant",), KeyError),
    _variant(("applicant",), "not an object"),
    _variant(("channel",), "fax"),
    _variant(("channel",), None),
    _variant(("service",), "not a slug!"),
    _variant(("consent",), "yes"),
    _variant(("facts",), ["not", "an", "object"]),
    _variant(("children",), {"iin": CHILD["iin"]}),
    _variant(("children",), [None]),
    _variant(("documents", 0, "valid_until"), "31.01.2030"),
    _variant(("documents", 0, "source"), "fax"),
    _variant(("documents", 1, "sha256"), "XYZ"),
    # issue 15's bounds: refused by both paths alike
    _variant(("applicant", "iin"), f" {APPLICANT_IIN}"),
    _variant(("applicant", "first_name"), "Ә\u202eлия"),
    _variant(("applicant", "first_name"), "Ә\u200bлия"),
    _variant(("applicant", "first_name"), "A\u0301lia"),  # valid: normalised to NFC by both
    _variant(("children", 0, "iin"), APPLICANT_IIN),
    _variant(("children",), [CHILD] * 11),
    _variant(("documents",), [{"code": "identity-card"}] * 51),
    _variant(("documents", 0, "valid_until"), "0001-01-01"),
    _variant(("facts",), {"deep": [[[[[[[[[[1]]]]]]]]]]}),
    [VALID],
    "a string",
]


# valid bodies the fast path leaves to the serializer: a date in another format than ISO, a boolean
# given as a word
DEFERRED = [_variant(("documents", 0, "valid_until"), "31.01.2030"), _variant(("consent",), "yes")]
fast_paths = pytest.mark.skipif(
    not settings.QAMQOR_FAST_PATHS, reason="the fast paths are switched off (QAMQOR_FAST_PATHS=0)"
)


@fast_paths
@pytest.mark.parametrize("body", VARIANTS, ids=range(len(VARIANTS)))
def test_fast_validation_equals_the_serializer_or_defers_to_it(body):
    fast = fastinput.validated(s.SubmitIn, body)
    drf = s.SubmitIn(data=copy.deepcopy(body))
    if drf.is_valid() and body not in DEFERRED:
        assert fast == drf.validated_data  # the fast path takes a plainly valid body, with the same result
    else:
        assert fast is None  # never accepts what the serializer refuses


@fast_paths
def test_fast_validation_takes_the_plain_valid_body():
    fast = fastinput.validated(s.SubmitIn, VALID)
    assert fast is not None
    assert fast["applicant"]["last_name"] == "Сейітова" and fast["applicant"]["middle_name"] == ""
    assert fast["documents"][0]["valid_until"] == dt.date(2030, 1, 31)
    assert fast["documents"][0]["source"] == "uploaded"


@fast_paths
@pytest.mark.parametrize(
    "body",
    [
        {"child_iin": CHILD["iin"], "consent": True},
        {"child_iin": f" {CHILD['iin']} ", "consent": False},
        {"child_iin": "1234567890123", "consent": True},
        {"child_iin": "", "consent": True},
        {"child_iin": 123, "consent": True},
        {"child_iin": CHILD["iin"], "consent": "true"},
        {"child_iin": CHILD["iin"]},
        {"child_iin": "ЖСН", "consent": True},
        ["x"],
    ],
)
def test_certificate_body_fast_path_equals_the_serializer_or_defers(body):
    from qamqor.api.certificate import CertificateRequestIn, _plainly_valid

    fast = _plainly_valid(body)
    drf = CertificateRequestIn(data=body)
    plain = (
        isinstance(body, dict)
        and type(body.get("consent")) is bool
        and isinstance(body.get("child_iin"), str)
        and body["child_iin"].isascii()
    )
    if drf.is_valid() and plain:  # the plain body: the fast path takes it, with the same result
        assert fast == drf.validated_data
    else:
        assert fast is None


@pytest.mark.django_db
def test_token_lookup_loads_user_provider_and_office_in_one_query(world, client_for):
    from rest_framework.authtoken.models import Token

    from qamqor.api.authentication import TokenAuthentication

    auth = TokenAuthentication()
    for user in (world.officer, world.operator, world.aliya):
        key = Token.objects.get_or_create(user=user)[0].key
        with CaptureQueriesContext(connection) as q:
            got, token = auth.authenticate_credentials(key)
            same = (got.pk, got.role, got.iin, got.is_active, getattr(got.provider, "code", None))
            office = getattr(got.office, "code", None)
        assert len(q) == 1
        assert same == (user.pk, user.role, user.iin, True, getattr(user.provider, "code", None))
        assert office == getattr(user.office, "code", None) and token.key == key
    world.marat.is_active = False
    world.marat.save()
    key = Token.objects.get_or_create(user=world.marat)[0].key
    from rest_framework.exceptions import AuthenticationFailed

    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials(key)
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials("no-such-token")


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
@pytest.mark.django_db
def test_submission_answers_what_a_reread_shows_with_few_queries(world, client_for):
    c = client_for(world.officer)
    body = {
        "service": "parent-meeting-permission",
        "channel": "provider",
        "applicant": person(world.marat),
        "children": [CHILD],
        "facts": MEETING_FACTS,
        "consent": True,
        "documents": [{"code": "identity-card", "valid_until": "2030-01-31"}],
    }
    first = c.post("/api/v1/applications/", body, format="json")
    assert first.status_code == 201
    with CaptureQueriesContext(connection) as q:
        r = c.post("/api/v1/applications/", body, format="json")  # the people exist now
    assert r.status_code == 201
    # token, people, application, child link, event, outbox row, delivery task (+ savepoint and its
    # release: the test runs inside a transaction)
    # and the read log row: the answer shows the stored record of people already on record (R5)
    assert len(q) <= 11, [x["sql"][:80] for x in q]
    created = r.json()
    again = c.get(f"/api/v1/applications/{created['id']}/").json()
    for key in ("number", "status", "version", "deadlines", "children", "documents", "timeline", "applicant"):
        assert created[key] == again[key], key
    assert [e["action"] for e in created["timeline"]] == ["submit"]

    from qamqor.cases.models import Application, CaseEvent, Person
    from qamqor.monitoring.models import StageOutbox

    case = Application.objects.get(pk=created["id"])
    event = CaseEvent.objects.get(application=case)
    outbox = StageOutbox.objects.get(case_ref=str(case.pk))
    assert outbox.event_ref == str(event.pk) and outbox.stage == "submitted"
    assert list(case.children.values_list("iin", flat=True)) == [CHILD["iin"]]
    child = Person.objects.get(iin=CHILD["iin"])  # created from the body; birth date from the IIN
    assert child.birth_date == dt.date(2016, 2, 17) and child.sex == "male"


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
@pytest.mark.django_db(transaction=True)
def test_a_failed_outbox_write_leaves_nothing_of_the_submission(world, client_for):
    from qamqor.cases.models import Application, CaseEvent, Person
    from qamqor.monitoring.models import StageOutbox

    c = client_for(world.officer)
    new_child = {
        "iin": make_iin(dt.date(2017, 5, 5), "female", 77),
        "last_name": "Жаңа",
        "first_name": "Бала",
    }
    body = {
        "service": "parent-meeting-permission",
        "channel": "provider",
        "applicant": person(world.marat),
        "children": [new_child],
        "facts": MEETING_FACTS,
        "consent": True,
    }
    c.raise_request_exception = False
    with mock.patch(  # the outbox row's INSERT (monitoring.services writes only that row with it)
        "qamqor.monitoring.services.insert", side_effect=RuntimeError("disk")
    ):
        r = c.post("/api/v1/applications/", body, format="json")
    assert r.status_code == 500
    assert not Application.objects.exists() and not CaseEvent.objects.exists()
    assert not StageOutbox.objects.exists() and not Person.objects.filter(iin=new_child["iin"]).exists()
    r = c.post("/api/v1/applications/", body, format="json")
    assert r.status_code == 201 and StageOutbox.objects.count() == 1 and CaseEvent.objects.count() == 1


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
@pytest.mark.django_db
def test_existing_people_are_not_changed_by_a_submission(world, client_for):
    from qamqor.cases.models import Person

    c = client_for(world.officer)
    base = {
        "service": "parent-meeting-permission",
        "channel": "provider",
        "facts": MEETING_FACTS,
        "consent": True,
    }
    assert (
        c.post("/api/v1/applications/", {**base, "applicant": person(world.marat)}, format="json").status_code
        == 201
    )
    renamed = {**person(world.marat), "last_name": "Басқа"}
    assert c.post("/api/v1/applications/", {**base, "applicant": renamed}, format="json").status_code == 201
    assert Person.objects.get(iin=world.marat.iin).last_name == person(world.marat)["last_name"]


def test_web_command_is_sized_for_the_machine():
    from qamqor.cli.server_commands import web_command

    cmd = web_command("127.0.0.1", 8000, workers=2, threads=4, access_log=False)
    assert cmd[cmd.index("--interface") + 1] == "wsgi" and cmd[-1] == "qamqor.project.wsgi:served"
    assert cmd[cmd.index("--blocking-threads") + 1] == "4" and cmd[cmd.index("--workers") + 1] == "2"
    assert "--access-log" not in cmd and "--access-log" in web_command("127.0.0.1", 8000)
    v6 = web_command("::1", 8000)
    assert v6[v6.index("--host") + 1] == "::1" and v6[v6.index("--port") + 1] == "8000"


def test_a_request_does_not_see_the_server_environment():
    from qamqor.project import wsgi

    keys = wsgi.server_environment_keys(
        {"DATABASE_URL": "postgres://u:secret@h/db", "HTTP_PROXY": "x", "PATH": "/bin", "SERVER_NAME": "s"}
    )
    assert keys == {"DATABASE_URL", "HTTP_PROXY", "PATH"}  # a request key the server also has stays
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    environ = {**dict.fromkeys(wsgi._SERVER_ENV, "from the server"), "PATH_INFO": "/", "HTTP_HOST": "h"}
    real, wsgi.application = wsgi.application, app
    try:
        wsgi.served(environ, None)
    finally:
        wsgi.application = real
    assert not set(seen) & wsgi._SERVER_ENV and seen["PATH_INFO"] == "/" and seen["HTTP_HOST"] == "h"


@pytest.mark.django_db
def test_status_label_is_what_get_status_display_gives_in_every_language():
    from django.utils import translation

    from qamqor.api.serializers import status_label
    from qamqor.cases.models import Application, Status

    for lang in ("kk", "ru", "en"):
        with translation.override(lang):
            for value in Status.values:
                assert status_label(value) == str(Application(status=value).get_status_display())
    assert status_label("no-such-status") == "no-such-status"


def test_with_the_fast_paths_off_the_serializers_decide(settings):
    """The switch the second CI run uses: no fast path answers, the serializers do."""
    from qamqor.api.certificate import _plainly_valid

    settings.QAMQOR_FAST_PATHS = False
    assert fastinput.validated(s.SubmitIn, VALID) is None
    assert _plainly_valid({"child_iin": CHILD["iin"], "consent": True}) is None
