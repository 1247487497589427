"""SEC-06, migration 0003: rows written in plaintext before it are sealed by the upgrade (in
batches: more rows than one batch here), read back intact, and the downgrade restores them."""

import asyncio
import base64
from typing import Any
from uuid import UUID

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from stdnum.cn import ric

from src.adapters.crypto import FieldCipher
from src.adapters.postgres.engine import async_url
from src.adapters.postgres.migrate import alembic_config
from src.domain.parties.identifiers import IdNumber
from src.domain.parties.ports import EnterpriseFilter, InstitutionFilter, WorkerFilter
from src.domain.shared.pagination import PageRequest
from tests.conftest import fresh_database, unit_of_work_on

FILLERS = 1200
"""More rows than the migration's batch of 1000."""
VALUES = {
    "worker": UUID("0190f0e4-7f3a-7c1e-9a40-0000000000aa"),
    "id_number": "11010519900307001" + ric.calc_check_digit("11010519900307001" + "0"),
    "phone": "13812345678",
    "card": "6222021234567890128",
    "fillers": FILLERS,
}
PLAINTEXT_ROWS = [
    """INSERT INTO workers (id, name, id_number, phone, bank_card, address, registered_at)
       VALUES (:worker, '王芳', :id_number, :phone, :card, '北京', now())""",
    """INSERT INTO workers (id, name, id_number, phone, bank_card, address, registered_at)
       SELECT gen_random_uuid(), '工人', lpad(n::text, 18, '0'), '139' || lpad(n::text, 8, '0'),
              '6222' || lpad(n::text, 15, '0'), '上海', now()
       FROM generate_series(1, :fillers) AS n""",
    """INSERT INTO enterprises (id, credit_code, name, legal_representative, address,
                                business_scope, phone, bank_name, account_number, status,
                                onboarded_at)
       VALUES (gen_random_uuid(), '91110000600037341L', '星河', '赵建国', '北京', '配送',
               '13900000001', '中国工商银行', '0200001234567890', 'active', now())""",
    """INSERT INTO institutions (id, kind, name, credit_code, address, phone, registered_at)
       VALUES (gen_random_uuid(), 'bank', '招商', '91310000132149237G', '上海', '13700000007',
               now())""",
]
FINGERPRINT = """
SELECT (SELECT md5(string_agg(id_number || phone || bank_card, ',' ORDER BY id)) FROM workers)
    || (SELECT string_agg(phone || account_number, ',') FROM enterprises)
    || (SELECT string_agg(phone, ',') FROM institutions)"""
PLAINTEXT_LEFT = """
SELECT (SELECT count(*) FROM workers WHERE encode(id_number, 'escape') ~ '[0-9]{8}'
           OR encode(phone, 'escape') ~ '[0-9]{8}' OR encode(bank_card, 'escape') ~ '[0-9]{8}')
     + (SELECT count(*) FROM enterprises WHERE encode(phone, 'escape') ~ '[0-9]{8}'
           OR encode(account_number, 'escape') ~ '[0-9]{8}')
     + (SELECT count(*) FROM institutions WHERE encode(phone, 'escape') ~ '[0-9]{8}')"""
"""Rows with a run of eight digits anywhere in the raw bytes of a sealed column (by chance:
about one in 10**11 per byte of ciphertext)."""


def run_sql(url: str, *statements: str) -> Any:
    """Run the statements in one transaction; the first column of the last one's first row."""

    async def run() -> Any:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.begin() as connection:
                for statement in statements:
                    result = await connection.execute(text(statement), VALUES)
                return result.scalar() if result.returns_rows else None
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def read_back(url: str, cipher: FieldCipher) -> tuple[UUID, str, list[str], list[str]]:
    """Through the repositories: found by the blind index, opened by the cipher."""
    engine = create_async_engine(async_url(url))
    try:
        async with unit_of_work_on(engine, cipher) as uow:
            by_id_number = WorkerFilter(id_number=IdNumber(str(VALUES["id_number"])))
            [worker] = (await uow.workers.page(by_id_number, PageRequest())).items
            enterprises = (await uow.enterprises.page(EnterpriseFilter(), PageRequest())).items
            institutions = (await uow.institutions.page(InstitutionFilter(), PageRequest())).items
        return (
            worker.id,
            worker.bank_card.value,
            [e.profile.phone.value for e in enterprises],
            [i.phone.value for i in institutions],
        )
    finally:
        await engine.dispose()


def test_sec_06_upgrade_seals_existing_rows_and_downgrade_restores_them(
    postgres_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The migration takes its keys from the environment, as ``flexfin migrate`` does."""
    secret, hash_key = b"m" * 32, b"n" * 32
    monkeypatch.setenv("FLEXFIN_PII_KEYS", f"M:{base64.urlsafe_b64encode(secret).decode()}")
    monkeypatch.setenv("FLEXFIN_PII_HASH_KEY", base64.urlsafe_b64encode(hash_key).decode())
    cipher = FieldCipher([("M", secret)], hash_key)
    with fresh_database(postgres_server) as url:
        config = alembic_config(url)
        command.upgrade(config, "0001")
        run_sql(url, *PLAINTEXT_ROWS)
        before = run_sql(url, FINGERPRINT)

        command.upgrade(config, "head")

        assert run_sql(url, PLAINTEXT_LEFT) == 0
        hashed = "SELECT count(DISTINCT id_number_hash) FROM workers"
        assert run_sql(url, hashed) == FILLERS + 1
        assert asyncio.run(read_back(url, cipher)) == (
            VALUES["worker"],
            VALUES["card"],
            ["13900000001"],
            ["13700000007"],
        )

        command.downgrade(config, "0001")

        assert run_sql(url, FINGERPRINT) == before
