"""Every relative link in README.md and docs/*.md points at a file inside the repository
(so it works in a clone and on GitHub), and every #anchor names a heading of its target."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_INLINE = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, mailto:, tg:, ...


def _prose(text: str) -> str:
    """The text a renderer turns into links: fenced blocks and code spans are not links."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def links(page: Path) -> list[str]:
    prose = _prose(page.read_text(encoding="utf-8"))
    return _INLINE.findall(prose) + _REFERENCE.findall(prose)


def anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to '-', repeats -1, -2."""
    seen: dict[str, int] = {}
    found = set()
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text(encoding="utf-8"))):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken(page: Path, root: Path = ROOT) -> list[str]:
    problems = []
    for target in links(page):
        if _EXTERNAL.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not resolved.is_relative_to(root):
            problems.append(f"{target}: outside the repository")
        elif not resolved.exists():
            problems.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and unquote(anchor) not in anchors(resolved):
            problems.append(f"{target}: no heading #{anchor} in {resolved.relative_to(root)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_inside_the_repository(page: Path) -> None:
    assert broken(page) == []


def test_the_reference_and_the_architecture_live_in_the_repository() -> None:
    readme = links(ROOT / "README.md")
    assert "docs/api-v3.md" in readme
    assert "docs/architecture.md" in readme
    assert "curl" in (ROOT / "docs/api-v3.md").read_text(encoding="utf-8")


def test_the_checker_sees_a_link_leaving_the_repository(tmp_path: Path) -> None:
    """The checker itself: what the README had before (../shared/...) is reported."""
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs/other.md").write_text("# Other page\n\n## Its part\n")
    page = repo / "README.md"
    page.write_text(
        "See [spec](../shared/spec/api-v3.md), [x](missing.md), [ok](docs/other.md#its-part),\n"
        "[bad anchor](docs/other.md#nope) and `[not a link](../code-span.md)`.\n"
        "```\n[in a block](../block.md)\n```\n"
    )
    assert broken(page, repo) == [
        "../shared/spec/api-v3.md: outside the repository",
        "missing.md: no such file",
        "docs/other.md#nope: no heading #nope in docs/other.md",
    ]
