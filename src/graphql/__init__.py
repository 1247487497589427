"""The GraphQL API: schema, HTTP transport, explorer. Imported as ``src.graphql`` so that it
never shadows graphql-core's ``graphql`` package."""
