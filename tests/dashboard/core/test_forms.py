"""Form fields through the form renderer (dashboard.core.forms): Bootstrap's markup, and each
input names its help text and its errors in aria-describedby, so screen readers read them."""

from __future__ import annotations

from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.mixing.test_views import form_data
from tests.dashboard.site.test_shell import every_get_page

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "area", "base", "wbr"}


class Elements(HTMLParser):
    """Every element with an id: its tag, attributes and text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, object]] = {}
        self.open: list[dict[str, object] | None] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = None
        values = dict(attrs)
        if values.get("id"):
            element = {"tag": tag, "attrs": values, "text": ""}
            assert values["id"] not in self.by_id, f"duplicate id {values['id']}"
            self.by_id[values["id"]] = element
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for element in self.open:
            if element is not None:
                element["text"] += data


class References(HTMLParser):
    """The ids on a page, those used twice, and those that labels and aria-describedby name."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.duplicates: list[str] = []
        self.references: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            if values["id"] in self.ids:
                self.duplicates.append(values["id"])
            self.ids.append(values["id"])
        if tag == "label" and values.get("for"):
            self.references.add(values["for"])
        self.references.update((values.get("aria-describedby") or "").split())


def described(html: str, input_id: str) -> tuple[dict[str, str | None], dict[str, str]]:
    """The input's attributes, and the text of each element its aria-describedby names."""
    page = Elements(html)
    attrs = page.by_id[input_id]["attrs"]
    names = (attrs.get("aria-describedby") or "").split()
    missing = [name for name in names if name not in page.by_id]
    assert not missing, f"aria-describedby of {input_id} names missing ids {missing}"
    return attrs, {name: " ".join(page.by_id[name]["text"].split()) for name in names}


def test_an_invalid_vendor_account_field_names_its_help_and_its_error(two_tenants: World2) -> None:
    response = logged_in(two_tenants.acme_admin).post(
        reverse("credentials:account_create", args=["acme", "aliyun"]),
        {"label": "", "cred_access_key_id": "x", "endpoint": "https://elsewhere.example"},
    )
    assert response.status_code == 200
    attrs, texts = described(response.content.decode(), "id_endpoint")
    assert attrs["aria-describedby"] == "id_endpoint_helptext id_endpoint_error"
    assert "The endpoints this deployment allows for" in texts["id_endpoint_helptext"]
    assert texts["id_endpoint_error"].startswith("Select a valid choice. https://elsewhere.example")
    assert attrs["aria-invalid"] == "true"
    assert attrs["class"].split() == ["form-select", "is-invalid"]
    label_attrs, label_texts = described(response.content.decode(), "id_label")
    assert label_attrs["aria-invalid"] == "true"
    assert label_texts == {
        "id_label_helptext": "A name your team recognises.",
        "id_label_error": "This field is required.",
    }


def test_login_code_field_names_its_help_and_its_error() -> None:
    response = Client().post(reverse("people:login"), {"username": "", "password": "", "otp_token": "123456789"})
    html = response.content.decode()
    attrs, texts = described(html, "id_otp_token")
    assert attrs["aria-invalid"] == "true"
    assert list(texts) == ["id_otp_token_helptext", "id_otp_token_error"]
    assert texts["id_otp_token_helptext"].startswith("Only if you turned on two-factor login")
    assert "at most 8 characters" in texts["id_otp_token_error"]
    assert attrs["class"].split() == ["form-control", "is-invalid"]
    username, texts = described(html, "id_username")
    assert username["aria-invalid"] == "true" and texts == {"id_username_error": "This field is required."}


def test_a_valid_field_names_only_its_help_and_is_not_marked_invalid() -> None:
    attrs, texts = described(Client().get(reverse("people:login")).content.decode(), "id_otp_token")
    assert "aria-invalid" not in attrs and attrs["class"] == "form-control"
    assert list(texts) == ["id_otp_token_helptext"]


def test_a_pane_field_in_the_layout_table_names_its_error_row(two_tenants: World2) -> None:
    bad = [{"x": "left", "y": 0, "width": 0.5, "height": 1}]
    page = logged_in(two_tenants.acme_admin).post(reverse("mixing:layout_new", args=["acme"]), form_data("Broken", bad))
    attrs, texts = described(page.content.decode(), "id_pane-0-x")
    assert attrs["aria-invalid"] == "true"
    assert attrs["class"].split() == ["form-control", "form-control-sm", "is-invalid"]
    assert texts == {"id_pane-0-x_error": "1. x: Enter a number."}
    width, _ = described(page.content.decode(), "id_pane-0-width")
    assert "aria-invalid" not in width and width["class"] == "form-control form-control-sm"


def reference_problems(html: str) -> list[tuple[str, str]]:
    page = References(html)
    return [("duplicate id", name) for name in page.duplicates] + [
        ("points nowhere", name) for name in sorted(page.references - set(page.ids))
    ]


def test_every_page_has_unique_ids_and_labels_and_descriptions_point_at_them(two_tenants: World2) -> None:
    client = logged_in(two_tenants.staff)
    problems = []
    for url in every_get_page(two_tenants):
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.headers.get("Content-Type", ""):
            problems += [(url, *problem) for problem in reference_problems(response.content.decode())]
    assert not problems


def test_the_watch_and_open_room_forms_on_one_page_keep_their_ids_apart(two_tenants: World2, other_vendors) -> None:
    account = other_vendors[1]["uprtc"]  # a vendor that opens rooms: both forms are shown
    html = (
        logged_in(two_tenants.acme_admin).get(reverse("live:channel_list", args=["acme", account.pk])).content.decode()
    )
    assert "Open room" in html and "Watch" in html
    assert reference_problems(html) == []
