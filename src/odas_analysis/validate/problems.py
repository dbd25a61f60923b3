"""Problems found in a table, and the report of a validation: one line per broken rule, in French."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DataValidationError


@dataclass(frozen=True)
class Problem:
    """One broken rule, located as precisely as the rule allows."""

    file: str
    rule: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def text(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        if self.value is not None:
            where.append(f"valeur « {self.value} »")
        return f"{', '.join(where)} : [{self.rule}] {self.message}"


@dataclass
class ValidationReport:
    """Outcome of a validation: the resources checked and every problem found."""

    resources: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        if self.ok:
            return f"OK : {len(self.resources)} tables valides ({', '.join(self.resources)})"
        lines = [f"INVALIDE : {len(self.problems)} problème(s) dans {len(self.resources)} tables"]
        lines += [f"  - {p.text()}" for p in self.problems]
        return "\n".join(lines)

    def raise_for_problems(self, what: str) -> None:
        if not self.ok:
            raise DataValidationError(f"{what} : données invalides", [p.text() for p in self.problems])
