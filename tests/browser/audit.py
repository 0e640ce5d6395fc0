"""What the browser suite checks on every page a person can reach (issue 25): axe-core's WCAG 2.2 A/AA
rules, nothing wider than the screen, no text under 9 px (SVG charts measured as drawn)."""

from __future__ import annotations

import json
import os
import re
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Error as PlaywrightError

from scripts.fetch_axe import axe_path

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING = {"serious", "critical"}
MIN_TEXT_PX = 9.0

# Not our pages, not HTML, or an action rather than a page.
SKIP = re.compile(r"^/(admin|api|static|media|accounts/logout|i18n)/|\.(gpx|fit|tcx|csv|ics|json|png|svg|pdf|zip)$"
                  r"|/(download|export|feed)(/|$)|\.ics$")


@cache
def axe_script() -> str:
    try:
        return axe_path().read_text()
    except OSError as error:  # no registry: a developer offline skips, CI fails
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but axe-core could not be fetched: {error}")
        pytest.skip(f"axe-core not available: {error}")


def axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now (serious and critical first). axe-core is an
    init script of the page's browser context (loaded with every page, not sent over the wire for
    each: 5.1 -> 0.8 s of the crawl's injections a viewport); a page opened before is given it."""
    context = page.context
    if not getattr(context, "_axe_on_every_page", False):
        context.add_init_script(script=axe_script())
        context._axe_on_every_page = True
    if page.evaluate("() => typeof window.axe === 'undefined'"):
        page.evaluate(axe_script())
    found = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: '
                                                    + (n.failureSummary || '').slice(0, 160))}));
        }""", TAGS)
    return sorted(found, key=lambda v: v["impact"] not in FAILING)


LAYOUT = """() => {
  const width = document.documentElement.scrollWidth, screen = window.innerWidth;
  const small = [], seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    seen.add(el);
    if (el.closest('script, style, title, desc, noscript, .visually-hidden')) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    let size = parseFloat(style.fontSize);
    if (el instanceof SVGElement && el.getScreenCTM()) {
      const m = el.getScreenCTM(); size *= Math.hypot(m.a, m.b);
    }
    if (size < MIN) small.push(size.toFixed(1) + 'px ' + JSON.stringify(node.textContent.trim().slice(0, 20)));
  }
  const wide = [];
  if (width > screen) {
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.right > screen + 1 && !(el.parentElement && el.parentElement.closest('.table-scroll'))) {
        const name = typeof el.className === 'string' && el.className ? '.' + el.className : '';
        wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + name + ' ' + Math.round(box.right));
      }
    }
  }
  return {width, screen, small: small.slice(0, 8), smallCount: small.length, wide: wide.slice(-4)};
}""".replace("MIN", str(MIN_TEXT_PX))


# (page.evaluate in the page's own world: eval_on_selector_all first injects Playwright's selector
# engine into every new page, ~30 ms a page of the crawl)
LINKS = "() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"


def layout(page) -> dict:
    return page.evaluate(LAYOUT)


# Pages whose content changes with who is signed in (a sign-up form, an RSVP, a join button): every
# role audits them, not only the first that reached one.
PER_PERSON = re.compile(r"^/(events|clubs)/\*$")


def shape(path: str) -> str:
    """One visit per kind of page: numbers and slugs (segments with a digit or a hyphen) collapse."""
    parts = [("*" if re.search(r"[\d-]|%", part) else part) for part in path.strip("/").split("/")]
    return "/" + "/".join(parts)


@dataclass
class Audit:
    problems: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def check(self, page, label: str) -> None:
        self.pages.append(label)
        for violation in axe(page):
            if violation["impact"] in FAILING:
                self.problems.append(f"{label}: axe {violation['id']} ({violation['impact']}) {violation['nodes']}")
        found = layout(page)
        if found["width"] > found["screen"]:
            self.problems.append(f"{label}: {found['width']} px wide on a {found['screen']} px screen {found['wide']}")
        if found["smallCount"]:
            self.problems.append(f"{label}: {found['smallCount']} texts under {MIN_TEXT_PX} px {found['small']}")

    def crawl(self, page, base: str, role: str, start: list[str], pinned: tuple[str, ...] = (),
              limit: int = 80, audited: set[str] | None = None) -> None:
        """Breadth first from the start pages through every same-site link, one page per shape; the
        pinned pages are visited even when a page of their shape was (events differ by kind).
        `audited` carries the shapes earlier roles audited: a later role audits its start and
        pinned pages, shapes new to it, and the pages that change with who is signed in (an
        event's and a club's page), and only follows the links of the rest."""
        queue, shapes, seen = deque([*pinned, *start]), set(), set()
        audited = audited if audited is not None else set()
        while queue and len(shapes) < limit:
            path = queue.popleft()
            if SKIP.search(path) or path in seen or (shape(path) in shapes and path not in pinned):
                continue
            seen.add(path)
            shapes.add(shape(path))
            again = path in pinned or path in start or shape(path) not in audited or PER_PERSON.match(shape(path))
            audited.add(shape(path))
            try:
                response = page.goto(base + path)
            except PlaywrightError as error:  # a file to download, not a page
                if "Download is starting" in str(error):
                    continue
                raise
            if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            if response.status >= 500:
                self.problems.append(f"{role} {path}: {response.status}")
            if response.status >= 400 and not (response.status == 404 and not settings.DEBUG):
                continue  # (under DEBUG a 404 is Django's technical page, not ours)
            if again:
                self.check(page, f"{role} {path}")
            for href in page.evaluate(LINKS):
                url = urlsplit(urldefrag(href)[0])
                if url.netloc == urlsplit(base).netloc and url.path not in queue:
                    queue.append(url.path)

    def submit_empty(self, page, base: str, label: str, path: str, form: str) -> None:
        """The form sent as it stands, the browser's own checks off (the server's answer is what is
        audited): the page in its error state."""
        page.goto(base + path)
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator(form).evaluate("form => { form.noValidate = true; }")
        page.locator(form).locator("button[type=submit], button:not([type])").last.click()
        page.wait_for_load_state()
        if not page.locator(".error-summary, .errorlist, [role=alert], .message.error").count():
            self.problems.append(f"{label} {path}: no error shown after an empty submit")
        self.check(page, f"{label} {path} (errors)")

    def report(self) -> str:
        return json.dumps(self.problems, ensure_ascii=False, indent=1)
