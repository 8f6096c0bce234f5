"""What every page a journey visits must satisfy, whatever the journey.

- no console error and no uncaught script error (a missing asset, the favicon included, is a console error);
- no request to another host: deployments run on closed networks, so every asset is the platform's own;
- no horizontal overflow at a 390 px wide phone viewport, no button or navigation label cut off there, and no short
  label (a column heading, a badge, a button) broken over several lines at either size;
- no untranslated text: on a Chinese page no English message of the platform's catalogs, on an English page no
  Chinese text, and on neither an internal key (``pulse_width``, ``value_min``) or a unit's internal name
  (``degC``, ``m_z``).

Three allowances, all deliberate:
- user content: what people typed (a demand's title, a product's Chinese name when it has no English one) is in
  one language only and may appear on pages of either; :func:`user_content` reads it from the database and the
  text checks remove it before looking. A product's or organization's Chinese name is user content only while it
  has no English name: an English page must show the English one.
- text a person types verbatim, marked ``<kbd>`` (an import file's column headers, which are dictionary keys and
  may be Chinese on an English page);
- text inside an element whose ``lang`` attribute names another language (the language switcher's "English" on a
  Chinese page, an organization's Chinese name beside its English one for staff verifying it) is in that
  language on purpose.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from django.apps import apps

from tests.po import all_entries

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
# Internal spellings that must never reach a page: dictionary keys and field names (snake_case), pint's names.
INTERNAL_KEY = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/@-])")
INTERNAL_UNITS = re.compile(r"(?<![\w/])(?:degC|degF|delta_degC|m_z)(?![\w/])")
# Unit names that are English words: right on an English page ("% · percent"), untranslated on a Chinese one.
ENGLISH_UNIT_WORDS = re.compile(r"(?<![\w/])(?:percent|megapascal|microliters?|degrees?|times|gauss|arcsec)(?![\w/])")
# A text of only lower-case English words on a Chinese page is an untranslated value ("isocratic", "mode-locked").
LOWER_CASE_WORDS = re.compile(r"[a-z][a-z-]{3,}(?: [a-z][a-z-]+)*")
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")

# The text of every block of the page with the language it is written in (inline children such as a search
# highlight's <mark> joined to their block, so a highlighted word does not split a product's name), then the
# texts people read in attributes.
_TEXTS_JS = """
() => {
  const INLINE = new Set(["A", "ABBR", "B", "BDI", "CODE", "EM", "I", "KBD", "LABEL", "MARK", "Q", "S", "SMALL",
                          "SPAN", "STRONG", "SUB", "SUP", "TIME", "U"]);
  const language = (el) => { const owner = el.closest("[lang]"); return owner ? owner.lang : ""; };
  const blocks = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    let block = walker.currentNode.parentElement;
    // What a person types verbatim (an import file's column headers) is marked <kbd>, in whatever language.
    if (!block || block.closest("script, style, noscript, template, kbd")) continue;
    while (INLINE.has(block.tagName) && block.parentElement && !block.hasAttribute("lang")) {
      block = block.parentElement;
    }
    blocks.set(block, (blocks.get(block) || "") + walker.currentNode.textContent);
  }
  const texts = [];
  const seen = new Set();
  const push = (text, el) => {
    text = (text || "").replace(/\\s+/g, " ").trim();
    const key = language(el) + "\\n" + text;
    if (text && !seen.has(key)) { seen.add(key); texts.push([text, language(el)]); }
  };
  for (const [block, text] of blocks) push(text, block);
  // What a control or a heading of a table says, also on its own: a short label ("Weight", "Remove") joined to a
  // Chinese sentence around it would hide inside the block's text.
  const CONTROLS = "button, label, a, option, th, summary, legend, .badge, .nav-link, .btn";
  for (const el of document.querySelectorAll(CONTROLS)) {
    if (el.closest("script, style, noscript, template, kbd") || el.querySelector("kbd")) continue;
    push(el.textContent, el);
  }
  // A stacked table's cell names its column through data-label, which a phone shows before the cell's value.
  for (const name of ["placeholder", "title", "aria-label", "data-label"]) {
    for (const el of document.querySelectorAll(`[${name}]`)) push(el.getAttribute(name), el);
  }
  for (const el of document.querySelectorAll("img[alt]")) push(el.getAttribute("alt"), el);
  for (const el of document.querySelectorAll("input[type=submit], input[type=button]")) push(el.value, el);
  push(document.title, document.documentElement);
  return texts;
}
"""

# Buttons, navigation links and badges whose text does not fit their box: cut off, or spilling out of it. Only
# boxes that have a width of their own are measured (an inline link's clientWidth is 0).
_CUT_OFF_JS = """
() => {
  const cut = [];
  for (const el of document.querySelectorAll("button, .btn, nav a, .nav-link, .navbar-brand, .badge, .page-link")) {
    if (!el.getClientRects().length || el.clientWidth === 0) continue;
    // Shortened on purpose, the whole text in its title (a long user name in the navigation).
    if (el.classList.contains("text-truncate") && el.title) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "inline") continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      const text = (el.textContent || "").replace(/\\s+/g, " ").trim().slice(0, 40);
      cut.push(`${el.tagName.toLowerCase()} "${text}" (${el.scrollWidth} px in ${el.clientWidth} px)`);
    }
  }
  return cut.slice(0, 5);
}
"""

# Short labels (a column heading, a badge, a button: eight characters at most) broken into lines of one or two
# characters, as a narrow column breaks 权重 into 权 and 重.
_WRAPPED_JS = """
() => {
  const wrapped = [];
  for (const el of document.querySelectorAll("th, .badge, .btn, .nav-link")) {
    const text = (el.textContent || "").replace(/\\s+/g, " ").trim();
    if (!text || [...text].length > 8 || !el.getClientRects().length) continue;
    // The text a person sees: not that of a screen reader's hidden note ("7 unread" is a badge "7").
    const rects = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      if (walker.currentNode.parentElement.closest(".visually-hidden, .visually-hidden-focusable")) continue;
      const range = document.createRange();
      range.selectNodeContents(walker.currentNode);
      for (const r of range.getClientRects()) if (r.width > 0) rects.push(r);
    }
    // A new line starts below most of the previous one (a badge's smaller text on the same line does not count).
    rects.sort((a, b) => a.top - b.top);
    let lines = 0, last = -Infinity;
    for (const r of rects) if (r.top > last + 0.6 * r.height) { lines += 1; last = r.top; }
    // Two characters a line or fewer: 权重 as 权 / 重, "Demands" as "Dem / and / s".
    if (lines > 1 && [...text.replace(/ /g, "")].length / lines <= 2) {
      wrapped.push(`${el.tagName.toLowerCase()} "${text}" on ${lines} lines`);
    }
  }
  return wrapped.slice(0, 5);
}
"""

_OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && !el.parentElement.closest(".table-responsive, .overflow-auto, pre")) {
      wide.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")} ` +
                `(${Math.round(box.right)} px)`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}
"""


