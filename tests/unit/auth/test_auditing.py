"""The audit scope turns one operation's outcome into its record (SEC-07): who, with which
roles and organisation, from where, what it touched, and how it ended."""

from uuid import UUID

import pytest

from src.auth.access import Forbidden
from src.auth.principal import Principal
from src.auth.roles import Role
from src.auth.tokens import Unauthenticated
from src.controls.audit import AuditScope, Origin, Outcome
from src.domain.parties.model import EnterpriseClosed
from src.domain.shared.errors import DomainError
from tests.conftest import FixedClock

ACCOUNT = UUID("01890a5d-ac96-774b-bcce-b302099a8057")
ORGANISATION = UUID("01890a5d-ac96-774b-bcce-b302099a8058")
FIRST, SECOND = UUID(int=1), UUID(int=2)


class StepUpRequired(DomainError):
    """Any error with a denial code is a denial, whichever class raised it."""

    code = "STEP_UP_REQUIRED"


def a_scope() -> AuditScope:
    principal = Principal(
        account_id=ACCOUNT,
        roles=frozenset({Role.ENTERPRISE_OPERATOR, Role.ENTERPRISE_ADMIN}),
        organisation_id=ORGANISATION,
    )
    return AuditScope(
        "closeEnterprise", principal, Origin("10.0.0.7", "curl/8", "req-1"), FixedClock()
    )


def test_sec_07_a_commit_records_who_what_where_and_the_ids_it_touched() -> None:
    scope = a_scope()
    record = scope.committed({SECOND, FIRST})
    assert record is not None
    assert record.operation == "closeEnterprise"
    assert record.outcome is Outcome.OK
    assert record.detail is None
    assert record.actor_account_id == ACCOUNT
    assert record.roles == ("enterprise_admin", "enterprise_operator")
    assert record.organisation_id == ORGANISATION
    assert record.target_ids == (str(FIRST), str(SECOND))
    assert (record.ip, record.user_agent, record.request_id) == ("10.0.0.7", "curl/8", "req-1")
    assert record.occurred_at == FixedClock().now()


def test_sec_07_an_operation_that_committed_needs_no_second_ok_record() -> None:
    scope = a_scope()
    scope.committed({FIRST})
    assert scope.succeeded() is None


def test_sec_07_an_operation_that_committed_nothing_is_recorded_ok_with_what_it_saw() -> None:
    scope = a_scope()
    scope.saw({FIRST})
    record = scope.succeeded()
    assert record is not None
    assert (record.outcome, record.target_ids) == (Outcome.OK, (str(FIRST),))


@pytest.mark.parametrize(
    ("error", "outcome", "detail"),
    [
        (Forbidden(), Outcome.DENIED, "FORBIDDEN"),
        (Unauthenticated(), Outcome.DENIED, "UNAUTHENTICATED"),
        (StepUpRequired(), Outcome.DENIED, "STEP_UP_REQUIRED"),
        (EnterpriseClosed(), Outcome.FAILED, "ENTERPRISE_CLOSED"),
        (RuntimeError("boom"), Outcome.FAILED, "INTERNAL_SERVER_ERROR"),
    ],
)
def test_sec_07_a_failure_is_recorded_denied_or_failed_with_its_code(
    error: Exception, outcome: Outcome, detail: str
) -> None:
    scope = a_scope()
    scope.saw({FIRST})
    record = scope.failed(error)
    assert (record.outcome, record.detail, record.target_ids) == (outcome, detail, (str(FIRST),))
