"""What the identity use cases are configured with: built once, in the composition root."""

from dataclasses import dataclass
from datetime import timedelta

from ..domain.shared.clock import Clock
from ..domain.shared.wiring import Port
from .challenges import Challenges
from .lockout import LockoutPolicy
from .passwords import Passwords
from .tokens import AccessTokens


@dataclass(frozen=True, slots=True)
class IdentityRules:
    passwords: Passwords
    tokens: AccessTokens
    challenges: Challenges
    clock: Clock
    account_lockout: LockoutPolicy
    """Failed sign-ins on one login name (SEC-02, SEC-03), and failed step-up proofs."""
    ip_lockout: LockoutPolicy
    """Failed sign-ins from one source address."""
    session_lifetime: timedelta = timedelta(days=14)


IDENTITY_RULES: Port[IdentityRules] = Port("identity rules")
