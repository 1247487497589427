"""Crashes the fuzz suite found (tests/fuzz, docs/testing.md), each pinned where it was fixed."""

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
