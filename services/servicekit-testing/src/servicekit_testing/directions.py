"""Domain folders depend one way: the check each service's `test_import_directions.py` runs over
its own table of allowed directions (domain folder -> the domain folders it may import)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


@dataclass(frozen=True)
class Directions:
    package: Path
    allowed: dict[str, set[str]]

    @classmethod
    def of(cls, package: ModuleType, allowed: dict[str, set[str]]) -> Directions:
        assert package.__file__ is not None
        return cls(Path(package.__file__).parent, allowed)

    @property
    def name(self) -> str:
        return self.package.name

    def imported_modules(self, path: Path) -> list[tuple[int, str]]:
        """Every absolute module name the file imports (with the names imported from it)."""
        found: list[tuple[int, str]] = []
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.extend((node.lineno, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:  # relative: resolve against the file's own package
                    parts = path.relative_to(self.package.parent).with_suffix("").parts
                    parts = parts[: -node.level]
                    module = ".".join([*parts, module] if module else parts)
                found.append((node.lineno, module))
                found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
        return found

    def domains(self) -> set[str]:
        return {p.parent.name for p in self.package.glob("*/__init__.py")}

    def violations(self) -> list[str]:
        """Each import against the table, and each router importing another router."""
        found: set[str] = set()
        domains = self.domains()
        for path in sorted(self.package.glob("*/*.py")):
            own = path.parent.name
            for line, module in self.imported_modules(path):
                parts = module.split(".")
                if parts[0] != self.name or len(parts) < 2 or parts[1] not in domains:
                    continue
                other = parts[1]
                where = f"{path.relative_to(self.package)}:{line} imports {module}"
                if other != own and other not in self.allowed.get(own, set()):
                    found.add(f"{where}: {own} may not depend on {other}")
                if path.name == "router.py" and parts[2:3] == ["router"] and other != own:
                    found.add(f"{where}: a router may not import another router")
        return sorted(found)

    def cycles(self) -> list[str]:
        """The domain folders the table lets depend on themselves, through others."""

        def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
            return any(
                other == goal or (other not in seen and reaches(other, goal, seen | {other}))
                for other in self.allowed[start]
            )

        return [d for d in self.allowed if reaches(d, d)]
