"""SEC-06 on real PostgreSQL: personal data written through the API is sealed in every table,
found by its blind index, fails closed when tampered with, and rotates to a new key."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from stdnum import luhn

from src.adapters.crypto import FieldCipher, UnreadableField
from src.adapters.postgres.rotation import rotate_pii_keys
from src.adapters.postgres.sealed import sealed_columns
from src.adapters.postgres.tables import metadata
from src.domain.parties import commands, service
from src.domain.parties.model import InstitutionKind, Worker
from src.domain.parties.ports import WorkerFilter
from src.domain.shared.pagination import PageRequest
from tests.conftest import AnyUnitOfWork, FixedClock, unit_of_work_on
from tests.in_process import GraphQLClient
from tests.integration.sensitive import confirmed
from tests.integration.test_api_parties import (
    ONBOARD,
    REGISTER,
    enterprise_input,
    worker_input,
)
from tests.unit.domain.test_parties_service import onboarding, registration

KEY_A = ("A", b"a" * 32)
KEY_B = ("B", b"b" * 32)
HASH_KEY = b"blind-index-key-of-the-rotation-test"
NEW_CARD = "6217000010001234" + luhn.calc_check_digit("6217000010001234")
CHANGE_CARD = """
mutation Change($input: ChangeWorkerBankCardInput!) { changeWorkerBankCard(input: $input) { id } }"""


async def every_row(db: AsyncEngine) -> list[tuple[str, list[Any], str]]:
    """Each row of each table of the database: its table, its raw values, its JSON text."""
    found = []
    async with db.connect() as connection:
        tables = await connection.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        )
        for name in tables.all():
            rows = await connection.execute(
                text(f'SELECT t.*, row_to_json(t)::text FROM "{name}" t')  # noqa: S608
            )
            found += [(name, list(row[:-1]), row[-1]) for row in rows]
    return found


def leaks(values: list[Any], as_json: str, secret: str) -> bool:
    """Is ``secret`` in a value as text, in a ``bytea`` as bytes, or in the hex of either?"""
    encoded = secret.encode()
    return (
        any(secret in str(v) for v in values if not isinstance(v, bytes))
        or any(encoded in v for v in values if isinstance(v, bytes))
        or secret in as_json
        or encoded.hex() in as_json
    )


async def test_sec_06_no_table_holds_personal_data_in_plaintext(
    api: GraphQLClient, db: AsyncEngine, unit_of_work: Callable[[], AnyUnitOfWork]
) -> None:
    """Registered and changed through the API, then read straight from the tables with SQL."""
    worker = worker_input()
    enterprise = enterprise_input()
    registered = await api.ok(REGISTER, input=worker)
    assert "errors" not in registered
    changed = await confirmed(
        api,
        CHANGE_CARD,
        input={"id": registered["data"]["registerWorker"]["id"], "bankCard": NEW_CARD},
    )
    assert "errors" not in changed
    assert "errors" not in await api.ok(ONBOARD, input=enterprise)
    institution = commands.RegisterInstitution(
        InstitutionKind.BANK, "招商银行上海徐汇支行", "91310000132149237G", "上海市", "13700000007"
    )
    await service.register_institution(institution, unit_of_work(), FixedClock())
    secrets = [
        worker["idNumber"],
        worker["phone"],
        worker["bankCard"],
        NEW_CARD,
        enterprise["profile"]["phone"],
        enterprise["payingAccount"]["accountNumber"],
        institution.phone,
    ]

    rows = await every_row(db)
    assert {name for name, _, _ in rows} >= {"workers", "enterprises", "institutions"}
    assert [(name, s) for name, values, js in rows for s in secrets if leaks(values, js, s)] == []
    assert any(leaks([], js, worker["name"]) for _, _, js in rows)  # the scan does see


async def test_sec_06_the_blind_index_finds_exactly_one_worker(
    unit_of_work: Callable[[], AnyUnitOfWork], clock: FixedClock
) -> None:
    made = [
        await service.register_worker(registration(born=f"1990030{day}"), unit_of_work(), clock)
        for day in range(1, 6)
    ]
    async with unit_of_work() as uow:
        for worker in made:
            page = await uow.workers.page(WorkerFilter(id_number=worker.id_number), PageRequest())
            assert [w.id for w in page.items] == [worker.id]
            assert await uow.workers.exists_with_id_number(worker.id_number)


async def test_sec_06_loaded_workers_equal_the_registered_ones(
    unit_of_work: Callable[[], AnyUnitOfWork], clock: FixedClock
) -> None:
    made = await service.register_worker(registration(), unit_of_work(), clock)
    async with unit_of_work() as uow:
        assert await uow.workers.get(made.id) == made


async def registered_pair(
    unit_of_work: Callable[[], AnyUnitOfWork], clock: FixedClock
) -> tuple[Worker, Worker]:
    first = await service.register_worker(registration(born="19900301"), unit_of_work(), clock)
    second = await service.register_worker(
        registration(born="19900302", bank_card=NEW_CARD), unit_of_work(), clock
    )
    return first, second


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE workers SET bank_card = set_byte(bank_card, length(bank_card) - 1, 0) WHERE id = :id",
        "UPDATE workers SET bank_card = phone WHERE id = :id",
        "UPDATE workers SET bank_card = (SELECT bank_card FROM workers WHERE id = :other) WHERE id = :id",
    ],
    ids=["a byte altered", "moved from another column", "moved from another row"],
)
async def test_sec_06_a_tampered_value_fails_closed_with_an_internal_error(
    unit_of_work: Callable[[], AnyUnitOfWork],
    db: AsyncEngine,
    api: GraphQLClient,
    clock: FixedClock,
    tamper: str,
) -> None:
    """Swapping a payout card in from another worker's row is the attack the row binding stops."""
    victim, attacker = await registered_pair(unit_of_work, clock)
    async with db.begin() as connection:
        await connection.execute(text(tamper), {"id": victim.id, "other": attacker.id})

    with pytest.raises(UnreadableField, match=f"workers.bank_card of {victim.id}"):
        async with unit_of_work() as uow:
            await uow.workers.get(victim.id)
    body = await api.ok("{ workers(first: 10) { nodes { bankCard } } }")
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL_SERVER_ERROR"]
    async with unit_of_work() as uow:
        assert await uow.workers.get(attacker.id) == attacker


