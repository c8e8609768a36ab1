"""The accessibility audit: axe-core (npm, ``package.json``) injected by Playwright into
Debian's Chromium. GB/T 37668 follows WCAG 2.1 AA; a page passes with no serious or
critical violation of the WCAG 2.0/2.1 A and AA rules.

Reusable: ``audit_pages(browser, base_url, urls, session_cookie)`` opens every URL at each
width of ``WIDTHS`` and returns what failed (violations and browser console errors, which
include pages broken by the Content-Security-Policy). A new area of the site is audited by
listing its URLs in a test like ``tests/e2e/test_accessibility.py``.
"""

from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
BLOCKING = {"serious", "critical"}
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source():
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run `npm ci` (the Makefile does).")
    return AXE.read_text(encoding="utf-8")


def session_cookie(client, user, base_url):
    """A logged-in session for the browser, made by Django's test client."""
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": base_url}


def audit(page, url, source):
    """Serious and critical axe violations of the page at ``url``, as readable lines."""
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    # Evaluated through the DevTools protocol, which the page's CSP does not restrict.
    page.evaluate(source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", RULE_TAGS
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def watch_errors(page):
    """A list that collects the page's console errors, uncaught exceptions and failed
    requests (the favicon excepted: the browser asks for it on its own)."""
    errors = []

    def on_console(message):
        # Failed loads are reported with their URL by on_response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"console: {message.text}")

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on("response", on_response)
    return errors


def audit_pages(browser, base_url, urls, cookie=None, screenshots=None):
    """Every URL at every width: {"<width> <url>": [problems]} for the pages with any."""
    source = axe_source()
    failures = {}
    for width, viewport in WIDTHS.items():
        context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=width == "phone")
        if cookie:
            context.add_cookies([cookie])
        page = context.new_page()
        errors = watch_errors(page)
        for url in urls:
            errors.clear()
            problems = audit(page, base_url + url, source)
            if width == "phone":
                overflow = page.evaluate("document.documentElement.scrollWidth")
                if overflow > viewport["width"]:
                    problems.append(f"wider than the screen: {overflow} px")
            problems += errors
            if screenshots:
                name = f"{width}{url.replace('/', '_').replace('?', '_')}.png"
                page.screenshot(path=str(Path(screenshots) / name), full_page=True)
            if problems:
                failures[f"{width} {url}"] = problems
        context.close()
    return failures
