"""The pure domain core: entities, value objects, use cases and the ports they need.

Nothing here imports a framework, a driver or an adapter (an import-linter contract checks it).
"""
