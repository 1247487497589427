"""The audit trail's hash chain (SEC-07, SEC-08): an intact chain verifies, and any change,
removal or reordering of a record is found at the first record it breaks."""

import dataclasses
import hashlib
import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from src.controls.audit import (
    GENESIS_HASH,
    Anchor,
    AuditRecord,
    ChainCheck,
    ChainedRecord,
    Outcome,
    Verification,
    canonical,
    link,
    verify,
)

texts = st.text(max_size=6)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": st.uuids(),
    "occurred_at": st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))]),
    ),
    "operation": texts,
    "outcome": st.sampled_from(Outcome),
    "actor_account_id": st.none() | st.uuids(),
    "client_id": st.none() | texts,
    "roles": st.lists(texts, max_size=3).map(tuple),
    "organisation_id": st.none() | st.uuids(),
    "target_ids": st.lists(texts, max_size=3).map(tuple),
    "ip": st.none() | texts,
    "user_agent": st.none() | texts,
    "request_id": st.none() | texts,
    "detail": st.none() | texts,
}
LINK_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "seq": st.integers(min_value=-1, max_value=2**63 - 1),
    "prev_hash": st.text("0123456789abcdef", min_size=64, max_size=64),
    "hash": st.text("0123456789abcdef", min_size=64, max_size=64),
}
records = st.builds(AuditRecord, **FIELDS)
chains = st.lists(records, min_size=1, max_size=6)


def chain(records: list[AuditRecord]) -> list[ChainedRecord]:
    entries: list[ChainedRecord] = []
    for record in records:
        entries.append(link(record, entries[-1].seq, entries[-1].hash) if entries else link(record))
    return entries


@given(chains)
def test_sec_08_an_intact_chain_verifies_from_genesis(records: list[AuditRecord]) -> None:
    entries = chain(records)
    assert verify(entries) is None
    assert (entries[0].seq, entries[0].prev_hash) == (1, GENESIS_HASH)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(entries))


@given(chains, st.data())
def test_sec_08_a_chain_checked_in_batches_verifies_like_a_whole(
    records: list[AuditRecord], data: st.DataObject
) -> None:
    entries = chain(records)
    cut = data.draw(st.integers(0, len(entries)))
    check = ChainCheck()
    assert verify(entries[:cut], check) is None
    assert verify(entries[cut:], check) is None
    assert check.intact == len(entries)


@given(chains, st.data())
def test_sec_08_any_single_field_change_anywhere_is_found_at_that_record(
    records: list[AuditRecord], data: st.DataObject
) -> None:
    entries = chain(records)
    at = data.draw(st.integers(0, len(entries) - 1), label="at")
    entry = entries[at]
    name = data.draw(st.sampled_from([*FIELDS, *LINK_FIELDS]), label="field")
    if name in FIELDS:
        old = getattr(entry.record, name)
        new = data.draw(FIELDS[name].filter(lambda value: value != old), label="new value")
        changed = dataclasses.replace(
            entry, record=dataclasses.replace(entry.record, **{name: new})
        )
    else:
        old = getattr(entry, name)
        new = data.draw(LINK_FIELDS[name].filter(lambda value: value != old), label="new value")
        changed = dataclasses.replace(entry, **{name: new})
    entries[at] = changed
    assert verify(entries) == changed.seq


@given(st.lists(records, min_size=2, max_size=6), st.data())
def test_sec_08_removing_a_record_is_found_at_the_one_after_it(
    records: list[AuditRecord], data: st.DataObject
) -> None:
    entries = chain(records)
    removed = data.draw(st.integers(0, len(entries) - 2))
    del entries[removed]
    assert verify(entries) == entries[removed].seq


@given(st.lists(records, min_size=2, max_size=6), st.data())
def test_sec_08_reordering_records_is_found_where_the_order_first_differs(
    records: list[AuditRecord], data: st.DataObject
) -> None:
    entries = chain(records)
    first = data.draw(st.integers(0, len(entries) - 2))
    second = data.draw(st.integers(first + 1, len(entries) - 1))
    entries[first], entries[second] = entries[second], entries[first]
    assert verify(entries) == entries[first].seq


def _checked(entries: list[ChainedRecord], anchor: Anchor | None = None) -> Verification:
    check = ChainCheck(anchor)
    return check.verification(verify(entries, check))


