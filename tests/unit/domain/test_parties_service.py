"""Use cases of the parties module, on in-memory fakes (PARTY-01, PARTY-03, PARTY-05)."""

from datetime import UTC, datetime

import pytest
from stdnum.cn import ric

from src.domain.parties import commands, service
from src.domain.parties.model import EnterpriseStatus, InstitutionKind
from src.domain.shared.errors import DomainError
from tests.conftest import FixedClock
from tests.unit.fakes import FakeDatabase

CREDIT_CODE = "91110000600037341L"


def onboarding(**changes: str) -> commands.OnboardEnterprise:
    profile = {
        "name": "北京星河即时配送有限公司",
        "legal_representative": "赵建国",
        "address": "北京市朝阳区建国路1号",
        "business_scope": "即时配送服务",
        "phone": "13900000001",
    }
    profile.update({k: v for k, v in changes.items() if k in profile})
    return commands.OnboardEnterprise(
        credit_code=changes.get("credit_code", CREDIT_CODE),
        profile=commands.EnterpriseProfileDetails(**profile),
        paying_account=commands.BankAccountDetails(
            bank_name=changes.get("bank_name", "中国工商银行"),
            account_number=changes.get("account_number", "0200001234567890"),
        ),
    )


def registration(born: str = "19900307", **changes: str) -> commands.RegisterWorker:
    body = f"110105{born}001"
    fields = {
        "name": "王芳",
        "id_number": body + ric.calc_check_digit(body + "0"),
        "phone": "13812345678",
        "bank_card": "6222021234567890128",
        "address": "北京市朝阳区建国路2号",
    }
    fields.update(changes)
    return commands.RegisterWorker(**fields)


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase()


async def test_party_01_onboarding_keeps_the_profile_and_account(
    database: FakeDatabase, clock: FixedClock
) -> None:
    enterprise = await service.onboard_enterprise(onboarding(), database.unit_of_work(), clock)
    assert enterprise.status is EnterpriseStatus.ACTIVE
    assert enterprise.onboarded_at == clock.now()
    assert database.tables["enterprises"][enterprise.id].profile.name == "北京星河即时配送有限公司"


