"""PostgreSQL: tables, repositories and the unit of work (SQLAlchemy Core over asyncpg)."""