@dataclass(frozen=True)
class EnglishMessages:
    """The catalogs' English messages whose Chinese differs, indexed for a fast look-up over page texts."""

    exact: frozenset[str]
    # Messages with placeholders, as patterns a whole text must not match.
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    # Messages of three words or more, which a text must not contain, by their first word.
    phrases: dict[str, tuple[tuple[str, re.Pattern[str]], ...]]


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _pattern(msgid: str) -> str:
    parts = _PLACEHOLDER.split(_collapse(msgid))
    return ".+?".join(re.escape(part) for part in parts)


@lru_cache(maxsize=1)
def english_messages() -> EnglishMessages:
    exact: set[str] = set()
    patterns: dict[str, re.Pattern[str]] = {}
    phrases: dict[str, dict[str, re.Pattern[str]]] = defaultdict(dict)
    for _path, entry in all_entries():
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            if not re.search(r"[A-Za-z]{2}", msgid) or msgid in entry.msgstr:
                continue  # a symbol, a code or a name spelt the same in Chinese (API, CSV, PDF)
            if _PLACEHOLDER.search(msgid):
                patterns[msgid] = re.compile(_pattern(msgid))
            else:
                exact.add(_collapse(msgid))
            words = _PLACEHOLDER.sub(" ", msgid).split()
            if len(words) >= 3 and not _PLACEHOLDER.match(msgid):
                phrase = re.compile(r"(?<![A-Za-z])" + _pattern(msgid) + r"(?![A-Za-z])")
                phrases[words[0]][msgid] = phrase
    return EnglishMessages(
        exact=frozenset(exact),
        patterns=tuple(patterns.items()),
        phrases={word: tuple(found.items()) for word, found in phrases.items()},
    )


