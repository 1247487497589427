"""Crashes the fuzz suite found (tests/fuzz, docs/testing.md), each pinned where it was fixed."""

import base64

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.partners import PostgresPartnerRegistry
from src.auth.partners import DocumentReference
from tests.conftest import database_on


async def test_a_document_id_with_a_nul_names_no_trusted_document(db: AsyncEngine) -> None:
    """PostgreSQL refused the NUL in the lookup: a partner's ``documentId: "\\u0000"`` got a
    bare 500."""
    registry = PostgresPartnerRegistry(database_on(db))
    for reference in (DocumentReference(document_id="a\x00"), DocumentReference(sha256="\x00")):
        assert await registry.granted_document("demo-bank", reference) is None


async def test_basic_credentials_that_are_not_utf8_fail_like_any_client_authentication(
    app_client: httpx.AsyncClient,
) -> None:
    """authlib raised UnicodeDecodeError on them: a bare 500 from the token endpoint."""
    answers = [
        await app_client.post(
            "https://testserver/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {credentials}"},
        )
        for credentials in ("/w==", base64.b64encode(b"nobody:secret").decode())
    ]
    assert [answer.status_code for answer in answers] == [401, 401]
    assert answers[0].json() == answers[1].json()
    assert answers[0].headers.get("www-authenticate") == answers[1].headers.get("www-authenticate")
