"""The codebook: the variables monitors code, their levels of measurement and values (YAML, versioned).

The YAML form users write is documented in docs/coding.md. Every import that changes the codebook is
stored as a new version in the `codebooks` table; codes keep the version they were made under.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UNITS = ("post", "post_actor")
LEVELS = ("nominal", "ordinal", "interval", "ratio")
# Values a codebook can declare besides its ordinary ones. By default reliability treats them as
# missing (they are not a position on the variable's scale); `reliability: value` counts them.
SPECIAL_KINDS = ("not_applicable", "cant_tell")


@dataclass(frozen=True)
class Value:
    code: str                      # what is stored in codes.value
    label: str                     # English label
    definition: str = ""
    examples: tuple[str, ...] = ()
    kind: str = "value"            # value | not_applicable | cant_tell
    reliability: str = "value"     # value (a point of the scale) | missing (left out of reliability)
    labels: dict[str, str] = field(default_factory=dict)  # other languages: {"ru": ..., "ky": ...}


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    unit: str                      # post | post_actor
    level: str                     # nominal | ordinal | interval | ratio
    multiple: bool
    values: tuple[Value, ...]
    definition: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.values)

    def scale(self) -> tuple[Value, ...]:
        """The values reliability counts, in the codebook's order (the order of an ordinal scale)."""
        return tuple(v for v in self.values if v.reliability == "value")

    def missing_codes(self) -> frozenset[str]:
        """Codes reliability treats as missing (not applicable / can't tell, unless declared as values)."""
        return frozenset(v.code for v in self.values if v.reliability == "missing")


@dataclass(frozen=True)
class Codebook:
    version: int                   # 0 for a codebook parsed but not stored
    variables: tuple[Variable, ...]
    title: str = ""

    def variable(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        from shailoo.errors import CodebookError

        raise CodebookError(f"The codebook has no variable '{name}'; it has "
                            f"{', '.join(v.name for v in self.variables) or 'none'}.")