@lru_cache(maxsize=1)
def chinese_terms_of_english_messages() -> tuple[str, ...]:
    """The Chinese an English message itself contains ("Domestic product (本国产品)": the legal term, quoted on
    purpose), longest first: right on an English page."""
    terms: set[str] = set()
    for _path, entry in all_entries():
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            if CJK.search(msgid):
                terms.update(_collapse(part) for part in _PLACEHOLDER.split(msgid) if CJK.search(part))
    return tuple(sorted(terms, key=len, reverse=True))


def english_message_in(text: str) -> str | None:
    """The catalog message a Chinese page's text is, or contains, if any."""
    messages = english_messages()
    if text in messages.exact:
        return text
    if re.search(r"[A-Za-z]{2}", text) is None:
        return None
    for msgid, pattern in messages.patterns:
        if pattern.fullmatch(text):
            return msgid
    for word in set(re.findall(r"[A-Za-z][\w'-]*", text)):
        for msgid, phrase in messages.phrases.get(word, ()):
            if phrase.search(text):
                return msgid
    return None


# Fields people type in one language, by model name: allowed on pages of either language.
_MONOLINGUAL = {
    "User": ["full_name", "email"],
    "Organization": ["description", "website"],
    "JoinRequest": ["message"],
    "Demand": [
        "title",
        "description",
        "import_reason",
        "free_text_requirements",
        "contact_name",
        "shared_check_reason",
    ],
    "DemandRevision": ["reason"],
    "Requirement": ["entered_value"],
    "SharedInstrument": ["name", "model_name", "manufacturer_name", "location", "booking_contact"],
    "Quote": ["message"],
    "Award": ["note"],
    "ImportJustification": ["reason"],
    "Product": ["model_number"],
    "ProductDocument": ["title"],
    "Specification": ["entered_value"],
    "Evaluation": ["title", "summary"],
    "MatchReport": ["note"],
}
# (Chinese field, English field) by model name: the Chinese text is user content only where no English exists.
_BILINGUAL = {
    "Organization": [("name_zh", "name_en")],
    "Product": [("name_zh", "name_en"), ("description_zh", "description_en")],
}


def user_content() -> list[str]:
    """Texts people typed, longest first (so a longer text is removed before a shorter one inside it)."""
    texts: set[str] = set()
    for model in apps.get_models():
        name = model.__name__
        for field_name in _MONOLINGUAL.get(name, []):
            texts.update(model._default_manager.values_list(field_name, flat=True))
        for zh, en in _BILINGUAL.get(name, []):
            for zh_text, en_text in model._default_manager.values_list(zh, en):
                texts.add(en_text)
                if not en_text:
                    texts.add(zh_text)
        if name == "Product":
            for components, certifications in model._default_manager.values_list("key_components", "certifications"):
                texts.update(str(c.get("name", "")) for c in components or [] if isinstance(c, dict))
                texts.update(str(c) for c in certifications or [])
    pieces = {_collapse(text) for text in texts if text}
    # Lines of a longer text show as blocks of their own, so each line is user content too.
    pieces |= {_collapse(line) for text in texts if text for line in str(text).splitlines()}
    return sorted((p for p in pieces if len(p) >= 2), key=len, reverse=True)


