"""The owners of state (Faust agents on one primitive, `owner.py`) and what fills their offset holes."""
