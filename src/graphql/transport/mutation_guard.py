"""Idempotency keys and second confirmation on mutation requests (SEC-04, ORD-03; ADR 0016).

The endpoint hands every mutation request to ``MutationGuard.run`` with a way to execute it.
The guard decides, before anything runs:

- ``extensions.preview: true`` → execute with commits suppressed and answer the would-be
  ``data`` plus ``extensions.confirmation`` (token, expiry, effects, risks);
- a mutation in ``IDEMPOTENT_MUTATIONS`` → demand an ``Idempotency-Key`` header, then claim
  the key, or replay the stored answer, or refuse;
- a mutation in ``CONFIRMATION_RISKS`` → demand a valid, unused confirmation token.
"""

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode, print_ast
from starlette.requests import Request

from ...auth.policy import CONFIRMATION_RISKS, IDEMPOTENT_MUTATIONS
from ...auth.principal import Principal
from ...controls.confirmation import (
    ConfirmationInvalid,
    ConfirmationRequired,
    ConfirmationTokens,
    ConfirmationUses,
    PreviewNotAvailable,
    confirm,
)
from ...controls.idempotency import (
    Fingerprints,
    Idempotency,
    IdempotencyInProgress,
    IdempotencyKeyInvalid,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    IdempotentMutationNotAlone,
    StoredResponse,
    checked_key,
    scope_of,
)
from ...domain.shared.clock import Clock
from ...domain.shared.errors import DomainError
from ...domain.shared.text import LONE_SURROGATE
from .operations import root_fields

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RETRY_AFTER_SECONDS = 1


class PreviewFlagInvalid(DomainError):
    code = "BAD_REQUEST"
    default_message = "extensions.preview must be true or false"


REFUSAL_STATUS: Mapping[type[DomainError], int] = {
    PreviewFlagInvalid: 400,
    PreviewNotAvailable: 400,
    IdempotencyKeyInvalid: 400,
    IdempotencyKeyRequired: 400,
    IdempotentMutationNotAlone: 400,
    IdempotencyKeyReused: 422,
    IdempotencyInProgress: 409,
    ConfirmationRequired: 428,
    ConfirmationInvalid: 403,
}


def encode(body: dict[str, Any]) -> str:
    """A response body as the endpoint sends it (and an idempotency record replays it).
    Chinese stays as it is; a lone surrogate a message echoes (``Unknown operation named
    '\\ud800'``) becomes its JSON escape, since UTF-8 cannot carry it (issue 6)."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


@dataclass(slots=True)
class Answer:
    """A GraphQL response before it becomes an HTTP response."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


Run = Callable[[bool], Awaitable[Answer]]
"""Executes the request; the flag asks for a dry run (every unit of work rolls back)."""


