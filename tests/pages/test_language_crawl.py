"""Every page each role can reach, read in Chinese and in English: no word of the other
language outside a short allow-list (units, file types, codes) and the registry's own data
(names are what people typed, in whatever language they typed them).

The crawl starts at the home page and follows every link of this site (one variant of each
page and query), so a new page is read without being listed here.
"""

import datetime as dt
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlalchemy import Enum, String, select, update

from wastesort import models  # noqa: F401  (every table, for the registry's data)
from wastesort.bintasks import reporting
from wastesort.bintasks import service as bintask_service
from wastesort.bintasks.models import BinTask
from wastesort.enums import WasteCategory
from wastesort.extensions import db
from wastesort.inspections.service import post_inspection
from wastesort.reports.models import ReportKind, ReportPeriod
from wastesort.reports.service import make_report
from wastesort.reports.subscriptions import add_subscription
from wastesort.timeutil import local_now, local_today

from ..factories import add_collection, add_households, add_ticket

ROLES = ["admin", "manager", "street", "staff", "operator", "inspector"]
MAX_PAGES = 120
SKIP = ("/logout", "/static/", "/api/", "/healthz", "/language")
DOWNLOAD = re.compile(r"\.(csv|xlsx|png|eml)$|/export|/download|/chart|/template")
# Words that are the same in both languages: units, file types, abbreviations, the e-mail domain
# of the test users, the four categories' machine values in a code column.
ALLOWED_LATIN = {"kg", "t", "csv", "xlsx", "png", "id", "api", "ok", "utc", "json", "http",
                 "https", "example", "org", "yyyy", "mm", "dd", "cst", "jpeg", "webp", "mb"}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff01-\uff5e]+")  # and punctuation
# ASCII punctuation beside Chinese text ("114 镇街, 104 个"): Chinese takes ，；：！？
ASCII_PUNCTUATION_IN_CHINESE = re.compile(r"[\u4e00-\u9fff][)]?\s*[,;:!?](?!\d)|"
                                          r"(?<!\d)[,;:!?]\s*[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
INLINE = {"title", "placeholder", "aria-label", "alt"}


class _Text(HTMLParser):
    """The words a reader sees: text outside script and style, and the attributes a browser
    shows (titles, placeholders, labels, alt texts, button values); and the page's links."""

    def __init__(self):
        super().__init__()
        self.parts, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self.parts.extend(v for k, v in attrs.items() if k in INLINE and v)
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


# Text columns the service itself writes (shown translated, so not data to skip).
MACHINE_TEXT = {"made_by", "scope", "locale", "password_hash", "token_hash", "sid_hash"}


def _registry_data() -> set[str]:
    """Every text value stored in the database: what people typed is data, not interface."""
    values = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String)
                   and not isinstance(c.type, Enum) and c.name not in MACHINE_TEXT]
        if columns:
            for row in db.session.execute(select(*columns)):
                values.update(str(v) for v in row if v)
    return values


# The language switcher names each language in itself (endonyms), on every page.
ENDONYMS = ["简体中文", "English"]


def _strip_data(text: str, data: list[str]) -> str:
    for value in [*data, *ENDONYMS]:
        text = text.replace(value, " ")
    return text