async def test_party_01_one_enterprise_per_credit_code(
    database: FakeDatabase, clock: FixedClock
) -> None:
    await service.onboard_enterprise(onboarding(), database.unit_of_work(), clock)
    with pytest.raises(DomainError) as caught:
        await service.onboard_enterprise(onboarding(), database.unit_of_work(), clock)
    assert (caught.value.code, caught.value.field) == (
        "ENTERPRISE_ALREADY_ONBOARDED",
        "credit_code",
    )
    assert len(database.tables["enterprises"]) == 1


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"credit_code": "91110000600037341X"}, "INVALID_CREDIT_CODE", "credit_code"),
        ({"phone": "12345"}, "INVALID_PHONE", "profile.phone"),
        ({"name": "  "}, "INVALID_INPUT", "profile.name"),
        ({"account_number": "12"}, "INVALID_BANK_ACCOUNT", "paying_account.account_number"),
    ],
)
async def test_bad_onboarding_input_names_its_field_and_writes_nothing(
    database: FakeDatabase, clock: FixedClock, change: dict[str, str], code: str, field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        await service.onboard_enterprise(onboarding(**change), database.unit_of_work(), clock)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert database.commits == 0


async def test_party_01_a_closed_account_cannot_be_changed_or_closed_again(
    database: FakeDatabase, clock: FixedClock
) -> None:
    enterprise = await service.onboard_enterprise(onboarding(), database.unit_of_work(), clock)
    closed = await service.close_enterprise(
        enterprise.id, commands.CloseEnterprise("业务终止"), database.unit_of_work(), clock
    )
    assert (closed.status, closed.closed_at) == (EnterpriseStatus.CLOSED, clock.now())
    with pytest.raises(DomainError) as changing:
        await service.change_enterprise_paying_account(
            enterprise.id,
            commands.ChangeEnterprisePayingAccount(
                commands.BankAccountDetails("招商银行", "1100791900001")
            ),
            database.unit_of_work(),
        )
    assert changing.value.code == "ENTERPRISE_CLOSED"
    with pytest.raises(DomainError) as closing:
        await service.close_enterprise(
            enterprise.id, commands.CloseEnterprise("再次"), database.unit_of_work(), clock
        )
    assert closing.value.code == "ENTERPRISE_CLOSED"


async def test_party_01_account_change_replaces_the_paying_account(
    database: FakeDatabase, clock: FixedClock
) -> None:
    enterprise = await service.onboard_enterprise(onboarding(), database.unit_of_work(), clock)
    await service.change_enterprise_paying_account(
        enterprise.id,
        commands.ChangeEnterprisePayingAccount(
            commands.BankAccountDetails("招商银行", "1100 7919 0000 1")
        ),
        database.unit_of_work(),
    )
    stored = database.tables["enterprises"][enterprise.id]
    assert (stored.paying_account.bank_name, stored.paying_account.account_number) == (
        "招商银行",
        "1100791900001",
    )


async def test_changing_an_unknown_enterprise_is_not_found(
    database: FakeDatabase, clock: FixedClock
) -> None:
    from src.domain.parties.model import EnterpriseId
    from src.domain.shared.ids import new_id

    with pytest.raises(DomainError) as caught:
        await service.close_enterprise(
            EnterpriseId(new_id()), commands.CloseEnterprise("x"), database.unit_of_work(), clock
        )
    assert (caught.value.code, caught.value.field) == ("NOT_FOUND", "id")


async def test_party_03_registration_and_one_worker_per_id_number(
    database: FakeDatabase, clock: FixedClock
) -> None:
    worker = await service.register_worker(registration(), database.unit_of_work(), clock)
    assert worker.id_number.masked() == "110105********" + worker.id_number.value[-4:]
    with pytest.raises(DomainError) as caught:
        await service.register_worker(registration(), database.unit_of_work(), clock)
    assert (caught.value.code, caught.value.field) == ("WORKER_ALREADY_REGISTERED", "id_number")


async def test_a_worker_must_be_16_on_the_day_of_registration(database: FakeDatabase) -> None:
    """Labour Law art. 15: nobody under 16 may be engaged."""
    day = FixedClock(datetime(2026, 3, 7, tzinfo=UTC))
    with pytest.raises(DomainError) as caught:
        await service.register_worker(registration(born="20100308"), database.unit_of_work(), day)
    assert (caught.value.code, caught.value.field) == ("WORKER_UNDERAGE", "id_number")
    worker = await service.register_worker(
        registration(born="20100307"), database.unit_of_work(), day
    )
    assert worker.id_number.age_on(day.now().date()) == 16


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("99010519900307001", "province"),
        ("11010519900230001", "not a real date"),
        ("11010520261124001", "in the future"),
    ],
)
async def test_party_03_an_impossible_id_number_is_refused_naming_the_field(
    database: FakeDatabase, clock: FixedClock, body: str, why: str
) -> None:
    """Right check digits all; a future birth date is an invalid number, not an underage
    worker."""
    number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(DomainError, match=why) as caught:
        await service.register_worker(
            registration(id_number=number), database.unit_of_work(), clock
        )
    assert (caught.value.code, caught.value.field) == ("INVALID_ID_NUMBER", "id_number")
    assert database.commits == 0


async def test_party_03_a_full_width_id_number_is_registered_in_ascii(
    database: FakeDatabase, clock: FixedClock
) -> None:
    ascii_number = registration().id_number
    full_width = ascii_number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    worker = await service.register_worker(
        registration(id_number=full_width), database.unit_of_work(), clock
    )
    assert worker.id_number.value == ascii_number


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"id_number": "110105199003070018"}, "INVALID_ID_NUMBER", "id_number"),
        ({"bank_card": "6222021234567890127"}, "INVALID_BANK_CARD", "bank_card"),
        ({"phone": "1381234567"}, "INVALID_PHONE", "phone"),
    ],
)
async def test_bad_registration_input_names_its_field(
    database: FakeDatabase, clock: FixedClock, change: dict[str, str], code: str, field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        await service.register_worker(registration(**change), database.unit_of_work(), clock)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert database.commits == 0


async def test_party_05_institutions_of_each_kind_register_once(
    database: FakeDatabase, clock: FixedClock
) -> None:
    for kind in InstitutionKind:
        command = commands.RegisterInstitution(
            kind=kind,
            name=f"{kind.value} institution",
            credit_code={"bank": CREDIT_CODE, "insurer": "91310000132149237G"}.get(
                kind.value, "91440300192317458F"
            ),
            address="上海市徐汇区漕溪北路1号",
            phone="13800000000",
        )
        institution = await service.register_institution(command, database.unit_of_work(), clock)
        assert institution.kind is kind
        with pytest.raises(DomainError) as caught:
            await service.register_institution(command, database.unit_of_work(), clock)
        assert caught.value.code == "INSTITUTION_ALREADY_REGISTERED"
