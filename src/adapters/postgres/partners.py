"""Partner clients, trusted documents and the grants between them (CARD-4, SEC-10; ADR 0013).

A partner's every request needs its client and its trusted document. While a server runs
``kept_in_memory()``, both are answered from memory after the first read: a dedicated
connection LISTENs on the ``partner_registry`` channel, on which a trigger announces every
change to the three tables (migration 0009), and each announcement empties the memory. Should
that connection be lost, the memory is emptied and not used until the server restarts the
listener, so a suspended client or a withdrawn grant never outlives its change."""

import contextlib
import logging
from collections.abc import AsyncIterator
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

log = logging.getLogger(__name__)

CHANNEL = "partner_registry"
MAX_KEPT = 1024
"""Entries kept in memory at most (found ones only: unknown ids are never kept)."""


def _client(row: Row[Any]) -> PartnerClient:
    return PartnerClient(
        client_id=row.client_id,
        name=row.name,
        institution_id=row.institution_id,
        secret_hash=row.secret_hash,
        ip_allowlist=tuple(row.ip_allowlist),
        status=PartnerClientStatus(row.status),
    )


class _Memory:
    """What was read while nothing changed, by key."""

    def __init__(self) -> None:
        self.on = False
        self.generation = 0
        self.kept: dict[object, object] = {}

    def forget(self) -> None:
        self.generation += 1
        self.kept.clear()

    def keep(self, key: object, value: object, generation: int) -> None:
        """Keep ``value``, read when the memory was at ``generation``, unless something
        changed since (the read may then be stale)."""
        if self.on and value is not None and generation == self.generation:
            if len(self.kept) >= MAX_KEPT:
                self.kept.clear()
            self.kept[key] = value


class PostgresPartnerRegistry:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._memory = _Memory()

    @contextlib.asynccontextmanager
    async def kept_in_memory(self) -> AsyncIterator[None]:
        """Answer from memory while this runs (the server's lifetime)."""
        memory = self._memory

        def changed(*_: object) -> None:
            memory.forget()

        def lost(*_: object) -> None:
            log.warning("partner registry listener lost: reading from the database")
            memory.on = False
            memory.forget()

        async with self._database.engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.add_listener(CHANNEL, changed)
            driver.add_termination_listener(lost)
            memory.on = True
            try:
                yield
            finally:
                memory.on = False
                memory.forget()
                driver.remove_termination_listener(lost)
                await driver.remove_listener(CHANNEL, changed)

    async def _remembered(self, key: object, read: Any) -> Any:
        memory = self._memory
        if memory.on and key in memory.kept:
            return memory.kept[key]
        generation = memory.generation
        value = await read()
        memory.keep(key, value, generation)
        return value

    async def client(self, client_id: str) -> PartnerClient | None:
        client: PartnerClient | None = await self._remembered(
            ("client", client_id), lambda: self._read_client(client_id)
        )
        return client

    async def _read_client(self, client_id: str) -> PartnerClient | None:
        query = select(partner_clients).where(partner_clients.c.client_id == client_id)
        async with self._database.read() as connection:
            row = (await connection.execute(query)).one_or_none()
        return None if row is None else _client(row)

    async def granted_document(self, client_id: str, reference: DocumentReference) -> str | None:
        document: str | None = await self._remembered(
            ("document", client_id, reference),
            lambda: self._read_granted_document(client_id, reference),
        )
        return document

    async def _read_granted_document(
        self, client_id: str, reference: DocumentReference
    ) -> str | None:
        if any("\x00" in name for name in (reference.document_id, reference.sha256) if name):
            return None  # PostgreSQL text holds no NUL, so no stored id or hash has one
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
