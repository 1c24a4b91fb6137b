"""The OpenAPI schema says what the API does (issue 14, point 6): one enum per record's kind,
with that record's values, and every operation's problem answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from safehold.records import models as m

PROBLEM = "application/problem+json"


@pytest.fixture
def schema(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    either = node.get("anyOf", []) + node.get("allOf", [])
    ref = node.get("$ref") or next((n["$ref"] for n in either if "$ref" in n), None)
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else node


@pytest.mark.parametrize(
    ("body", "choices"),
    [
        ("ContactIn", m.Contact.Kind),
        ("AssessmentIn", m.Assessment.Kind),
        ("PlanIn", m.Plan.Kind),
        ("OutcomeIn", m.Outcome.Kind),
        ("ReportIn", m.Report.Kind),
        ("ContactChange", m.Contact.Kind),
        ("OutcomeChange", m.Outcome.Kind),
    ],
)
def test_each_kind_is_its_own_enum_with_its_own_values(
    schema: dict[str, Any], body: str, choices: type[models.TextChoices]
) -> None:
    components = schema["components"]["schemas"]
    kind = resolve(schema, components[body]["properties"]["kind"])
    assert kind["title"] == choices.__name__
    assert kind["enum"] == [c.value for c in choices]
    assert "Kind" not in components


def test_every_operation_documents_its_problem_answers(schema: dict[str, Any]) -> None:
    problem = schema["components"]["schemas"]["ProblemOut"]
    assert set(problem["required"]) >= {"type", "title", "status", "detail"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            expected = {"401", "403"}
            if operation.get("parameters") or "requestBody" in operation:
                expected.add("422")
            if "{" in path:
                expected.add("404")
            if "requestBody" in operation:
                expected |= {"400", "413"}
            if_match = [p for p in operation.get("parameters", []) if p["name"] == "If-Match"]
            if if_match:
                expected.add("412")
            if method == "patch":  # a change names its version: 428 without If-Match
                assert if_match and "Required" in if_match[0]["description"], f"{method} {path}"
                expected.add("428")
            errors = {code for code in responses if code.startswith("4")}
            assert errors == expected, f"{method} {path}"
            for code in errors:
                assert list(responses[code]["content"]) == [PROBLEM], f"{method} {path} {code}"


def test_a_change_refuses_null_where_the_record_cannot_be_empty(schema: dict[str, Any]) -> None:
    change = schema["components"]["schemas"]["ContactChange"]
    assert "required" not in change  # every field may be left out
    assert change["properties"]["notes"]["type"] == "string"  # but null is not a string
    outcome = schema["components"]["schemas"]["OutcomeChange"]["properties"]["ends_on"]
    assert {"type": "null"} in outcome["anyOf"]  # an end date may be cleared
