"""The language of a survey page: the link's ?lang=, else the phone's language, else zh-Hans,
among those the campaign offers and the questionnaire is translated into. The pages' own words
come from gettext catalogues (survey/translations/<lang>/LC_MESSAGES/messages.po, read with
Babel); the questionnaire's words from its definition."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, g, has_request_context, request

from questionnaires.model import BASE_LANGUAGE, LANGUAGES

CATALOGUES = Path(__file__).parent.parent / "translations"
#: the language attribute of a page in each language (zh-Hans pages say zh-CN, as phones do)
HTML_LANG = {"zh-Hans": "zh-CN"}


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> msgstr of a language's catalogue (empty for zh-Hans: the words are its own)."""
    from babel.messages.pofile import read_po

    path = CATALOGUES / lang / "LC_MESSAGES" / "messages.po"
    if lang == BASE_LANGUAGE or not path.exists():
        return {}
    with path.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and m.string}


def current() -> str:
    """The language of the page being made (zh-Hans outside a request or when none chosen)."""
    if not has_request_context():
        return BASE_LANGUAGE
    return g.get("lang") or BASE_LANGUAGE


def translate(text: str, lang: str) -> str:
    """Words in a language, as its catalogue has them (the words themselves where it has not)."""
    return catalogue(lang).get(text, text)


def gettext(text: str, **values) -> str:
    """The page's words in its language, formatted with %(name)s values."""
    found = translate(text, current())
    return found % values if values else found


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    return gettext(singular if n == 1 else plural, n=n, **values)


def choose(offered: tuple[str, ...]) -> str:
    """The page's language among `offered` (zh-Hans first): ?lang= (or a language button of
    the form, or the form's lang), then the phone's Accept-Language, then zh-Hans; set for the
    request and returned."""
    if len(offered) == 1:  # most campaigns: nothing to weigh
        g.lang = offered[0]
        return offered[0]
    asked = request.args.get("lang") or request.form.get("switch_lang") or request.form.get("lang")
    asked = (asked or "").strip()
    if asked in offered:
        lang = asked
    else:
        tags = {("zh-CN" if c == BASE_LANGUAGE else c): c for c in offered}
        best = request.accept_languages.best_match(list(tags), default="zh-CN")
        lang = tags.get(best, BASE_LANGUAGE)
    g.lang = lang
    return lang


def direction(lang: str) -> str:
    return LANGUAGES.get(lang, ("", "ltr"))[1]


def init_app(app: Flask) -> None:
    """`_()` in the templates, and the page's lang and dir."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)

    @app.context_processor
    def page_language() -> dict:
        lang = current()
        return {"page_lang": HTML_LANG.get(lang, lang), "page_dir": direction(lang), "lang": lang}
