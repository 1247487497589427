"""Anti-automation and lockout (SEC-02, SEC-03): a guard counts consecutive failures for one
key — a login name, or a source IP — within a window. After ``challenge_after`` failures the
next attempt must carry a solved challenge; at ``max_failures`` the key locks, for a period
that doubles with each lockout up to ``max_lock``. Unknown login names are guarded exactly like
known ones, so the guard itself reveals nothing."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    base_lock: timedelta = timedelta(minutes=15)
    max_lock: timedelta = timedelta(hours=24)
    challenge_after: int | None = 2


@dataclass(slots=True)
class Guard:
    key: str
    failures: int = 0
    window_started_at: datetime | None = None
    locked_until: datetime | None = None
    lockouts: int = 0

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def needs_challenge(self, policy: LockoutPolicy, now: datetime) -> bool:
        return (
            policy.challenge_after is not None
            and self._window_open(policy, now)
            and self.failures >= policy.challenge_after
        )

    def _window_open(self, policy: LockoutPolicy, now: datetime) -> bool:
        return self.window_started_at is not None and now - self.window_started_at < policy.window

    def record_failure(self, policy: LockoutPolicy, now: datetime) -> bool:
        """Count a failure; True when this failure locks the key."""
        if not self._window_open(policy, now):
            self.failures, self.window_started_at = 0, now
        self.failures += 1
        if self.failures < policy.max_failures:
            return False
        lock = min(policy.base_lock * (2**self.lockouts), policy.max_lock)
        self.locked_until = now + lock
        self.lockouts += 1
        self.failures, self.window_started_at = 0, None
        return True

    def record_success(self) -> None:
        self.failures, self.window_started_at, self.locked_until = 0, None, None

    def unlock(self) -> None:
        self.record_success()