class Params(Protocol):
    @property
    def operation_name(self) -> str | None: ...
    @property
    def variables(self) -> dict[str, Any] | None: ...
    @property
    def extensions(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class MutationRequest:
    fields: frozenset[str]
    """The root mutation fields selected (``Mutation.closeEnterprise`` …)."""
    scope: str
    """Whose idempotency keys and confirmation tokens these are."""
    fingerprint: str
    idempotency_key: str | None
    extensions: Mapping[str, Any]

    @classmethod
    def of(
        cls,
        request: Request,
        principal: Principal,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        params: Params,
        fingerprints: Fingerprints,
    ) -> "MutationRequest":
        return cls(
            fields=root_fields(schema, document, operation),
            scope=scope_of(principal, request.client.host if request.client else None),
            fingerprint=fingerprints.of(
                print_ast(document), params.operation_name, params.variables
            ),
            idempotency_key=request.headers.get(IDEMPOTENCY_KEY_HEADER),
            extensions=params.extensions or {},
        )


def refusal(error: DomainError) -> Answer:
    body = {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
    headers = (
        {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if isinstance(error, IdempotencyInProgress)
        else {}
    )
    return Answer(REFUSAL_STATUS[type(error)], body, headers)


def worth_keeping(body: dict[str, Any]) -> bool:
    """Whether an answer is the outcome to replay: the request was executed (it has
    ``data``), and it did not fail unexpectedly before any root field produced a value.
    Results with domain errors are kept, as Stripe keeps its 4xx answers."""
    if "data" not in body:
        return False
    crashed = any(
        error.get("extensions", {}).get("code") == "INTERNAL_SERVER_ERROR"
        for error in body.get("errors", ())
    )
    return not crashed or any(value is not None for value in (body["data"] or {}).values())


class MutationGuard:
    """``idempotent`` and ``risks`` are the policy table's markers (src/auth/policy.py) unless
    given."""

    def __init__(
        self,
        idempotency: Idempotency,
        tokens: ConfirmationTokens,
        uses: ConfirmationUses,
        fingerprints: Fingerprints,
        clock: Clock,
        *,
        idempotent: frozenset[str] = IDEMPOTENT_MUTATIONS,
        risks: Mapping[str, tuple[str, ...]] = CONFIRMATION_RISKS,
    ) -> None:
        self._idempotency = idempotency
        self._tokens = tokens
        self._uses = uses
        self.fingerprints = fingerprints
        self._clock = clock
        self._idempotent = idempotent
        self._risks = risks

    async def run(self, request: MutationRequest, run: Run) -> Answer:
        try:
            preview = request.extensions.get("preview", False)
            if not isinstance(preview, bool):
                raise PreviewFlagInvalid()
            if preview:
                return await self._preview(request, run)
            return await self._execute(request, run)
        except tuple(REFUSAL_STATUS) as error:
            return refusal(error)

    async def _preview(self, request: MutationRequest, run: Run) -> Answer:
        """Only for mutations that need a confirmation: a dry run of any other (signing in,
        proving a second factor) could test guesses without counting them. Needs no
        idempotency key and uses none up. A preview that fails gets no token."""
        if not request.fields or not request.fields <= self._risks.keys():
            raise PreviewNotAvailable()
        answer = await run(True)
        if answer.body.get("errors") or answer.body.get("data") is None:
            return answer
        token = self._tokens.issue(request.scope, request.fingerprint, self._clock.now())
        answer.body["extensions"] = {
            "confirmation": {
                "token": token.value,
                "expiresAt": token.expires_at.isoformat(),
                "effects": answer.body["data"],
                "risks": [risk for f in sorted(request.fields) for risk in self._risks[f]],
            }
        }
        return answer

    async def _confirmed(self, request: MutationRequest) -> None:
        if request.fields & self._risks.keys():
            await confirm(
                self._tokens,
                self._uses,
                request.extensions.get("confirmationToken"),
                request.scope,
                request.fingerprint,
                self._clock.now(),
            )

    async def _execute(self, request: MutationRequest, run: Run) -> Answer:
        if not request.fields & self._idempotent:
            await self._confirmed(request)  # any Idempotency-Key is ignored: see policy.Access
            return await run(False)
        if not request.fields <= self._idempotent:
            raise IdempotentMutationNotAlone()
        if request.idempotency_key is None:
            raise IdempotencyKeyRequired()
        claim = await self._idempotency.begin(
            request.scope,
            checked_key(request.idempotency_key),
            request.fingerprint,
            self._clock.now(),
        )
        if isinstance(claim, StoredResponse):
            return Answer(claim.status, json.loads(claim.body), {REPLAYED_HEADER: "true"})
        try:
            await self._confirmed(request)
        except DomainError:
            await self._idempotency.release(claim)
            raise
        answer = await run(False)
        if worth_keeping(answer.body):
            response = StoredResponse(answer.status, encode(answer.body))
            await self._idempotency.finish(claim, response, self._clock.now())
        else:
            await self._idempotency.release(claim)
        return answer
