"""The README keeps the two commands first and its configuration table current with Settings."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_two_commands_come_first():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make run" in first_block and "make test" in first_block


def test_every_setting_is_in_the_configuration_table():
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [f"RRC_{name.upper()}" for name in Settings.model_fields if f"`RRC_{name.upper()}`" not in table]
    assert not missing, f"README configuration table lacks {missing}"


def test_data_flow_is_a_mermaid_diagram():
    assert "```mermaid" in README
