"""Believable demo data: enterprises, institutions of each kind and a few dozen workers.

Deterministic (the same rows every time) and idempotent (seeding twice adds nothing)."""

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from stdnum import luhn
from stdnum.cn import ric, uscc

from .auth import service as identity
from .auth.commands import OpenAccount
from .auth.ports import IdentityUnitOfWork
from .auth.roles import ENTERPRISE_STAFF, INSTITUTION_STAFF, Role
from .auth.rules import IdentityRules
from .domain.parties import commands, service
from .domain.parties.model import InstitutionKind
from .domain.parties.ports import (
    EnterpriseFilter,
    InstitutionFilter,
    PartiesUnitOfWork,
    WorkerFilter,
)
from .domain.shared.clock import Clock
from .domain.shared.errors import AlreadyExists
from .domain.shared.pagination import PageRequest

log = logging.getLogger(__name__)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "杰",
    "军",
    "强",
    "婷",
    "浩",
    "欣怡",
    "子轩",
    "梓涵",
    "宇航",
    "思远",
    "雨桐",
]
REGIONS = {
    "110105": "北京市朝阳区",
    "310104": "上海市徐汇区",
    "440305": "深圳市南山区",
    "330106": "杭州市西湖区",
    "510107": "成都市武侯区",
    "420106": "武汉市武昌区",
}
STREETS = ["建国路", "漕溪北路", "科技园南路", "文三路", "天府大道", "中南路"]


def credit_code(region: str, serial: int) -> str:
    body = f"91{region}MA{serial:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def id_number(region: str, born: str, serial: int) -> str:
    body = f"{region}{born}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")  # the check digit is computed over 17 digits


def bank_card(bin_: str, serial: int) -> str:
    body = f"{bin_}{serial:012d}"
    return body + luhn.calc_check_digit(body)


@dataclass(frozen=True)
class DemoEnterprise:
    region: str
    name: str
    legal_representative: str
    scope: str
    bank: str


ENTERPRISES = [
    DemoEnterprise(
        "110105", "北京星河即时配送有限公司", "赵建国", "即时配送；普通货运", "中国工商银行"
    ),
    DemoEnterprise(
        "310104", "上海云帆家政服务有限公司", "钱美玲", "家政服务；养老服务", "招商银行"
    ),
    DemoEnterprise(
        "440305", "深圳前海码农软件有限公司", "孙立新", "软件开发；信息技术咨询", "建设银行"
    ),
    DemoEnterprise(
        "330106", "杭州西溪直播电商有限公司", "李晓燕", "互联网直播；电子商务", "农业银行"
    ),
    DemoEnterprise("510107", "成都蓉城会展服务有限公司", "周志强", "会议及展览服务", "中国银行"),
]

INSTITUTIONS = [
    (InstitutionKind.BANK, "中国工商银行北京朝阳支行"),
    (InstitutionKind.BANK, "招商银行上海徐汇支行"),
    (InstitutionKind.BANK, "深圳农村商业银行南山支行"),
    (InstitutionKind.INSURER, "中国人民财产保险股份有限公司杭州市分公司"),
    (InstitutionKind.INSURER, "平安财产保险股份有限公司深圳分公司"),
    (InstitutionKind.GUARANTOR, "北京中关村科技融资担保有限公司"),
    (InstitutionKind.GUARANTOR, "四川省融资再担保有限公司"),
]

WORKER_COUNT = 36


async def _ignore_existing(create: Callable[[], Awaitable[object]]) -> int:
    try:
        await create()
    except AlreadyExists:
        return 0
    return 1


