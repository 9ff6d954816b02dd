"""The `rrc` command: broker, worker, intake, roster and token commands."""

from __future__ import annotations

import typer

from cli import kafka, roster, run, token

app = typer.Typer(name="rrc", help="Rapid Response Coordination on Apache Kafka.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
app.add_typer(kafka.app, name="kafka")
app.add_typer(roster.app, name="roster")
run.register(app)
token.register(app)


def _register_optional() -> None:
    """Command groups that live beside their domain code."""
    for module in ("cli.intake", "cli.webhook", "cli.replay"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(app)


_register_optional()

if __name__ == "__main__":
    app()
