"""Malformed HTTP: wrong content types and encodings, bodies that are not one JSON object, odd
``variables`` and ``extensions``, persisted queries with bad hashes, ``documentId`` from the
wrong callers, GET oddities, odd headers, and the other routes."""

import hashlib
import json
from typing import Any

import pytest

from tests.fuzz.client import Fuzzer

pytestmark = pytest.mark.fuzz

JSON = {"Content-Type": "application/json"}
ME = "{ me { login } }"
ME_HASH = hashlib.sha256(ME.encode()).hexdigest()
MUTATION = "mutation { logout }"


def body(**members: Any) -> bytes:
    return json.dumps(members).encode()


def post(content: bytes, caller: str = "operator", **headers: str) -> dict[str, Any]:
    return {"caller": caller, "content": content, "headers": {**JSON, **headers}}


def get(caller: str = "operator", **params: str) -> dict[str, Any]:
    return {"caller": caller, "method": "GET", "params": params}


def apq(sha256: object, caller: str = "operator", **members: Any) -> dict[str, Any]:
    persisted = {"version": 1, "sha256Hash": sha256}
    return post(body(extensions={"persistedQuery": persisted}, **members), caller)


TOKEN_REQUESTS: dict[str, dict[str, Any]] = {
    "empty": {},
    "JSON": {"content": body(grant_type="client_credentials"), "headers": JSON},
    "bad basic": {
        "data": {"grant_type": "client_credentials"},
        "headers": {"Authorization": "Basic %%%"},
    },
    "basic not UTF-8": {
        "data": {"grant_type": "client_credentials"},
        "headers": {"Authorization": "Basic /w=="},
    },
    "form not UTF-8": {
        "content": b"grant_type=client_credentials&client_id=%ff&client_secret=%fe",
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    },
    "huge form": {"data": {"grant_type": "x" * 500_000}},
}
"""Malformed requests to the partners' token endpoint (docs/security.md#partner-banks)."""

