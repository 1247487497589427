// The real Apollo Client with its persisted-queries link against a running server:
// `node apq_client.mjs http://127.0.0.1:8000/graphql`. Runs one query twice (network-only) and
// prints, as JSON, every HTTP exchange the client made and what each query returned.
import { createHash } from "node:crypto";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const url = process.argv[2];
const exchanges = [];

async function recordingFetch(input, init = {}) {
  const response = await fetch(input, init);
  const body = await response.clone().text();
  exchanges.push({
    method: init.method ?? "GET",
    url: String(input),
    requestBody: init.body ? JSON.parse(init.body) : null,
    status: response.status,
    cacheControl: response.headers.get("cache-control"),
    responseBody: JSON.parse(body),
  });
  return response;
}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: url, fetch: recordingFetch }),
  ),
});

const PROBE = gql`
  query ApqProbe {
    __typename
  }
`;

const results = [];
for (let run = 0; run < 2; run += 1) {
  const before = exchanges.length;
  const { data, error } = await client.query({ query: PROBE, fetchPolicy: "network-only" });
  results.push({ data: data ?? null, error: error ? String(error) : null, exchanges: exchanges.slice(before) });
}
console.log(JSON.stringify({ results }));
