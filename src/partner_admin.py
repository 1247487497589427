"""Operator tasks for partner banks (CARD-4, SEC-10): register trusted documents, partner
clients and grants (``flexfin trusted-document …``, ``flexfin partner-client …``), and the
demo partner the demo seed adds."""

import argparse
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_network
from uuid import UUID

from graphql import GraphQLError, parse, validate

from .auth.partners import (
    SHA256_PREFIX,
    PartnerClient,
    PartnerRegistry,
    TrustedDocument,
    hash_secret,
)
from .domain.parties.model import InstitutionId, InstitutionKind
from .domain.parties.ports import InstitutionFilter, PartiesUnitOfWork
from .domain.shared.errors import AlreadyExists, DomainError, InvalidInput, NotFound
from .domain.shared.pagination import PageRequest
from .graphql.schema import build_schema, graphql_core_schema
from .graphql.schema.relay import parse_global_id

_DOCUMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_CLIENT_ID = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")


def _check_document(text: str) -> None:
    """Only documents that run against today's schema are registered."""
    try:
        errors = validate(graphql_core_schema(build_schema()), parse(text))
    except GraphQLError as error:
        errors = [error]
    if errors:
        problems = "; ".join(error.message for error in errors)
        raise InvalidInput(f"the document does not validate: {problems}", field="document")


async def add_trusted_document(registry: PartnerRegistry, document: TrustedDocument) -> None:
    if not _DOCUMENT_ID.fullmatch(document.id) or document.id.startswith(SHA256_PREFIX):
        raise InvalidInput("an id is 1–100 of A–Z a–z 0–9 . _ : - (not sha256:…)", field="id")
    _check_document(document.document)
    if not await registry.add_document(document):
        raise AlreadyExists("a trusted document with this id or this text exists", field="id")


@dataclass(frozen=True, slots=True)
class NewPartnerClient:
    client_id: str
    name: str
    institution_id: UUID
    ip_allowlist: list[str]
    document_ids: list[str]
    secret: str | None = None
    """None: a random secret is made (and returned once)."""


async def add_partner_client(
    registry: PartnerRegistry, unit_of_work: Callable[[], PartiesUnitOfWork], new: NewPartnerClient
) -> str:
    """Register the client and grant it its documents; returns the client secret."""
    if not _CLIENT_ID.fullmatch(new.client_id):
        raise InvalidInput("a client id is 3–64 of a–z 0–9 . _ -", field="client_id")
    try:
        networks = tuple(ip_network(entry.strip()) for entry in new.ip_allowlist)
    except ValueError as error:
        raise InvalidInput(str(error), field="ip_allowlist") from None
    if not networks:
        raise InvalidInput("a partner client needs an allowed network", field="ip_allowlist")
    async with unit_of_work() as uow:
        institution = await uow.institutions.get(InstitutionId(new.institution_id))
    if institution is None or institution.kind is not InstitutionKind.BANK:
        raise NotFound("no bank with this id", field="institution_id")
    secret = new.secret or secrets.token_urlsafe(32)
    client = PartnerClient(
        client_id=new.client_id,
        name=new.name,
        institution_id=new.institution_id,
        secret_hash=hash_secret(secret),
        ip_allowlist=networks,
    )
    if not await registry.add_client(client):
        raise AlreadyExists("a partner client with this id exists", field="client_id")
    await registry.grant(new.client_id, new.document_ids)
    return secret


DEMO_BANK = "中国工商银行北京朝阳支行"
DEMO_CLIENT_ID = "demo-bank"
DEMO_CLIENT_SECRET = "demo-partner-secret-not-for-production"  # noqa: S105 - documented demo
DEMO_DOCUMENT = TrustedDocument(
    id="demo.enterprises.v1",
    description="The enterprises on the platform, a page at a time (demo partner bank)",
    document="""query PartnerEnterprises($first: Int = 20, $after: String) {
  enterprises(first: $first, after: $after) {
    nodes { id name creditCode status }
    pageInfo { hasNextPage endCursor }
  }
}""",
)


async def seed_demo_partner(
    registry: PartnerRegistry, unit_of_work: Callable[[], PartiesUnitOfWork]
) -> int:
    """The demo partner bank (calling from this machine) and its one trusted document;
    idempotent. Returns how many records were added."""
    async with unit_of_work() as uow:
        banks = await uow.institutions.page(
            InstitutionFilter(name_contains=DEMO_BANK, kind=InstitutionKind.BANK),
            PageRequest(first=1),
        )
    if not banks.items:
        return 0
    added = int(await registry.add_document(DEMO_DOCUMENT))
    if await registry.client(DEMO_CLIENT_ID) is None:
        await add_partner_client(
            registry,
            unit_of_work,
            NewPartnerClient(
                client_id=DEMO_CLIENT_ID,
                name=f"{DEMO_BANK}（演示）",
                institution_id=banks.items[0].id,
                ip_allowlist=["127.0.0.0/8", "::1/128"],
                document_ids=[DEMO_DOCUMENT.id],
                secret=DEMO_CLIENT_SECRET,
            ),
        )
        added += 1
    return added


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    documents = commands.add_parser("trusted-document", help="trusted documents for partners")
    document_actions = documents.add_subparsers(dest="action", required=True)
    add = document_actions.add_parser("add", help="register a GraphQL document partners may run")
    add.add_argument("id", help="the documentId partners will send, e.g. loans.list.v1")
    add.add_argument("file", type=argparse.FileType(encoding="utf-8"), help="the document")
    add.add_argument("--description", required=True)

    clients = commands.add_parser("partner-client", help="partner banks' OAuth clients")
    client_actions = clients.add_subparsers(dest="action", required=True)
    add = client_actions.add_parser("add", help="register a client; prints its secret once")
    add.add_argument("client_id")
    add.add_argument("--name", required=True)
    add.add_argument("--institution", required=True, help="the bank's Institution id (API)")
    add.add_argument("--allow", action="append", required=True, help="an IP or CIDR; repeat")
    add.add_argument("--document", action="append", default=[], help="a documentId; repeat")
    grant = client_actions.add_parser("grant", help="let a client run more trusted documents")
    grant.add_argument("client_id")
    grant.add_argument("--document", action="append", required=True, help="repeatable")


async def run_command(
    args: argparse.Namespace,
    registry: PartnerRegistry,
    unit_of_work: Callable[[], PartiesUnitOfWork],
) -> int:
    """Runs a ``trusted-document`` or ``partner-client`` command; 1 when it was refused."""
    try:
        if args.command == "trusted-document":
            text = args.file.read()
            await add_trusted_document(registry, TrustedDocument(args.id, text, args.description))
            print(f"registered trusted document {args.id}")
        elif args.action == "grant":
            await registry.grant(args.client_id, args.document)
            print(f"granted {', '.join(args.document)} to {args.client_id}")
        else:
            _, institution_id = parse_global_id(args.institution, "Institution")
            new = NewPartnerClient(
                args.client_id, args.name, institution_id, args.allow, args.document
            )
            secret = await add_partner_client(registry, unit_of_work, new)
            print(f"client_id:     {args.client_id}\nclient_secret: {secret}  (shown only once)")
    except DomainError as error:
        print(f"refused: {error.message}")
        return 1
    return 0
