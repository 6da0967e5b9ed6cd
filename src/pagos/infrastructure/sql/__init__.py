"""SQL adapters (SQLite, PostgreSQL, SQL Server dialects) through SQLAlchemy's async engine."""