CASES: dict[str, dict[str, Any]] = {
    # content types and encodings
    "no content type": {"caller": "operator", "content": body(query=ME)},
    **{
        f"content type {kind!r}": post(body(query=ME), **{"Content-Type": kind})
        for kind in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin-1",
            'application/json; charset="utf-8"',
            "application/json;;;charset",
            "APPLICATION/JSON",
            ";",
            "",
            "application/graphql",
        ]
    },
    "invalid UTF-8": post(b'{"query": "{ me { login } }", "operationName": "\xff\xfe"}'),
    "overlong UTF-8": post(b'{"query": "\xc0\xaf"}'),
    "UTF-8 BOM": post(b"\xef\xbb\xbf" + body(query=ME)),
    "UTF-16": post(body(query=ME).decode().encode("utf-16")),
    "a NUL byte": post(b'{"query": "{ me { login } }"}\x00'),
    # bodies that are not one JSON object
    **{
        f"body {raw!r}": post(raw)
        for raw in [b"", b" ", b"null", b"1", b'"{ me { login } }"', b"[]", b"[{}]", b"{", b"}"]
    },
    "a batch": post(json.dumps([{"query": ME}, {"query": ME}]).encode()),
    "trailing garbage": post(body(query=ME) + b"garbage"),
    "duplicate keys": post(b'{"query": "{ __typename }", "query": "{ me { login } }"}'),
    "duplicate variables": post(
        b'{"query": "query($first: Int!) { workers(first: $first) { __typename } }", '
        b'"variables": {"first": 1, "first": "x"}, "variables": [1]}'
    ),
    "NaN and Infinity": post(
        b'{"query": "{ me { login } }", "variables": {"a": NaN, "b": -Infinity}}'
    ),
    "a huge number": post(
        b'{"query": "{ me { login } }", "variables": {"a": 1' + b"0" * 5000 + b"}}"
    ),
    "over the body limit": post(body(query=ME, padding="x" * 1_100_000)),
    # members of the wrong kind
    **{
        f"query {value!r}": post(body(query=value))
        for value in [None, 1, True, ["{ me { id } }"], {"a": 1}, "", "  ", "\x00", "#"]
    },
    **{
        f"variables {value!r}": post(body(query=ME, variables=value))
        for value in ["{}", '{"a": 1}', [], [{}], 1, True]
    },
    **{
        f"operationName {value!r}": post(body(query=ME, operationName=value))
        for value in [1, [], {}, "Nope", "\x00", "\ud800"]
    },
    **{
        f"extensions {value!r}": post(body(query=ME, extensions=value))
        for value in [
            "{}",
            [],
            1,
            {"persistedQuery": "x"},
            {"persistedQuery": None},
            {"persistedQuery": []},
            {"preview": True},
            {"confirmationToken": 1},
            {"confirmationToken": "x" * 10_000},
            {"\ud800": 1},
        ]
    },
    "preview on a mutation, not a boolean": post(body(query=MUTATION, extensions={"preview": "1"})),
    "confirmation token not a string": post(
        body(query=MUTATION, extensions={"confirmationToken": {"a": 1}})
    ),
    # persisted queries (APQ)
    "APQ, unknown hash": apq("0" * 64),
    "APQ, hash not hex": apq("z" * 64),
    "APQ, hash upper case": apq(ME_HASH.upper()),
    "APQ, hash too short": apq(ME_HASH[:10]),
    "APQ, hash not a string": apq(123),
    "APQ, hash with a surrogate": apq("\ud800" * 64),
    "APQ, hash of another query": apq(ME_HASH, query="{ __typename }"),
    "APQ, version 2": post(
        body(extensions={"persistedQuery": {"version": 2, "sha256Hash": ME_HASH}})
    ),
    "APQ, anonymous with a query": apq(ME_HASH, "anonymous", query=ME),
    "APQ by GET, bad hash": get(extensions=json.dumps({"persistedQuery": {"version": 1}})),
    # documentId from callers who may not use it, and from the partner
    **{
        f"documentId {value!r} from {caller}": post(body(documentId=value), caller)
        for caller in ["anonymous", "operator", "partner"]
        for value in ["demo.enterprises.v1", "sha256:zz", "", 1, None, "\x00"]
    },
    "partner, a query": post(body(query="{ __typename }"), "partner"),
    "partner, bad variables": post(
        body(documentId="demo.enterprises.v1", variables={"first": "1e10", "after": "\ud800"}),
        "partner",
    ),
    "partner, wrong operation name": post(
        body(documentId="demo.enterprises.v1", operationName="Nope"), "partner"
    ),
    # GET
    "GET, a huge query string": get(query="{ me { login } }" + " " * 60_000),  # httpx: < 64 KiB
    "GET, a mutation": get(query=MUTATION),
    "GET, variables not JSON": get(query=ME, variables="{"),
    "GET, variables a list": get(query=ME, variables="[]"),
    "GET, extensions a string": get(query=ME, extensions='"x"'),
    "GET, a NUL": get(query="{ me { login } }\x00"),
    "GET, no query": get(),
    "GET, explorer with a query": {
        "caller": "anonymous",
        "method": "GET",
        "params": {"query": ME},
        "headers": {"Accept": "text/html"},
    },
    "GET, invalid percent-encoding": {
        "caller": "operator",
        "method": "GET",
        "url": "/graphql?query=%ff%fe&variables=%c0",
    },
    # headers
    **{
        f"Accept {value!r}": post(body(query=ME), Accept=value)
        for value in [
            "application/json;q=abc",
            "*/*;q=0",
            "text/html",
            "application/graphql-response+json;q=NaN",
            ",,,",
            "application/json;q=" + "9" * 400,
        ]
    },
    **{
        f"Authorization {value[:30]!r}": post(body(query=ME), "anonymous", Authorization=value)
        for value in [
            "Bearer",
            "Bearer ",
            "Basic b3BlcmF0b3I6eA==",
            "Bearer a.b.c",
            "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
            "Bearer " + "x" * 100_000,
            "bearer\ttab",
        ]
    },
    "Authorization, latin-1 bytes": {
        "caller": "anonymous",
        "content": body(query=ME),
        "headers": {**JSON, "Authorization": "Bearer \xe9\xff".encode("latin-1")},
    },
    **{
        f"Idempotency-Key {value[:20]!r}": post(
            body(query=MUTATION), "worker", **{"Idempotency-Key": value}
        )
        for value in ["", " ", "x" * 256, "a b", "\x7f"]
    },
    "Idempotency-Key, latin-1": {
        "caller": "worker",
        "content": body(query=MUTATION),
        "headers": {**JSON, "Idempotency-Key": "\xe9".encode("latin-1")},
    },
    "X-Request-ID, odd": post(body(query=ME), **{"X-Request-ID": "../" * 50}),
    "X-Forwarded-For, odd": post(
        body(query=ME), **{"X-Forwarded-For": "not-an-ip, ::1, 300.1.1.1"}
    ),
    # the other routes
    "PUT /graphql": {"caller": "operator", "method": "PUT", "content": body(query=ME)},
    "DELETE /graphql": {"caller": "operator", "method": "DELETE"},
    "POST /logout, junk token": {
        "caller": "anonymous",
        "url": "/logout",
        "headers": {"Authorization": "Bearer x"},
    },
    "POST /logout, no token": {"caller": "anonymous", "url": "/logout"},
    **{
        f"POST /oauth/token {name}": {
            "caller": "anonymous",
            "url": "https://testserver/oauth/token",
            **request,
        }
        for name, request in TOKEN_REQUESTS.items()
    },
}


@pytest.mark.parametrize("name", CASES)
async def test_malformed_http(fuzzer: Fuzzer, name: str) -> None:
    request = dict(CASES[name])
    url = request.pop("url", "/graphql")
    await fuzzer.send(request.pop("caller"), url, ["(malformed HTTP)"], **request)
