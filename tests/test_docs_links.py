"""Every relative link and image in README.md, CHANGELOG.md and docs/*.md points at something that exists.

Fast and without Sphinx: the Markdown is read as text. A link's file must
exist (relative to the page); a ``#anchor`` must be the GitHub-style slug of a
heading of the page it points to (the slugs GitHub shows and MyST's
``myst_heading_anchors`` builds). ``make docs`` checks the rest: Sphinx's
cross-references (``{doc}``, ``{ref}``, ``:func:``) fail its ``-W`` build.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])

_FENCE = re.compile(r"^(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target) and ![alt](target "title"); the text may hold one level of brackets (a badge, an image)
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_SRC = re.compile(r"<(?:img|a)\s[^>]*?(?:src|href)=\"([^\"]+)\"", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, https:, mailto:, ...


def _prose_lines(text, *, drop_code=True):
    """(line number, line) of the page outside fenced code blocks, inline code removed unless ``drop_code=False``."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line.lstrip()):
            fenced = not fenced
            continue
        if not fenced:
            yield number, _CODE_SPAN.sub("", line) if drop_code else line


def _slug(heading):
    """GitHub's anchor of a heading (MyST's default slug function is the same)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path):
    """The anchors of a Markdown page's headings; a repeated slug gets -1, -2, ... as on GitHub."""
    seen, out = {}, set()
    for _, line in _prose_lines(path.read_text(encoding="utf-8"), drop_code=False):
        match = _HEADING.match(line)
        if match:
            slug = _slug(match.group(2))
            out.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
            seen[slug] = seen.get(slug, 0) + 1
    return out


def references(path):
    """(line number, target) of every link and image of a page."""
    for number, line in _prose_lines(path.read_text(encoding="utf-8")):
        for pattern in (_LINK, _HTML_SRC):
            for match in pattern.finditer(line):
                yield number, match.group(1)


def broken(path):
    """Why each relative link or image of ``path`` does not resolve."""
    problems = []
    for number, target in references(path):
        if _EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(ROOT)}:{number}: {target!r}"
        if not dest.exists():
            problems.append(f"{where}: {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest} does not exist")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{where}: no heading of {dest.name} has the anchor #{anchor}")
    return problems


def test_the_pages_are_found():
    names = {p.name for p in PAGES}
    assert {"README.md", "index.md", "user_guide.md", "accuracy.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_relative_links_and_images_resolve(page):
    assert broken(page) == []


def test_the_checker_finds_a_broken_link_image_and_anchor(tmp_path, monkeypatch):
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    (tmp_path / "other.md").write_text("# Other page\n\n## A `code` heading, twice\n\n## A `code` heading, twice\n")
    (tmp_path / "fig.png").write_bytes(b"")
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n"
        "[ok](other.md) [ok](other.md#other-page) [ok](other.md#a-code-heading-twice-1) [ok](#title)\n"
        "![ok](fig.png) [web](https://example.com/missing.md) `[not a link](missing.md)`\n"
        "```\n[in a code block](missing.md)\n```\n"
        "[gone](missing.md) ![gone](missing.png) [bad anchor](other.md#nope) [bad](#nowhere)\n"
        '<img src="absent.svg">\n'
    )
    problems = broken(page)
    assert len(problems) == 5, problems
    assert "page.md:8: 'missing.md': missing.md does not exist" in problems[0]
    assert "'missing.png'" in problems[1]
    assert "no heading of other.md has the anchor #nope" in problems[2]
    assert "no heading of page.md has the anchor #nowhere" in problems[3]
    assert "page.md:9: 'absent.svg'" in problems[4]