@given(st.lists(records, min_size=2, max_size=6), st.data())
def test_sec_08_a_chain_cut_short_is_found_only_against_an_anchor(
    records: list[AuditRecord], data: st.DataObject
) -> None:
    """The known limit of a hash chain: dropping the newest records leaves a valid chain. An
    anchor kept from an earlier check (``audit-verify`` prints it) finds the cut."""
    entries = chain(records)
    anchor = _checked(entries).head
    assert anchor == Anchor(len(entries), entries[-1].hash)
    kept = data.draw(st.integers(0, len(entries) - 1))
    assert verify(entries[:kept]) is None
    assert _checked(entries[:kept], anchor) == Verification(
        kept, kept + 1, _checked(entries[:kept]).head
    )


@given(st.lists(records, min_size=1, max_size=6), st.data())
def test_sec_08_a_chain_rewritten_from_scratch_is_found_against_an_anchor(
    records: list[AuditRecord], data: st.DataObject
) -> None:
    entries = chain(records)
    anchor = _checked(entries).head
    at = data.draw(st.integers(0, len(entries) - 1))
    forged = [*records]
    forged[at] = dataclasses.replace(records[at], detail="rewritten")
    assume(forged[at] != records[at])
    rewritten = chain(forged)
    assert verify(rewritten) is None
    assert _checked(rewritten, anchor).broken_at == len(entries)


def test_an_anchor_reads_as_audit_verify_prints_it() -> None:
    anchor = Anchor(7, "ab" * 32)
    assert Anchor.parse(str(anchor)) == anchor
    assert Anchor.parse("7:" + "AB" * 32) == anchor
    for bad in ("7", "x:" + "ab" * 32, "7:abc", ""):
        with pytest.raises(ValueError, match="SEQ:HASH"):
            Anchor.parse(bad)


def test_the_hash_covers_the_canonical_encoding_pinned_here() -> None:
    """Changing the encoding would break every stored chain: this pins it."""
    record = AuditRecord(
        id=UUID("01890a5d-ac96-774b-bcce-b302099a8057"),
        occurred_at=datetime(2026, 11, 23, 17, 30, 0, 5, tzinfo=timezone(timedelta(hours=8))),
        operation="registerWorker",
        outcome=Outcome.FAILED,
        actor_account_id=UUID("01890a5d-ac96-774b-bcce-b302099a8058"),
        roles=("enterprise_admin",),
        target_ids=("01890a5d-ac96-774b-bcce-b302099a8059",),
        ip="127.0.0.1",
        user_agent="王芳's phone",
        request_id="req-1",
        detail="INVALID_PHONE",
    )
    encoded = canonical(1, record, GENESIS_HASH)
    assert (
        encoded
        == (
            '{"actor_account_id":"01890a5d-ac96-774b-bcce-b302099a8058","client_id":null,'
            '"detail":"INVALID_PHONE","id":"01890a5d-ac96-774b-bcce-b302099a8057",'
            '"ip":"127.0.0.1","occurred_at":"2026-11-23T09:30:00.000005+00:00",'
            '"operation":"registerWorker","organisation_id":null,"outcome":"failed",'
            f'"prev_hash":"{GENESIS_HASH}","request_id":"req-1","roles":["enterprise_admin"],'
            '"seq":1,"target_ids":["01890a5d-ac96-774b-bcce-b302099a8059"],'
            '"user_agent":"\\u738b\\u82b3\'s phone"}'
        ).encode()
    )
    assert link(record).hash == hashlib.sha256(encoded).hexdigest()


@given(FIELDS["occurred_at"])
def test_the_same_instant_in_any_time_zone_hashes_the_same(moment: datetime) -> None:
    record = AuditRecord(UUID(int=1), moment, "x", Outcome.OK)
    in_utc = dataclasses.replace(record, occurred_at=moment.astimezone(UTC))
    assert link(record).hash == link(in_utc).hash


def test_a_record_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="time zone"):
        AuditRecord(UUID(int=1), datetime(2026, 1, 1), "x", Outcome.OK)


def test_verification_messages_name_the_count_and_anchor_or_the_break() -> None:
    assert Verification(0, None).message == "audit trail intact: 0 records"
    assert Verification(3, None, Anchor(3, "ab" * 32)).message == (
        f"audit trail intact: 3 records; anchor 3:{'ab' * 32}"
    )
    assert Verification(4, 5).message == "audit trail broken at seq 5 (4 intact before it)"
