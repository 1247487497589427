// Runs the graphql-http server audit suite (GraphQL-over-HTTP conformance) against a running
// server and prints one JSON line: [{id, name, status, reason}]. Usage: node graphql_http_audit.mjs URL
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node graphql_http_audit.mjs URL");
  process.exit(2);
}
const results = await auditServer({ url });
console.log(
  JSON.stringify(
    results.map((r) => ({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? null })),
  ),
);
