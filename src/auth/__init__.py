"""Identity and access (SEC-01…SEC-10, CARD-3, CARD-4): roles and principals, accounts and
passwords, lockout, second factors, tokens and sessions, the field-permission policy, and the
audit trail. Pure rules and use cases behind ports, like ``src.domain``."""
