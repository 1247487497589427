"""GraphQL for second factors and step-up (SEC-04)."""

from datetime import datetime

import strawberry

from ...auth import commands, factors
from ...auth import step_up as second_factors
from .context import Info
from .identity import Me, identity_rules, identity_uow

StepUpMethod = strawberry.enum(
    factors.StepUpMethod, name="StepUpMethod", description="How to prove a second factor."
)


@strawberry.type(description="Scan `provisioningUri` as a QR code, then confirmTotp a code.")
class TotpEnrolment:
    secret: str
    provisioning_uri: str


@strawberry.type
class SmsCodeSent:
    expires_at: datetime


@strawberry.type(description="A token proving a fresh second factor: use it for the next minutes.")
class StepUpPayload:
    access_token: str
    expires_in: int
    method: StepUpMethod  # type: ignore[valid-type]


@strawberry.input
class ConfirmTotpInput(commands.ConfirmTotp):
    pass


@strawberry.input
class SetTransactionPasswordInput(commands.SetTransactionPassword):
    pass


@strawberry.input
class StepUpInput(commands.StepUp):
    code: str = strawberry.field(description="The TOTP or SMS code, or the transaction password.")


@strawberry.type
class StepUpMutation:
    @strawberry.mutation(description="Start TOTP enrolment for an authenticator app.")
    async def enrol_totp(self, info: Info) -> TotpEnrolment:
        context = info.context
        enrolment = await second_factors.enrol_totp(
            identity_uow(info), context.clock, context.principal
        )
        return TotpEnrolment(secret=enrolment.secret, provisioning_uri=enrolment.provisioning_uri)

    @strawberry.mutation(description="Finish TOTP enrolment with a code from the app.")
    async def confirm_totp(self, info: Info, input: ConfirmTotpInput) -> Me:
        context = info.context
        return Me.of(
            await second_factors.confirm_totp(
                input, identity_uow(info), context.clock, context.principal
            )
        )

    @strawberry.mutation(description="Text a one-time code to your phone for stepUp.")
    async def send_step_up_code(self, info: Info) -> SmsCodeSent:
        context = info.context
        code = await second_factors.send_step_up_code(
            identity_uow(info), context.clock, context.principal
        )
        return SmsCodeSent(expires_at=code.expires_at)

    @strawberry.mutation(description="Set the transaction password (SEC-04).")
    async def set_transaction_password(self, info: Info, input: SetTransactionPasswordInput) -> Me:
        account = await second_factors.set_transaction_password(
            input, identity_uow(info), identity_rules(info), info.context.principal
        )
        return Me.of(account)

    @strawberry.mutation(description="Prove a second factor; returns an elevated access token.")
    async def step_up(self, info: Info, input: StepUpInput) -> StepUpPayload:
        proven = await second_factors.step_up(
            input, identity_uow(info), identity_rules(info), info.context.principal
        )
        return StepUpPayload(
            access_token=proven.access_token, expires_in=proven.expires_in, method=proven.method
        )
