"""Identity and access: accounts, sessions, second factors, roles and the field-permission
policy (SEC-01…SEC-10). Built in the identity-and-access issue; the API is open until then."""
