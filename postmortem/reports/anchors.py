"""Stable anchors: one rule for action items, root causes and sections, used everywhere."""

from __future__ import annotations

from postmortem.format.ids import slug


def _prefixed(prefix: str, ident: str) -> str:
    s = slug(ident)
    return s if s.startswith(f"{prefix}-") else f"{prefix}-{s}"


def item_anchor(item_id: str) -> str:
    """``AI-1`` -> ``ai-1``; ids of another form get the prefix: ``FIX-2`` -> ``ai-fix-2``."""
    return _prefixed("ai", item_id)


def root_cause_anchor(index: int) -> str:
    """The n-th root cause (0-based) -> ``rc-1``."""
    return f"rc-{index + 1}"


def section_anchor(key_or_title: str) -> str:
    """A built-in section key (``root_causes`` -> ``root-causes``)."""
    return slug(key_or_title)


def free_section_anchor(title: str) -> str:
    """A free section's title (``Security Status`` -> ``section-security-status``)."""
    return f"section-{slug(title)}"


def class_anchor(category: str) -> str:
    """The index's anchor of a failure class (categories are slugs already)."""
    return f"class-{category}"


def tag_anchor(tag: str) -> str:
    return f"tag-{tag}"


def issue_anchor(issue_id: str) -> str:
    """A known issue's id: ``KI-1`` -> ``ki-1``; ids of another form get the prefix."""
    return _prefixed("ki", issue_id)
