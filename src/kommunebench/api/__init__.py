"""The FastAPI JSON API and dashboard (a thin edge over the stages): ``create_app(db_path)``.

See ``docs/api.md`` for the endpoints, the access rules and what is suppressed.
"""

from kommunebench.api.app import create_app

__all__ = ["create_app"]
