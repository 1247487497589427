"""Parties: enterprises, gig workers and financial institutions (PARTY-01, PARTY-03, PARTY-05)."""
