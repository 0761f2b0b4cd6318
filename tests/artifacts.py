"""Where the browser tests save their screenshots (CI keeps the folder as an artifact)."""

from __future__ import annotations

import os
from pathlib import Path

SCREENSHOT_DIR = Path(
    os.environ.get(
        "SCREENSHOT_DIR", Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
    )
)
SAVED: list[Path] = []


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot of a Playwright page and remember it for the summary."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SAVED.append(path)
    return path
