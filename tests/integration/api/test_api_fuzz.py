"""Property test of the HTTP API: hypothesis-generated requests against every operation of the
OpenAPI document (random path values, query values, JSON bodies and uploads; with and without a
token) never get a 5xx.

(schemathesis was not added: hypothesis-generated requests from the OpenAPI document cover the
same ground without a new dependency.)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ApiWorld

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["\x00", "a\x00b", "1e999", "60.00", "-0", "\ud7ff", "🙂" * 30]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
path_values = st.one_of(
    st.integers(min_value=-5, max_value=2**80).map(str),
    st.text(min_size=1, max_size=30),
    st.sampled_from(["invoices", "payments", "customers", "1", "C-1", "\x00", "a\x00", ".."]),
)


def operations(world: ApiWorld) -> list[tuple[str, str, dict[str, Any]]]:
    doc = world.client.get("/openapi.json").json()
    return [
        (method.upper(), path, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    ]


def body_for(op: dict[str, Any], draw: Any, doc_schemas: dict[str, Any]) -> dict[str, Any]:
    content = op.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        return {
            "files": {
                "file": (
                    draw(st.sampled_from(["a.csv", "b.xlsx", "c.txt", "d.pdf", "e"])),
                    draw(st.binary(max_size=300)),
                )
            },
            "data": draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "format": st.sampled_from(["generic", "xero", "nope", ""]),
                        "currency": st.text(max_size=4),
                        "dry_run": st.sampled_from(["true", "false", "maybe"]),
                        "skip_invalid": st.sampled_from(["true", "false", "1"]),
                    },
                )
            ),
        }
    if "application/json" in content:
        schema = content["application/json"].get("schema", {})
        ref = schema.get("$ref", "")
        props = doc_schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}) if ref else {}
        if props and draw(st.booleans()):
            keys = st.sampled_from(sorted(props))
            body = draw(st.dictionaries(keys, json_values, max_size=len(props)))
        else:
            body = draw(json_values)
        return {"json": body}
    return {}


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_generated_request_gets_a_server_error(world: ApiWorld, data: st.DataObject) -> None:
    doc = world.client.get("/openapi.json").json()
    method, path, op = data.draw(st.sampled_from(operations(world)), label="operation")
    url = path
    for param in op.get("parameters", []):
        if param["in"] == "path":
            value = data.draw(path_values, label=param["name"])
            url = url.replace("{" + param["name"] + "}", quote(value, safe=""))
    query = {
        p["name"]: data.draw(st.one_of(st.text(max_size=20), st.integers().map(str)))
        for p in op.get("parameters", [])
        if p["in"] == "query" and data.draw(st.booleans())
    }
    kwargs = body_for(op, data.draw, doc.get("components", {}).get("schemas", {}))
    role = data.draw(st.sampled_from(["admin", "viewer", None]), label="role")
    headers = world.headers(role) if role else {}
    r = world.client.request(method, url, params=query, headers=headers, **kwargs)
    assert r.status_code < 500, f"{method} {url} {query} {kwargs} -> {r.status_code} {r.text}"
