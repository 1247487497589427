"""Partner clients, trusted documents and the grants between them (CARD-4, SEC-10; ADR 0013)."""

from typing import Any

from sqlalchemy import Row, Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from ...auth.partners import (
    DocumentReference,
    PartnerClient,
    PartnerClientStatus,
    TrustedDocument,
)
from ...domain.shared.errors import NotFound
from .database import Database
from .tables import partner_client_documents, partner_clients, trusted_documents


def _client(row: Row[Any]) -> PartnerClient:
    return PartnerClient(
        client_id=row.client_id,
        name=row.name,
        institution_id=row.institution_id,
        secret_hash=row.secret_hash,
        ip_allowlist=tuple(row.ip_allowlist),
        status=PartnerClientStatus(row.status),
    )


class PostgresPartnerRegistry:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def client(self, client_id: str) -> PartnerClient | None:
        query = select(partner_clients).where(partner_clients.c.client_id == client_id)
        async with self._database.read() as connection:
            row = (await connection.execute(query)).one_or_none()
        return None if row is None else _client(row)

    async def granted_document(self, client_id: str, reference: DocumentReference) -> str | None:
        if reference.document_id is not None:
            names = trusted_documents.c.id == reference.document_id
        elif reference.sha256 is not None:
            names = trusted_documents.c.sha256 == reference.sha256
        else:
            return None
        query = (
            select(trusted_documents.c.document)
            .join(
                partner_client_documents,
                partner_client_documents.c.document_id == trusted_documents.c.id,
            )
            .where(partner_client_documents.c.client_id == client_id, names)
        )
        async with self._database.read() as connection:
            document: str | None = (await connection.execute(query)).scalar_one_or_none()
        return document

    async def _add_new(self, table: Table, **values: Any) -> bool:
        """Insert the row unless one with the same key exists; True if it was inserted."""
        statement = insert(table).values(**values).on_conflict_do_nothing()
        async with self._database.begin() as connection:
            return (await connection.execute(statement)).rowcount == 1

    async def add_document(self, document: TrustedDocument) -> bool:
        return await self._add_new(
            trusted_documents,
            id=document.id,
            sha256=document.sha256,
            document=document.document,
            description=document.description,
        )

    async def add_client(self, client: PartnerClient) -> bool:
        return await self._add_new(
            partner_clients,
            client_id=client.client_id,
            name=client.name,
            institution_id=client.institution_id,
            secret_hash=client.secret_hash,
            ip_allowlist=list(client.ip_allowlist),
            status=client.status.value,
        )

    async def grant(self, client_id: str, document_ids: list[str]) -> None:
        if not document_ids:
            return
        statement = (
            insert(partner_client_documents)
            .values([{"client_id": client_id, "document_id": id} for id in document_ids])
            .on_conflict_do_nothing()
        )
        try:
            async with self._database.begin() as connection:
                await connection.execute(statement)
        except IntegrityError:
            raise NotFound("no partner client or trusted document with this id") from None
