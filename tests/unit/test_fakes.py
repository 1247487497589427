"""The fakes keep the unit-of-work rule the real adapter keeps: no commit, no change."""

from src.domain.parties.identifiers import BankAccount, CreditCode, Phone
from src.domain.parties.model import Enterprise, EnterpriseProfile
from tests.conftest import FixedClock
from tests.unit.fakes import FakeDatabase


def an_enterprise() -> Enterprise:
    profile = EnterpriseProfile(
        "某公司", "张三", "北京市朝阳区建国路1号", "软件开发", Phone("13800000000")
    )
    return Enterprise.onboard(
        CreditCode("91110000600037341L"),
        profile,
        BankAccount("招商银行", "110079190000"),
        FixedClock().now(),
    )


async def test_without_commit_nothing_is_kept() -> None:
    database = FakeDatabase()
    async with database.unit_of_work() as uow:
        await uow.enterprises.add(an_enterprise())
    assert database.tables["enterprises"] == {}


async def test_after_commit_the_next_unit_of_work_sees_the_change() -> None:
    database = FakeDatabase()
    enterprise = an_enterprise()
    async with database.unit_of_work() as uow:
        await uow.enterprises.add(enterprise)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.enterprises.exists_with_credit_code(enterprise.credit_code)
        assert (await uow.enterprises.get(enterprise.id)) == enterprise
