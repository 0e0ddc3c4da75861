"""Storage: Tortoise initialisation, SQLite/PostgreSQL specifics, migrations, backups."""