async def sealed_key_ids(db: AsyncEngine, cipher: FieldCipher) -> set[str]:
    async with db.connect() as connection:
        return {
            cipher.key_id(value)
            for table in metadata.sorted_tables
            for column in sealed_columns(table)
            for value in (await connection.scalars(select(column))).all()
        }


async def test_sec_06_rotation_re_encrypts_only_what_is_under_old_keys_and_only_once(
    db: AsyncEngine, clock: FixedClock
) -> None:
    under_a = FieldCipher([KEY_A], HASH_KEY)
    rotated = FieldCipher([KEY_B, KEY_A], HASH_KEY)
    made = [
        await service.register_worker(
            registration(born=f"1990030{day}"), unit_of_work_on(db, under_a), clock
        )
        for day in range(1, 6)
    ]
    await service.onboard_enterprise(onboarding(), unit_of_work_on(db, under_a), clock)
    already_b = await service.register_worker(
        registration(born="19900309"), unit_of_work_on(db, rotated), clock
    )
    assert await sealed_key_ids(db, rotated) == {"A", "B"}

    counts = await rotate_pii_keys(db, rotated, batch_size=2)

    assert counts == {"accounts": 0, "enterprises": 1, "workers": 5, "institutions": 0}
    assert await sealed_key_ids(db, rotated) == {"B"}
    only_b = unit_of_work_on(db, FieldCipher([KEY_B], HASH_KEY))
    async with only_b as uow:
        assert await uow.workers.get_many([w.id for w in [*made, already_b]]) == [*made, already_b]
        assert await uow.workers.exists_with_id_number(made[0].id_number)
    assert await rotate_pii_keys(db, rotated, batch_size=2) == dict.fromkeys(counts, 0)


async def test_sec_06_concurrent_rotations_re_encrypt_each_row_once(
    db: AsyncEngine, clock: FixedClock
) -> None:
    under_a = FieldCipher([KEY_A], HASH_KEY)
    for day in range(1, 8):
        await service.register_worker(
            registration(born=f"1990030{day}"), unit_of_work_on(db, under_a), clock
        )
    rotated = FieldCipher([KEY_B, KEY_A], HASH_KEY)
    runs = await asyncio.gather(*(rotate_pii_keys(db, rotated, batch_size=2) for _ in range(3)))
    assert sum(run["workers"] for run in runs) == 7
    assert await sealed_key_ids(db, rotated) == {"B"}
