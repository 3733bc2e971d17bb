"""The one Jinja2 environment of reports, the review and scaffolds: shipped templates,
overridable by name from the user's folder, filters registered here."""

from __future__ import annotations

import functools
import hashlib
import re
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postmortem.errors import PostmortemError

if TYPE_CHECKING:
    import jinja2

    from postmortem.config import Config


class TemplateError(PostmortemError):
    """A template could not be loaded or rendered; names the template file and line."""


def shipped_dir() -> Path:
    """Templates inside the installed wheel, or the repository's top-level folder."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


def alternatives(values: Any, word: str) -> str:
    """``a, b or c``: the allowed values of a field, joined with the language's ``word``."""
    values = list(values)
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} {word} {values[-1]}"


@functools.lru_cache(maxsize=8)
def _environment(user_dir: str | None) -> jinja2.Environment:
    import jinja2

    from postmortem.reports.markdown import cell, fence

    class _Environment(jinja2.Environment):
        """Template data is plain dicts built in Python: look their keys up first. Jinja's
        default tries the attribute, fails with an exception, then the key: for every
        `row.field` of thousands of reports, that was a third of rendering."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute in obj:
                return obj[attribute]
            return super().getattr(obj, attribute)

    loaders = [jinja2.FileSystemLoader(user_dir)] if user_dir is not None else []
    loader = jinja2.ChoiceLoader([*loaders, jinja2.FileSystemLoader(str(shipped_dir()))])
    env = _Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # the output is Markdown, not HTML
    )
    env.filters["cell"] = cell
    env.filters["fence"] = fence
    env.filters["alternatives"] = alternatives
    return env


def environment(config: Config | None) -> jinja2.Environment:
    """The environment for ``config``'s templates folder (None: the shipped templates only)."""
    return _environment(str(config.templates_dir) if config is not None else None)


def get_template(config: Config | None, name: str) -> jinja2.Template:
    import jinja2

    env = environment(config)
    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or name}:{exc.lineno}: template syntax error: "
                            f"{exc.message}") from None
    except UnicodeDecodeError as exc:
        raise _not_utf8(config, name, exc) from None
    except jinja2.TemplateNotFound:
        where = f"{config.templates_dir} or " if config is not None else ""
        raise TemplateError(f"template '{name}' not found in {where}the shipped templates"
                            ) from None


def render(config: Config | None, name: str, context: dict[str, Any]) -> str:
    """Render template ``name``; any failure names the template file and line."""
    template = get_template(config, name)
    try:
        return template.render(context)
    except Exception as exc:
        where = _template_frame(exc, template.filename or name)
        raise TemplateError(f"{where}: template error: {exc}",
                            hint="fix the template, or delete your override to use the "
                                 "shipped one") from None


def _template_frame(exc: BaseException, filename: str) -> str:
    """The last template line in the traceback (Jinja2 maps its frames to template lines)."""
    found = filename
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".j2") or frame.filename == filename:
            found = f"{frame.filename}:{frame.lineno}"
    return found


def _not_utf8(config: Config | None, name: str, exc: UnicodeDecodeError) -> TemplateError:
    where = config.rel(config.templates_dir / name) if config is not None else name
    byte = exc.object[exc.start]
    return TemplateError(f"{where}: template is not valid UTF-8 (byte 0x{byte:02x} at offset "
                         f"{exc.start})",
                         hint="save the template as UTF-8, or delete your override to use "
                              "the shipped one")


# A tag that may name another template: `{% include "x.md.j2" %}`, import, from, extends.
_REFERENCES = re.compile(r"\{%[-+]?\s*(?:include|import|from|extends)\b")


def templates_digest(config: Config, names: tuple[str, ...]) -> str:
    """A hash of the templates in use: ``names`` and every template they include, import or
    extend, so that a change to any of them makes every report stale."""
    import jinja2
    import jinja2.meta

    h = hashlib.sha256()
    env = environment(config)
    assert env.loader is not None
    todo, seen = list(names), set()
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        try:
            source, filename, _ = env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            continue  # reported where the template is used
        except UnicodeDecodeError as exc:
            raise _not_utf8(config, name, exc) from None
        h.update(name.encode() + b"\0" + source.encode() + b"\0")
        if not _REFERENCES.search(source):
            continue  # no include, import or extends: nothing to parse for (the shipped ones)
        try:
            found = list(jinja2.meta.find_referenced_templates(env.parse(source, name,
                                                                         filename)))
        except jinja2.TemplateSyntaxError:
            continue  # reported where the template is used
        # A name computed at run time could be any template: then all of them count.
        todo.extend(sorted(env.list_templates()) if None in found
                    else [ref for ref in found if ref is not None])
    return h.hexdigest()[:16]
