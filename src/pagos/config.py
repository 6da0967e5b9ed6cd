"""Configuration from environment variables, read once by the entry points.

Variable names follow the original .NET service: sections joined by a double
underscore (``ConnectionStrings__SQL``, ``Kafka__Topic``), matched without
regard to case. Unset variables mean the embedded default.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url


class _Section(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class ConnectionStrings(_Section):
    sql: str | None = Field(default=None, alias="SQL", description="SQLAlchemy URL of the event store")
    mongodb: str | None = Field(default=None, alias="MongoDB", description="MongoDB URI of the read model")


class KafkaSettings(_Section):
    bootstrap_servers: str | None = Field(default=None, alias="BootstrapServers")
    topic: str = Field(default="pagos", alias="Topic", pattern=r"^[A-Za-z0-9._-]{1,200}$")
    dead_letter_topic_name: str | None = Field(default=None, alias="DeadLetterTopic")
    partitions: int = Field(default=3, alias="Partitions", ge=1, le=1000)
    replication_factor: int = Field(
        default=-1, alias="ReplicationFactor", description="-1 takes the broker's default.replication.factor"
    )
    consumer_group: str = Field(default="pagos-projector", alias="ConsumerGroup")
    client_id: str = Field(default="pagos", alias="ClientId")
    security_protocol: str | None = Field(default=None, alias="SecurityProtocol")
    sasl_mechanism: str | None = Field(default=None, alias="SaslMechanism")
    sasl_username: str | None = Field(default=None, alias="SaslUsername")
    sasl_password: SecretStr | None = Field(default=None, alias="SaslPassword")

    @property
    def dead_letter_topic(self) -> str:
        """Topic of messages the projector could not read: ``DeadLetterTopic``, or the topic name plus ``.dlq``."""
        return self.dead_letter_topic_name or f"{self.topic}.dlq"


class MongoSettings(_Section):
    database: str = Field(default="pagos", alias="Database")
    collection: str = Field(default="pagos", alias="Collection")
    monto_format: Literal["decimal128", "string"] = Field(
        default="decimal128", alias="MontoFormat", description="string for servers without Decimal128"
    )


class ServiceSettings(_Section):
    data_dir: Path = Field(default=Path("data"), alias="DataDir", description="folder of the embedded SQLite files")
    default_currency: str = Field(default="USD", alias="MonedaPorDefecto", pattern=r"^[A-Za-z]{3}$")
    max_body_bytes: int = Field(default=16 * 1024, alias="MaxBodyBytes", ge=1024, le=1024 * 1024)
    relay_batch_size: int = Field(default=200, alias="RelayBatchSize", ge=1, le=10_000)
    relay_poll_seconds: float = Field(default=0.1, alias="RelayPollSeconds", gt=0, le=60)
    idempotency_ttl_hours: float = Field(default=24, alias="IdempotencyTtlHours", gt=0, le=24 * 30)


class Settings(BaseSettings):
    """All settings of one process."""

    model_config = SettingsConfigDict(
        env_nested_delimiter="__", case_sensitive=False, populate_by_name=True, extra="ignore"
    )

    connection_strings: ConnectionStrings = Field(default_factory=ConnectionStrings, alias="ConnectionStrings")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings, alias="Kafka")
    mongo: MongoSettings = Field(default_factory=MongoSettings, alias="Mongo")
    pagos: ServiceSettings = Field(default_factory=ServiceSettings, alias="Pagos")

    @property
    def embedded(self) -> bool:
        """Whether the event store is the embedded SQLite file (ConnectionStrings__SQL unset or empty)."""
        return not self.connection_strings.sql

    @property
    def kafka_enabled(self) -> bool:
        """Whether events go through Kafka instead of in-process delivery."""
        return bool(self.kafka.bootstrap_servers)

    @property
    def sql_url(self) -> str:
        """SQLAlchemy URL of the event store."""
        if self.connection_strings.sql:
            return sql_url_from_connection_string(self.connection_strings.sql)
        return f"sqlite+aiosqlite:///{self.pagos.data_dir / 'pagos.db'}"

    @property
    def read_model_url(self) -> str:
        """SQLAlchemy URL of the embedded read model, a file of its own beside the event store."""
        return f"sqlite+aiosqlite:///{self.pagos.data_dir / 'read-model.db'}"


def sql_url_from_connection_string(value: str) -> str:
    """Return a SQLAlchemy URL with an async driver for ``ConnectionStrings__SQL``.

    Accepts a SQLAlchemy URL (``postgresql://`` gets the asyncpg driver) or an
    ADO.NET SQL Server string such as the original service used
    (``Server=host,1433;Initial Catalog=pagos;User Id=sa;Password=...``), which
    becomes an ``mssql+aioodbc`` URL. Raises ValueError naming what to write.
    """
    text = value.strip()
    if "://" in text:
        url = make_url(text)
        if url.drivername in {"postgresql", "postgres"}:
            url = url.set(drivername="postgresql+asyncpg")
        elif url.drivername == "sqlite":
            url = url.set(drivername="sqlite+aiosqlite")
        return url.render_as_string(hide_password=False)
    if "=" not in text:
        raise ValueError(
            "ConnectionStrings__SQL is neither a SQLAlchemy URL nor an ADO.NET connection string; "
            "write for example postgresql+asyncpg://USER:PASSWORD@HOST:5432/pagos"
        )
    return _ado_net_to_mssql_url(text)


_ADO_NET_KEYS = {
    "server": "host", "data source": "host", "address": "host", "addr": "host",
    "initial catalog": "database", "database": "database",
    "user id": "username", "uid": "username", "user": "username",
    "password": "password", "pwd": "password",
    "trustservercertificate": "trust", "encrypt": "encrypt",
}


# One "key=value" pair; a value in single or double quotes may contain ";".
_ADO_NET_PAIR = re.compile(r"""\s*([^=;]+?)\s*=\s*("[^"]*"|'[^']*'|[^;]*)\s*(?:;|$)""")


def _ado_net_to_mssql_url(text: str) -> str:
    parts: dict[str, str] = {}
    for match in _ADO_NET_PAIR.finditer(text):
        name = _ADO_NET_KEYS.get(match.group(1).lower())
        value = match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if name:
            parts[name] = value
    host = parts.get("host", "").removeprefix("tcp:")
    if not host or "database" not in parts:
        raise ValueError(
            "ConnectionStrings__SQL looks like an ADO.NET string but lacks Server or Initial Catalog; write "
            "mssql+aioodbc://USER:PASSWORD@HOST:1433/DATABASE?driver=ODBC+Driver+18+for+SQL+Server instead"
        )
    hostname, _, port = host.partition(",")
    query = {"driver": "ODBC Driver 18 for SQL Server"}
    if parts.get("trust", "").lower() == "true":
        query["TrustServerCertificate"] = "yes"
    if parts.get("encrypt"):
        query["Encrypt"] = "yes" if parts["encrypt"].lower() in {"true", "yes", "mandatory", "strict"} else "no"
    url = URL.create(
        "mssql+aioodbc",
        username=parts.get("username"),
        password=parts.get("password"),
        host=hostname.strip(),
        port=int(port) if port.strip().isdigit() else None,
        database=parts["database"],
        query=query,
    )
    return url.render_as_string(hide_password=False)
