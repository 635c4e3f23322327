"""Operator names: one rule for the command that adds operators and the login that checks them."""

from __future__ import annotations

import re

OPERATOR_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
NAME_RULE = "an operator name is letters, digits, '.', '_' and '-', up to 64 characters"


def is_operator_name(name: str) -> bool:
    return OPERATOR_NAME.fullmatch(name) is not None
