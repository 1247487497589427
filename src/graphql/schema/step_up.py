"""GraphQL for second factors and step-up (SEC-04)."""

import enum
from datetime import datetime

import strawberry

from ...auth.step_up import SECOND_FACTORS
from .context import Info
from .identity import Me


@strawberry.enum(description="How to prove a second factor.")
class StepUpMethod(enum.Enum):
    TOTP = "totp"
    SMS = "sms"
    TRANSACTION_PASSWORD = "transaction_password"  # noqa: S105 - a method name


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
    method: StepUpMethod


@strawberry.input
class ConfirmTotpInput:
    code: str


@strawberry.input
class SetTransactionPasswordInput:
    current_password: str
    transaction_password: str


@strawberry.input
class StepUpInput:
    method: StepUpMethod
    code: str = strawberry.field(description="The TOTP or SMS code, or the transaction password.")


@strawberry.type
class StepUpMutation:
    @strawberry.mutation(description="Start TOTP enrolment for an authenticator app.")
    async def enrol_totp(self, info: Info) -> TotpEnrolment:
        enrolment = await info.context.wiring[SECOND_FACTORS].enrol_totp(info.context.principal)
        return TotpEnrolment(secret=enrolment.secret, provisioning_uri=enrolment.provisioning_uri)

    @strawberry.mutation(description="Finish TOTP enrolment with a code from the app.")
    async def confirm_totp(self, info: Info, input: ConfirmTotpInput) -> Me:
        factors = info.context.wiring[SECOND_FACTORS]
        return Me.of(await factors.confirm_totp(info.context.principal, input.code))

    @strawberry.mutation(description="Text a one-time code to your phone for stepUp.")
    async def send_step_up_code(self, info: Info) -> SmsCodeSent:
        code = await info.context.wiring[SECOND_FACTORS].send_sms_code(info.context.principal)
        return SmsCodeSent(expires_at=code.expires_at)

    @strawberry.mutation(description="Set the transaction password (SEC-04).")
    async def set_transaction_password(self, info: Info, input: SetTransactionPasswordInput) -> Me:
        account = await info.context.wiring[SECOND_FACTORS].set_transaction_password(
            info.context.principal, input.current_password, input.transaction_password
        )
        return Me.of(account)

    @strawberry.mutation(description="Prove a second factor; returns an elevated access token.")
    async def step_up(self, info: Info, input: StepUpInput) -> StepUpPayload:
        proven = await info.context.wiring[SECOND_FACTORS].step_up(
            info.context.principal, input.method.value, input.code
        )
        return StepUpPayload(
            access_token=proven.access_token,
            expires_in=proven.expires_in,
            method=StepUpMethod(proven.method),
        )
