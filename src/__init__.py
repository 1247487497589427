"""Flexfin: flexible-employment services and an enterprise financial-services marketplace."""
