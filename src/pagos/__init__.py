"""Event-sourced payments service: domain, application, infrastructure and entry points."""

__version__ = "0.1.0"
