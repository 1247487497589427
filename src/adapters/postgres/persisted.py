"""Persisted queries (Apollo APQ) in PostgreSQL: document text by its SHA-256 (ADR 0012)."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from .database import Database
from .tables import persisted_documents


class PostgresPersistedDocuments:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self, sha256: str) -> str | None:
        query = select(persisted_documents.c.document).where(persisted_documents.c.sha256 == sha256)
        async with self._database.read() as connection:
            document: str | None = (await connection.execute(query)).scalar_one_or_none()
        return document

    async def add(self, sha256: str, document: str) -> None:
        """Idempotent, and safe when many requests register the same document at once."""
        statement = (
            insert(persisted_documents)
            .values(sha256=sha256, document=document)
            .on_conflict_do_nothing(index_elements=[persisted_documents.c.sha256])
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)