def _problems_in(text: str, language: str) -> list[str]:
    problems = []
    if INTERNAL_KEY.search(text) or INTERNAL_UNITS.search(text):
        problems.append("internal key or unit name")
    if language == "en":
        if CJK.search(text):
            problems.append("Chinese on an English page")
    else:
        msgid = english_message_in(text)
        if msgid:
            problems.append(f"English message {msgid!r} on a Chinese page")
        elif LOWER_CASE_WORDS.fullmatch(text) or ENGLISH_UNIT_WORDS.search(text):
            problems.append("untranslated English words on a Chinese page")
    return problems


def untranslated(texts: Iterable[tuple[str, str]], *, language: str, allowed: Iterable[str]) -> list[str]:
    """The texts of a page that are not in its language, or are internal keys; empty when all is well.

    ``texts`` are (text, language it is marked as) pairs; ``allowed`` is user content (see the module).
    """
    allowed = list(allowed)
    if language == "en":
        allowed += chinese_terms_of_english_messages()
    problems: list[str] = []
    for text, marked in texts:
        if marked and marked != language:
            continue
        if not _problems_in(text, language):
            continue
        rest = text
        for piece in allowed:
            if piece in rest:
                rest = rest.replace(piece, " ")
        rest = _collapse(rest)
        if rest:
            problems += [f"{problem}: {text!r}" for problem in _problems_in(rest, language)]
    return problems


@dataclass
class PageWatch:
    """Listens to one browser page: console errors, script errors, requests leaving the platform's host."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        page.on("request", self._on_request)
        page.on("framenavigated", self._on_navigated)

    def _on_console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            self.console_errors.append(f"{message.text} ({location.get('url', '')})")

    def _on_request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign_requests.append(request.url)

    def _on_navigated(self, frame) -> None:
        if frame.parent_frame is None:
            self.unchecked.append(frame.url)

    def reset(self) -> None:
        self.console_errors.clear()
        self.foreign_requests.clear()
        self.unchecked.clear()


def page_problems(page, watch: PageWatch, *, language: str, allowed: Iterable[str]) -> list[str]:
    """Everything wrong with the page now shown; resets the watch for the next page."""
    problems = [f"console: {e}" for e in watch.console_errors]
    problems += [f"request to another host: {u}" for u in watch.foreign_requests]
    shown = page.evaluate("document.documentElement.lang")
    if shown != language:
        problems.append(f"page language is {shown!r}, expected {language!r}")
    problems += untranslated(page.evaluate(_TEXTS_JS), language=language, allowed=allowed)
    viewport = page.viewport_size
    wrapped = page.evaluate(_WRAPPED_JS)
    # A desktop's navigation is the fullest (every link beside the search box): measured there too.
    cut_off_here = page.evaluate(_CUT_OFF_JS) if viewport != PHONE else []
    if viewport != PHONE:
        page.set_viewport_size(PHONE)
    try:
        # Charts re-lay themselves out after a resize, when their observers fire: give them up to two seconds.
        for _attempt in range(20):
            page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
            overflow = page.evaluate(_OVERFLOW_JS)
            if overflow["scrollWidth"] <= overflow["width"]:
                break
            page.wait_for_timeout(100)
        cut_off = page.evaluate(_CUT_OFF_JS)
        if viewport != PHONE:
            wrapped += page.evaluate(_WRAPPED_JS)
    finally:
        if viewport != PHONE:
            page.set_viewport_size(viewport)
    if overflow["scrollWidth"] > overflow["width"]:
        problems.append(
            f"{overflow['scrollWidth']} px wide at {PHONE['width']} px: {', '.join(overflow['wide']) or '?'}"
        )
    problems += [f"cut off at {PHONE['width']} px: {label}" for label in cut_off]
    if viewport:
        problems += [f"cut off at {viewport['width']} px: {label}" for label in cut_off_here]
    problems += [f"a short label wraps: {label}" for label in dict.fromkeys(wrapped)]
    watch.reset()
    return problems
