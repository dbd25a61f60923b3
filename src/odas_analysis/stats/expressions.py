"""Boolean expressions in R QCA's notation: ``"DEV*~IND + URB*STB"``.

``*`` is and (minimum), ``+`` or (maximum), ``~`` not (``1 - x``), parentheses group, and
``X[1]`` or ``X{1,2}`` name values of a multi-value condition. :class:`Parser` reads an
expression into a small tree, :func:`evaluate` computes the memberships of the cases, and
:func:`literal_names` lists the conditions it names. Used by :mod:`odas_analysis.stats.qca`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from ..errors import ParameterError

__all__ = ["ExpressionError", "Parser", "evaluate", "literal_names", "literals"]


class ExpressionError(ParameterError):
    """A Boolean expression cannot be read, or names a condition the data do not have."""


_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<set>[\[{][^\]}]*[\]}])|(?P<op>[*+~()]))")


def _tokenize(expression: str) -> list[tuple[str, str]]:
    tokens = []
    pos = 0
    text = expression.replace("−", "-")
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"expression {expression!r} : illisible à partir de {text[pos:].strip()!r}")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    if not tokens:
        raise ExpressionError("l'expression est vide")
    return tokens


class Parser:
    """Recursive-descent reader of R QCA's sum-of-products notation into a small tree.

    Nodes: ``("or", [...])``, ``("and", [...])``, ``("not", node)``,
    ``("lit", name, levels_or_None)``.
    """

    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.pos = 0

    def parse(self):
        node = self._sum()
        if self.pos != len(self.tokens):
            raise ExpressionError(f"expression {self.expression!r} : {self.tokens[self.pos][1]!r} inattendu")
        return node

    def _peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def _chain(self, operator: str, operand, tag: str):
        parts = [operand()]
        while self._peek() == ("op", operator):
            self.pos += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else (tag, parts)

    def _sum(self):
        return self._chain("+", self._product, "or")

    def _product(self):
        return self._chain("*", self._factor, "and")

    def _factor(self):
        kind, text = self._peek()
        if kind is None:
            raise ExpressionError(f"expression {self.expression!r} : se termine trop tôt")
        self.pos += 1
        if (kind, text) == ("op", "~"):
            return ("not", self._factor())
        if (kind, text) == ("op", "("):
            node = self._sum()
            if self._peek() != ("op", ")"):
                raise ExpressionError(f"expression {self.expression!r} : ')' manquante")
            self.pos += 1
            return node
        if kind == "name":
            levels = None
            if self._peek()[0] == "set":
                inner = self._peek()[1][1:-1]
                self.pos += 1
                try:
                    levels = tuple(int(v) for v in inner.split(","))
                except ValueError as exc:
                    raise ExpressionError(
                        f"expression {self.expression!r} : les niveaux de {text} doivent être des entiers, reçu {inner!r}"
                    ) from exc
            return ("lit", text, levels)
        raise ExpressionError(f"expression {self.expression!r} : {text!r} inattendu")


def literal_names(node) -> list[str]:
    if node[0] == "lit":
        return [node[1]]
    if node[0] == "not":
        return literal_names(node[1])
    return [name for child in node[1] for name in literal_names(child)]


def evaluate(node, columns: Mapping[str, np.ndarray]) -> np.ndarray:
    kind = node[0]
    if kind == "lit":
        values = columns[node[1]]
        if node[2] is None:
            return values
        return np.isin(values, node[2]).astype(float)
    if kind == "not":
        return 1.0 - evaluate(node[1], columns)
    parts = [evaluate(child, columns) for child in node[1]]
    return np.minimum.reduce(parts) if kind == "and" else np.maximum.reduce(parts)


def literals(node) -> list[tuple[str, bool]]:
    """``(condition, negated)`` for every literal of a sum of products, in order."""
    if node[0] == "lit":
        return [(node[1], False)]
    if node[0] == "not" and node[1][0] == "lit":
        return [(node[1][1], True)]
    if node[0] == "not":
        return [(name, not neg) for name, neg in literals(node[1])]
    return [item for child in node[1] for item in literals(child)]