def _normalised(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != "localhost" or parts.scheme not in ("", "http"):
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith(SKIP) or DOWNLOAD.search(path):
        return None
    query = sorted(parse_qsl(parts.query))
    return path + ("?" + urlencode(query) if query else "")


def _pattern(url: str) -> str:
    """One page per shape: ids and query values do not make another page."""
    path, _, query = url.partition("?")
    keys = sorted(k for k, _ in parse_qsl(query))
    return re.sub(r"/\d+", "/N", path) + "?" + ",".join(keys)


def _crawl(browser, language: str):
    headers = {"Accept-Language": language, "Accept": "text/html"}
    seen, queue, pages = set(), deque(["/"]), {}
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        if _pattern(url) in seen:
            continue
        seen.add(_pattern(url))
        response = browser.get(url, headers=headers, follow_redirects=True)
        assert response.status_code < 500, url
        if response.mimetype != "text/html":
            continue
        parser = _Text()
        parser.feed(response.text)
        pages[url] = " ".join(parser.parts)
        for link in parser.links:
            target = _normalised(link)
            if target and _pattern(target) not in seen:
                queue.append(target)
    return pages


@pytest.fixture
def lived_in_city(city, db):
    """The small city with what a working week leaves: households, postings, inspections,
    reports, a subscription, so that the pages show their tables and figures, not their empty
    states."""
    add_households(city.communities["a1c1"], 4, covered=3)
    today = local_today()
    for days in range(3):
        for category in WasteCategory:
            add_collection(city.points["a1"], today - dt.timedelta(days=days), category,
                           800 + 10 * days)
    add_collection(city.points["a1"], today, WasteCategory.KITCHEN, 5, key="void-me",
                   voided=True)
    for days in range(2):  # tickets at the incinerator, one naming a street, one void
        add_ticket(city.facilities["incineration"], today - dt.timedelta(days=days),
                   WasteCategory.RESIDUAL, 900 + days, township=city.townships["a1"])
    add_ticket(city.facilities["incineration"], today, WasteCategory.KITCHEN, 20, voided=True)
    _bin_tasks(city)
    for hours, where in ((2, "a1c1"), (30, "a1c2")):  # an inspection today, one yesterday
        post_inspection(city.users["inspector"], {
            "community_id": city.communities[where].id, "inspected_at": local_now()
            - dt.timedelta(hours=hours), "households_seen": 40, "households_sorted": 30,
            "items_inspected": 20, "items_correct": 15, "contaminated_kitchen": 3,
            "notes": "桶边有散落垃圾"})
    for kind, period in ((ReportKind.CAPACITY, ReportPeriod.DAY),
                         (ReportKind.COVERAGE, ReportPeriod.WEEK)):
        make_report(kind, period, today - dt.timedelta(days=8), made_by="scheduler")
    add_subscription(city.users["admin"], email="manager@example.org", kind="capacity",
                     period="day")
    db.session.commit()
    return city


def _bin_tasks(city) -> None:
    """A bin task overdue since nine days (so the reports list it), one acknowledged, one
    resolved and one rejected."""
    staff, street = city.users["staff"], city.users["street"]
    late = reporting.report_problem(staff, {"serial": "S0kit", "kind": "full", "note": "满了"})
    opened = local_now() - dt.timedelta(days=9)
    db.session.execute(update(BinTask).where(BinTask.id == late.report.task_id).values(
        opened_at=opened, due_at=opened + dt.timedelta(hours=4)))
    db.session.commit()
    for number, kind, step in (("S0rec", "damaged", "acknowledge"), ("S1res", "dirty", "resolve"),
                               ("S1kit", "missing", "reject")):
        task_id = reporting.report_problem(street, {"serial": number,
                                                    "kind": kind}).report.task_id
        if step == "reject":
            bintask_service.reject(street, task_id, "桶在原处")
        else:
            getattr(bintask_service, step)(street, task_id)


def _foreign(texts: dict[str, str], language: str) -> dict[str, list[str]]:
    """{page: the words (and, on a Chinese page, ASCII punctuation) of the other language},
    once the registry's own data is taken out of each text."""
    data = sorted(_registry_data(), key=len, reverse=True)
    found = {}
    for name, text in texts.items():
        text = _strip_data(text, data)
        if language == "en":
            words = set(CJK.findall(text))
        else:
            words = {w for w in LATIN_WORD.findall(text) if w.lower() not in ALLOWED_LATIN}
            words |= {f"punctuation {m!r}" for m in ASCII_PUNCTUATION_IN_CHINESE.findall(text)}
        if words:
            found[name] = sorted(words)
    return found


def _report(found: dict) -> str:
    return "\n".join(f"{name}: {words}" for name, words in found.items())


@pytest.mark.parametrize("role", ROLES)
def test_chinese_pages_have_no_english_words(login, lived_in_city, role):
    pages = _crawl(login(role), "zh-CN")
    assert len(pages) > 3, pages.keys()
    found = _foreign(pages, "zh-CN")
    assert not found, _report(found)


@pytest.mark.parametrize("role", ROLES)
def test_english_pages_have_no_chinese(login, lived_in_city, role):
    pages = _crawl(login(role), "en")
    assert len(pages) > 3, pages.keys()
    found = _foreign(pages, "en")
    assert not found, _report(found)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_messages_met_on_the_way_speak_the_language(browser, lived_in_city, language):
    """What the crawl cannot reach by links: the log-in prompt after a redirect, an error page,
    a form sent back with messages beside its fields."""
    headers = {"Accept-Language": language, "Accept": "text/html"}
    html = {}
    html["log-in prompt"] = browser.get("/dashboard/", headers=headers,
                                        follow_redirects=True).text
    browser.login("street")
    html["not found"] = browser.get("/households/999999", headers=headers).text
    sent_back = browser.submit("/households/new", {"code": "", "members": "100",
                                                   "sorting_since": "2999-01-01"},
                               headers=headers)
    assert sent_back.status_code == 422
    html["form sent back"] = sent_back.text
    texts = {}
    for name, page in html.items():
        parser = _Text()
        parser.feed(page)
        texts[name] = " ".join(parser.parts)
    found = _foreign(texts, language)
    assert not found, _report(found)