async def seed_demo(unit_of_work: Callable[[], PartiesUnitOfWork], clock: Clock) -> int:
    """Seed the demo parties; returns how many were added."""
    rng = random.Random(20261123)  # noqa: S311 - demo data, not security
    regions = list(REGIONS)
    added = 0
    for serial, demo in enumerate(ENTERPRISES, start=1):
        region = demo.region
        command = commands.OnboardEnterprise(
            credit_code=credit_code(region, serial),
            profile=commands.EnterpriseProfileDetails(
                name=demo.name,
                legal_representative=demo.legal_representative,
                address=f"{REGIONS[region]}{STREETS[serial % len(STREETS)]}{serial * 17}号",
                business_scope=demo.scope,
                phone=f"139{serial:08d}",
            ),
            paying_account=commands.BankAccountDetails(
                bank_name=demo.bank,
                account_number=f"{11000000 + serial * 7919:08d}{serial:010d}",
            ),
        )
        added += await _ignore_existing(
            lambda c=command: service.onboard_enterprise(c, unit_of_work(), clock)  # type: ignore[misc]
        )
    for serial, (kind, name) in enumerate(INSTITUTIONS, start=101):
        region = regions[serial % len(regions)]
        institution = commands.RegisterInstitution(
            kind=kind,
            name=name,
            credit_code=credit_code(region, serial),
            address=f"{REGIONS[region]}{STREETS[serial % len(STREETS)]}{serial}号",
            phone=f"138{serial:08d}",
        )
        added += await _ignore_existing(
            lambda c=institution: service.register_institution(c, unit_of_work(), clock)  # type: ignore[misc]
        )
    for serial in range(1, WORKER_COUNT + 1):
        region = rng.choice(regions)
        born = f"{rng.randint(1990, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        worker = commands.RegisterWorker(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
            id_number=id_number(region, born, serial),
            phone=f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}",
            bank_card=bank_card("622202", serial),
            address=f"{REGIONS[region]}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
        )
        added += await _ignore_existing(
            lambda c=worker: service.register_worker(c, unit_of_work(), clock)  # type: ignore[misc]
        )
    log.info("demo data seeded", extra={"added": added})
    return added


DEMO_PASSWORD = "Kite#Harbor-2026"  # noqa: S105 - documented demo credential
"""The password of every demo account (README: Demo accounts)."""
DEMO_TOTP_SECRET = "FLEXFINDEMOTOTPSECRETFORALLROLES"  # noqa: S105 - documented demo credential
"""The TOTP secret of every demo account: add it to an authenticator app to step up."""


async def _demo_links(uow: PartiesUnitOfWork) -> dict[str, dict[str, UUID]]:
    """The demo enterprise, institutions and worker that staff accounts belong to."""
    enterprise = (await uow.enterprises.page(EnterpriseFilter(), PageRequest(first=1))).items
    worker = (await uow.workers.page(WorkerFilter(), PageRequest(first=1))).items
    links: dict[str, dict[str, UUID]] = {}
    if enterprise:
        links["enterprise"] = {"organisation_id": enterprise[0].id}
    if worker:
        links["worker"] = {"worker_id": worker[0].id}
    for kind in InstitutionKind:
        found = (
            await uow.institutions.page(InstitutionFilter(kind=kind), PageRequest(first=1))
        ).items
        if found:
            links[kind.value] = {"organisation_id": found[0].id}
    return links


def _link_of(role: Role) -> str | None:
    """Which demo organisation (or worker) an account of ``role`` belongs to."""
    if role is Role.WORKER or role in ENTERPRISE_STAFF:
        return "worker" if role is Role.WORKER else "enterprise"
    if role in INSTITUTION_STAFF:
        return role.value.split("_")[0]  # bank, insurer, guarantor
    return None


async def seed_demo_accounts(
    rules: IdentityRules,
    parties: Callable[[], PartiesUnitOfWork],
    unit_of_work: Callable[[], IdentityUnitOfWork],
) -> int:
    """One account per role, login = the role's name (plus ``secadmin2``, so that role grants
    can be approved by a second security administrator)."""
    async with parties() as uow:
        links = await _demo_links(uow)
    added = 0
    people = [(role.value, role) for role in Role if role is not Role.PARTNER]
    for serial, (login, role) in enumerate([*people, ("secadmin2", Role.SECADMIN)], start=1):
        link = _link_of(role)
        try:
            command = OpenAccount(
                login,
                f"Demo {login}",
                DEMO_PASSWORD,
                frozenset({role}),
                phone=f"137{serial:08d}",
                **(links.get(link, {}) if link else {}),
            )
            account = await identity.open_account(command, unit_of_work(), rules)
        except AlreadyExists:
            continue
        async with unit_of_work() as uow:
            enrolled = await uow.accounts.get(account.id, for_update=True)
            assert enrolled is not None
            enrolled.totp_secret = DEMO_TOTP_SECRET
            await uow.accounts.save(enrolled)
            await uow.commit()
        added += 1
    log.info("demo accounts seeded", extra={"added": added})
    return added
