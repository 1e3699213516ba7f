"""Change precedence: Move up / Move down / move to a precedence, in place with htmx (issue #14 item 14)."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from distributions.change_views import _focus_after_move, _moved

ORDER = ["/a/*", "/b/*", "/c/*", "/d/*"]


def data(**values):
    query = QueryDict(mutable=True)
    query.update(values)
    return query


@pytest.mark.parametrize(
    ("values", "order", "moved", "error"),
    [
        ({}, ORDER, None, ""),
        ({"move": "up:/c/*"}, ["/a/*", "/c/*", "/b/*", "/d/*"], "/c/*", ""),
        ({"move": "down:/a/*"}, ["/b/*", "/a/*", "/c/*", "/d/*"], "/a/*", ""),
        ({"move": "up:/a/*"}, ORDER, "/a/*", ""),  # already first: stays
        ({"move": "down:/d/*"}, ORDER, "/d/*", ""),  # already last before the default: stays
        ({"move": "up:/nope/*"}, ORDER, None, ""),
        ({"move": "sideways:/a/*"}, ORDER, None, ""),
        ({"move": "to", "move_pattern": "/d/*", "move_to": "0"}, ["/d/*", "/a/*", "/b/*", "/c/*"], "/d/*", ""),
        ({"move": "to", "move_pattern": "/a/*", "move_to": "3"}, ["/b/*", "/c/*", "/d/*", "/a/*"], "/a/*", ""),
        ({"move": "to", "move_pattern": "/b/*", "move_to": "1"}, ORDER, "/b/*", ""),
        ({"move": "to", "move_pattern": "/b/*", "move_to": "4"}, ORDER, None, "Enter a precedence from 0 to 3"),
        ({"move": "to", "move_pattern": "/b/*", "move_to": "-1"}, ORDER, None, "Enter a precedence from 0 to 3"),
        ({"move": "to", "move_pattern": "/b/*", "move_to": "two"}, ORDER, None, "Enter a precedence from 0 to 3"),
        ({"move": "to", "move_pattern": "/x/*", "move_to": "1"}, ORDER, None, "Choose a cache behavior to move."),
    ],
)
def test_moved(values, order, moved, error):
    new_order, new_moved, new_error = _moved(ORDER, data(**values))
    assert (new_order, new_moved) == (order, moved)
    assert new_error.startswith(error) and bool(new_error) == bool(error)


@pytest.mark.parametrize(
    ("order", "pattern", "direction", "focus"),
    [
        (ORDER, "/b/*", "up", "up"),
        (ORDER, "/a/*", "up", "down"),  # reached the top: Move up is disabled, its twin keeps the focus
        (ORDER, "/d/*", "down", "up"),
        (ORDER, "/c/*", "down", "down"),
        (ORDER, "/a/*", "to", "down"),
        (ORDER, "/c/*", "to", "up"),
        (["/a/*"], "/a/*", "up", None),
        (ORDER, None, "up", None),
    ],
)
def test_focus_after_move(order, pattern, direction, focus):
    assert _focus_after_move(order, pattern, direction) == focus


@pytest.fixture
def catalog(make_distribution):
    return make_distribution([("/a/*", "allow-all"), ("/b/*", "allow-all"), ("/c/*", "allow-all")])


def order_url(distribution):
    return reverse("distributions:behavior_order", args=[distribution.id])


class TestMoveInPlace:
    def test_htmx_gets_only_the_precedence_fragment_with_the_moved_rows_button_to_focus(self, signed_in, catalog):
        etag = signed_in.get(order_url(catalog)).context["snapshot"].etag
        response = signed_in.get(
            order_url(catalog),
            {"etag": etag, "order": ["/a/*", "/b/*", "/c/*"], "move": "up:/c/*"},
            headers={"HX-Request": "true", "HX-Target": "precedence"},
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert body.lstrip().startswith('<div id="precedence">')
        assert "<html" not in body
        assert 'id="moved"' in body and "Moved /c/* to precedence 1." in body
        assert 'value="up:/c/*"' in body.split("data-focus-on-load")[0].rsplit("<button", 1)[1]
        assert f'hx-get="{order_url(catalog)}"' in body and f'formaction="{order_url(catalog)}#moved"' in body

    def test_without_javascript_a_move_reloads_the_page_at_the_moved_row(self, signed_in, catalog):
        response = signed_in.get(order_url(catalog))
        body = response.content.decode()
        assert f'formaction="{order_url(catalog)}#moved"' in body
        assert 'formmethod="get"' in body

    def test_move_to_a_precedence(self, signed_in, catalog):
        etag = signed_in.get(order_url(catalog)).context["snapshot"].etag
        response = signed_in.get(
            order_url(catalog),
            {"etag": etag, "order": ["/a/*", "/b/*", "/c/*"], "move": "to", "move_pattern": "/c/*", "move_to": "0"},
        )
        assert response.context["order"] == ["/c/*", "/a/*", "/b/*"]
        assert [row[0] for row in response.context["review"].moved] == []  # no two patterns overlap here

    @pytest.mark.parametrize(("htmx", "status"), [(False, 400), (True, 200)])
    def test_a_precedence_out_of_range_is_a_message_and_moves_nothing(self, signed_in, catalog, htmx, status):
        etag = signed_in.get(order_url(catalog)).context["snapshot"].etag
        headers = {"HX-Request": "true"} if htmx else {}
        response = signed_in.get(
            order_url(catalog),
            {"etag": etag, "order": ["/a/*", "/b/*", "/c/*"], "move": "to", "move_pattern": "/c/*", "move_to": "9"},
            headers=headers,
        )
        assert response.status_code == status
        assert b"Enter a precedence from 0 to 2 to move /c/* to." in response.content
        assert response.context["order"] == ["/a/*", "/b/*", "/c/*"]

    def test_the_move_buttons_show_their_words_in_their_accessible_names(self, signed_in, catalog):
        body = signed_in.get(order_url(catalog)).content.decode()
        assert "aria-label" not in body.split("<tbody>")[1].split("</tbody>")[0]
        assert 'Move up<span class="visually-hidden"> /b/*</span>' in body
