"""Static checks of the templates: an empty table's one cell spans exactly the table's columns."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def empty_rows_with_their_headers():
    """(template, colspan, header count) for each literal colspan under a literal <thead> of plain <th>s."""
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for match in re.finditer(r'colspan="(\d+)"', text):
            head = text.rfind("<thead", 0, match.start())
            if head < 0 or "{% for" in text[head : text.find("</thead>", head)]:
                continue  # headers built by a loop (the list) or rows included from elsewhere
            headers = len(re.findall(r"<th[\s>]", text[head : text.find("</thead>", head)]))
            yield path.relative_to(TEMPLATES), int(match.group(1)), headers


@pytest.mark.parametrize("template, colspan, headers", list(empty_rows_with_their_headers()))
def test_an_empty_tables_cell_spans_every_column(template, colspan, headers):
    assert colspan == headers, f"{template}: colspan {colspan} under {headers} columns"
