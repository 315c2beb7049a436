"""The chat page in real Chromium: type /start, see the menu, press a button, see the reply in place."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from creativebot.texts import RU
from infra.local.stack import LocalStack

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed here (.ci/run installs it)"
    ),
]


def test_a_person_chats_with_the_bot_in_the_browser(stack: LocalStack) -> None:
    from playwright.sync_api import sync_playwright

    assert stack.parts.chat_url is not None
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 760, "height": 900})
            page.goto(stack.parts.chat_url)
            # When: the person types /start
            page.fill("#text", "/start")
            page.click("#send")
            # Then: the welcome and the main menu's buttons appear
            page.wait_for_selector("text=Креативы за 60 секунд", timeout=20_000)
            help_button = page.locator(".keyboard button", has_text=RU.btn_help)
            help_button.wait_for(timeout=10_000)
            # When: they press Help
            help_button.click()
            # Then: the same message turns into the help screen (edited in place)
            page.wait_for_selector("text=Как это работает", timeout=20_000)
            assert page.locator(".msg.bot").count() == 1
            assert page.locator(".keyboard button", has_text=RU.btn_main_menu).count() == 1
            page.screenshot(path=str(ARTIFACTS / "chat_page.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "chat_page.png").stat().st_size > 10_000
