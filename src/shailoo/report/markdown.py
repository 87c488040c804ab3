"""The team's Markdown (introduction, findings, notes) as safe HTML.

markdown-it-py (CommonMark, already installed with Rich) with raw HTML disabled: any `<tag>` a
team writes is shown as text, never passed through. Images are disabled (the report embeds
nothing from outside), and a link is kept only when it is a plain http(s) URL (outputs.safe_url)
or a #fragment; the others stay text. Links carry rel="noopener noreferrer nofollow"."""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup

from shailoo.outputs import safe_url


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.validateLink = lambda url: bool(safe_url(url)) or (url.startswith("#") and url[1:].replace("-", "").isalnum())

    def link_open(renderer, tokens, idx, options, env):
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def render_markdown(text: str | None) -> Markup:
    """HTML of `text`; markdown-it escapes every character that is not Markdown syntax."""
    if not text or not text.strip():
        return Markup("")
    return Markup(_parser().render(text))  # html=False: no raw HTML reaches the output
