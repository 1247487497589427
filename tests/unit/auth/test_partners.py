"""Partner clients' rules (SEC-10): the IP allow-list, how a request names a trusted document,
and the secret check."""

from datetime import UTC, datetime
from ipaddress import IPv4Address, IPv4Network, IPv6Address, ip_network
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from src.auth.partners import (
    DocumentReference,
    PartnerClient,
    hash_secret,
    secret_matches,
)
from src.auth.roles import Role


def client(*networks: str) -> PartnerClient:
    return PartnerClient(
        client_id="bank",
        name="bank",
        institution_id=uuid4(),
        secret_hash="unused",
        ip_allowlist=tuple(ip_network(n) for n in networks),
    )


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32), st.ip_addresses(v=4))
def test_sec_10_an_ipv4_address_is_admitted_exactly_when_a_listed_network_holds_it(
    base: IPv4Address, prefix: int, address: IPv4Address
) -> None:
    network = IPv4Network((base, prefix), strict=False)
    partner = client(str(network))
    assert partner.admits(str(address)) == (address in network)
    mapped = IPv6Address(f"::ffff:{address}")
    assert partner.admits(str(mapped)) == (address in network)


@given(st.ip_addresses(v=6))
def test_sec_10_an_ipv6_address_needs_an_ipv6_network(address: IPv6Address) -> None:
    if address.ipv4_mapped is None:
        assert not client("0.0.0.0/0").admits(str(address))
        assert client("::/0").admits(str(address))


@given(st.text(max_size=40))
def test_sec_10_what_is_not_an_address_is_never_admitted(text: str) -> None:
    try:
        ip_network(text)
    except ValueError:
        assert not client("0.0.0.0/0", "::/0").admits(text)


def test_sec_10_no_address_and_an_empty_list_admit_nothing() -> None:
    assert not client("0.0.0.0/0").admits(None)
    assert not client().admits("203.0.113.9")


def test_card_4_document_id_wins_and_may_name_a_hash() -> None:
    sha = "a" * 64
    assert DocumentReference.of("loans.v1", sha) == DocumentReference(document_id="loans.v1")
    assert DocumentReference.of(f"sha256:{sha}", None) == DocumentReference(sha256=sha)
    assert DocumentReference.of(None, sha) == DocumentReference(sha256=sha)
    assert DocumentReference.of(None, None) == DocumentReference()


def test_sec_10_secrets_are_hashed_with_argon2id_and_unknown_clients_never_match() -> None:
    hashed = hash_secret("s3cret-value")
    assert hashed.startswith("$argon2id$")
    assert secret_matches(hashed, "s3cret-value")
    assert not secret_matches(hashed, "s3cret-valuE")
    assert not secret_matches(None, "no client has this secret")
    assert not secret_matches("not a hash", "anything")


def test_sec_10_a_partner_token_speaks_for_the_bank_with_the_partner_role() -> None:
    partner = client("10.0.0.0/8")
    now = datetime(2026, 11, 30, tzinfo=UTC)
    principal = partner.principal(now)
    assert principal.client_id == "bank"
    assert principal.roles == {Role.PARTNER}
    assert principal.organisation_id == partner.institution_id
    assert principal.auth_time == now
    assert principal.key == "client:bank"
