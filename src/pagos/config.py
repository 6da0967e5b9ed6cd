"""Configuration from environment variables, read once by the entry points.

Variable names follow the original .NET service: sections joined by a double
underscore (``ConnectionStrings__SQL``, ``Kafka__Topic``), matched without
regard to case. Unset variables mean the embedded default.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Section(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class ConnectionStrings(_Section):
    sql: str | None = Field(default=None, alias="SQL", description="SQLAlchemy URL of the event store")
    mongodb: str | None = Field(default=None, alias="MongoDB", description="MongoDB URI of the read model")


class KafkaSettings(_Section):
    bootstrap_servers: str | None = Field(default=None, alias="BootstrapServers")
    topic: str = Field(default="pagos", alias="Topic")
    security_protocol: str | None = Field(default=None, alias="SecurityProtocol")
    sasl_mechanism: str | None = Field(default=None, alias="SaslMechanism")
    sasl_username: str | None = Field(default=None, alias="SaslUsername")
    sasl_password: SecretStr | None = Field(default=None, alias="SaslPassword")


class ServiceSettings(_Section):
    data_dir: Path = Field(default=Path("data"), alias="DataDir", description="folder of the embedded SQLite files")
    default_currency: str = Field(default="USD", alias="MonedaPorDefecto", pattern=r"^[A-Za-z]{3}$")
    max_body_bytes: int = Field(default=16 * 1024, alias="MaxBodyBytes", ge=1024, le=1024 * 1024)
    relay_batch_size: int = Field(default=200, alias="RelayBatchSize", ge=1, le=10_000)
    relay_poll_seconds: float = Field(default=0.5, alias="RelayPollSeconds", gt=0, le=60)


class Settings(BaseSettings):
    """All settings of one process."""

    model_config = SettingsConfigDict(
        env_nested_delimiter="__", case_sensitive=False, populate_by_name=True, extra="ignore"
    )

    connection_strings: ConnectionStrings = Field(default_factory=ConnectionStrings, alias="ConnectionStrings")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings, alias="Kafka")
    pagos: ServiceSettings = Field(default_factory=ServiceSettings, alias="Pagos")

    @property
    def embedded(self) -> bool:
        """Whether the event store is the embedded SQLite file."""
        return self.connection_strings.sql is None

    @property
    def sql_url(self) -> str:
        """SQLAlchemy URL of the event store."""
        if self.connection_strings.sql:
            return self.connection_strings.sql
        return f"sqlite+aiosqlite:///{self.pagos.data_dir / 'pagos.db'}"

    @property
    def read_model_url(self) -> str:
        """SQLAlchemy URL of the embedded read model, a file of its own beside the event store."""
        return f"sqlite+aiosqlite:///{self.pagos.data_dir / 'read-model.db'}"
