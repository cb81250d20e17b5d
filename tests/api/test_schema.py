"""`/api/schema/` documents every action by name, body and response, and what the API answers is
what the schema says (the hot paths build their bodies as dicts: this keeps them honest)."""

from __future__ import annotations

import copy

import jsonschema
import pytest
import time_machine
from django.core.management import call_command

from helpers import MON, package
from qamqor.api.applications import ACTIONS

from .test_lives import act, person, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _nullable_to_json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type (for validating bodies)."""
    if isinstance(node, dict):
        node = {k: _nullable_to_json_schema(v) for k, v in node.items()}
        if node.pop("nullable", False):
            node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable_to_json_schema(v) for v in node]
    return node


def _validator(schema, component: str):
    root = _nullable_to_json_schema(copy.deepcopy({"components": schema["components"]}))
    root["$ref"] = f"#/components/schemas/{component}"
    return jsonschema.Draft202012Validator(root)


def test_every_action_is_documented_with_its_body_and_response(schema):
    for name, spec in ACTIONS.items():
        op = schema["paths"][f"/api/v1/applications/{{id}}/actions/{name}/"]["post"]
        assert op["operationId"] == f"application_{name}"
        content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        if spec.body.__name__ != "EmptyIn":  # an empty body is documented as none
            assert content["schema"]["$ref"].endswith("/" + spec.body.__name__), (name, content)
        assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApplicationOut")
        assert op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
        assert {p["name"] for p in op["parameters"]} >= {"If-Match", "Idempotency-Key"}
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op.get("responses"), (path, method)
            for code, response in op["responses"].items():
                if code.startswith("2") and code != "204" and code != "304":
                    assert response.get("content"), (path, method, code)


def test_the_schema_is_generated_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_the_bodies_the_api_answers_match_their_schema(schema, world, client_for):
    officer = client_for(world.officer)
    application = _validator(schema, "ApplicationOut")
    with time_machine.travel(MON, tick=False):
        r = submit(officer, service="parent-meeting-permission", channel="provider", applicant=person(world.marat))
        app = r.json()
        application.validate(app)  # the fresh submission's fast body
        for action in ("register_at_provider", "check_completeness", "start_review", "decide"):
            app = act(officer, app, action)
            application.validate(app)
        assert app["decisions"] and app["fact_sources"]
        _validator(schema, "ApplicationListOut").validate(officer.get("/api/v1/applications/").json())
        _validator(schema, "QueueOut").validate(officer.get("/api/v1/queues/mine/").json())
        error = act(officer, app, "check_completeness", expect=409)
        _validator(schema, "ErrorOut").validate(error)
    assert package("parent-meeting-permission", "provider")
