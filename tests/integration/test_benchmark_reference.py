"""The benchmark's reference server (benchmarks/reference.py) answers each compared request
with the same data as Flexfin, so that ``make bench`` compares like with like."""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.cases import CASES
from benchmarks.database import top_up
from benchmarks.reference import create_app as create_reference
from src.adapters.postgres.partners import PostgresPartnerRegistry
from src.auth.roles import Role
from src.demo import seed_demo
from src.partner_admin import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, seed_demo_partner
from src.settings import Settings
from tests.conftest import AnyUnitOfWork, FixedClock, SignIn, database_on
from tests.in_process import GraphQLClient, in_process


async def test_the_reference_answers_the_benchmarked_requests_with_flexfins_data(
    app_client: GraphQLClient,
    db: AsyncEngine,
    database_url: str,
    unit_of_work: Callable[[], AnyUnitOfWork],
    sign_in: SignIn,
    clock: FixedClock,
) -> None:
    await seed_demo(unit_of_work, clock)
    await seed_demo_partner(PostgresPartnerRegistry(database_on(db)), unit_of_work)
    await top_up(database_url, Settings(), enterprises=25, workers=40)
    token = await app_client.post(
        "https://testserver/oauth/token",
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        data={"grant_type": "client_credentials"},
    )
    headers = {
        "partner": {"Authorization": f"Bearer {token.json()['access_token']}"},
        "operator": await sign_in(Role.OPERATOR),
    }
    reference_app = create_reference(Settings(database_url=database_url, db_pool_size=1))
    async with in_process(reference_app, "127.0.0.1") as [reference]:
        for case in CASES:
            ours = await app_client.post(  # the very body the benchmark sends
                "/graphql", json=case.graphql_body(), headers=headers[case.caller]
            )
            theirs = await reference.get(case.reference_path)
            assert "errors" not in ours.json(), case.key
            assert ours.json()["data"] == theirs.json()["data"], case.key
