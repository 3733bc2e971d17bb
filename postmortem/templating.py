"""The one Jinja2 environment: shipped templates, overridable by name from the user's folder."""

from __future__ import annotations

import functools
import hashlib
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


def cell(value: Any) -> str:
    """Text that stays inside one Markdown table cell whatever it holds."""
    text = "" if value is None else str(value)
    text = text.replace("\\|", "|").replace("|", "\\|")
    text = " <br> ".join(part.strip() for part in text.strip().splitlines())
    return text or " "


def fence(code: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside."""
    longest, run = 0, 0
    for ch in code:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{code.rstrip(chr(10))}\n{ticks}"


@functools.lru_cache(maxsize=8)
def _environment(user_dir: str) -> jinja2.Environment:
    import jinja2

    class _Environment(jinja2.Environment):
        """Template data is plain dicts built in Python: look their keys up first. Jinja's
        default tries the attribute, fails with an exception, then the key: for every
        `row.field` of thousands of reports, that was a third of rendering."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute in obj:
                return obj[attribute]
            return super().getattr(obj, attribute)

    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(user_dir),
        jinja2.FileSystemLoader(str(shipped_dir())),
    ])
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
    return env


def environment(config: Config) -> jinja2.Environment:
    return _environment(str(config.templates_dir))


def get_template(config: Config, name: str) -> jinja2.Template:
    import jinja2

    env = environment(config)
    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or name}:{exc.lineno}: template syntax error: "
                            f"{exc.message}") from None
    except jinja2.TemplateNotFound:
        raise TemplateError(f"template '{name}' not found in {config.templates_dir} or the "
                            "shipped templates") from None


def render(config: Config, name: str, context: dict[str, Any]) -> str:
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


def templates_digest(config: Config, names: tuple[str, ...]) -> str:
    """A hash of the templates in use: a changed template makes every report stale."""
    h = hashlib.sha256()
    env = environment(config)
    assert env.loader is not None
    for name in names:
        source, _, _ = env.loader.get_source(env, name)
        h.update(name.encode() + b"\0" + source.encode() + b"\0")
    return h.hexdigest()[:16]
