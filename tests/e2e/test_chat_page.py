"""The chat page in real Chromium: type /start, see the menu, press a button, see the reply in place; the
bot's command menu and description, silent messages and a picture attached from disk."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from creativebot.texts import RU
from infra.local.kie.fake import png
from infra.local.stack import LocalStack
from tests.e2e.conftest import Database

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PERSON = 100001  # the page's default person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed here (.ci/run installs it)"
    ),
]


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
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
            yield launched
        finally:
            launched.close()


def test_a_person_chats_with_the_bot_in_the_browser(stack: LocalStack, browser: Any) -> None:
    assert stack.parts.chat_url is not None
    ARTIFACTS.mkdir(exist_ok=True)
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
    assert (ARTIFACTS / "chat_page.png").stat().st_size > 10_000


def test_the_menu_the_description_silent_messages_and_a_picture_from_disk(
    stack: LocalStack, browser: Any, tmp_path: Path
) -> None:
    assert stack.emulator is not None and stack.parts.chat_url is not None
    emulator = stack.emulator.emulator
    bot_api = f"{stack.emulator.url}/bot{emulator.token}"
    description = "Тестовое описание: что умеет бот"
    httpx.post(
        f"{bot_api}/setMyCommands", json={"commands": [{"command": "start", "description": "Начать"}]}
    ).raise_for_status()
    # the stack has set the bot's own Russian profile; a Russian description replaces it for this page
    httpx.post(
        f"{bot_api}/setMyDescription", json={"description": description, "language_code": "ru"}
    ).raise_for_status()
    page = browser.new_page(viewport={"width": 760, "height": 900})
    page.goto(stack.parts.chat_url)
    # Given an empty chat: the bot's description, and its menu behind ☰
    page.locator(".about", has_text=description).wait_for(timeout=10_000)
    page.click("#menu-button")
    page.locator("#menu div", has_text="/start").click()
    page.wait_for_selector("text=Креативы за 60 секунд", timeout=20_000)
    # A message the bot sent without a sound carries 🔕
    httpx.post(
        f"{bot_api}/sendMessage",
        json={"chat_id": PERSON, "text": "Тихое сообщение", "disable_notification": True},
    ).raise_for_status()
    silent = page.locator(".msg.bot", has_text="Тихое сообщение")
    silent.wait_for(timeout=10_000)
    assert "🔕" in silent.locator(".meta").inner_text()
    # A picture from disk (a bank transfer's screenshot) goes to the bot as a photo
    screenshot = tmp_path / "transfer.png"
    screenshot.write_bytes(png(64, 48, b"transfer"))
    page.set_input_files("#photo", str(screenshot))
    page.locator(".msg.me img").first.wait_for(timeout=10_000)
    sent = [m for m in emulator.history(PERSON)["messages"] if not m["from_bot"] and "photo" in m["payload"]]
    assert len(sent) == 1


def test_step_two_prices_and_the_gallery_on_the_chat_page(
    stack: LocalStack, browser: Any, database: Database
) -> None:
    """The screens people judge the bot by, as a browser shows them (artifacts/*.png for the release note)."""
    assert stack.parts.chat_url is not None
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 760, "height": 1100})
    page.goto(stack.parts.chat_url)
    page.fill("#text", "/start")
    page.click("#send")
    page.wait_for_selector("text=Креативы за 60 секунд", timeout=20_000)
    # Playwright's loop runs in this thread: the database helper gets its own
    with ThreadPoolExecutor(1) as pool:
        pool.submit(database.topup, PERSON, 100_00).result()

    def press(label: str) -> None:
        button = page.locator(".keyboard button", has_text=label).last
        button.wait_for(timeout=20_000)
        button.click()

    press(RU.categories["photo"])
    press("Nano Banana 2 ·")
    press(RU.btn_choose)
    page.wait_for_selector("text=Шаг 1/3", timeout=20_000)
    page.fill("#text", "кот-астронавт в неоновом городе")
    page.click("#send")
    # Then: step 2's buttons say how each choice changes the price
    delta = page.locator(".keyboard button", has_text="2K · +")
    delta.last.wait_for(timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "step2_prices.png"), full_page=True)
    press(RU.btn_next)
    press("🚀")
    page.locator(".msg.bot img").first.wait_for(timeout=60_000)
    # When: the gallery is opened from the menu
    page.fill("#text", "/gallery")
    page.click("#send")
    page.locator(".msg.bot", has_text="Мои генерации").last.wait_for(timeout=20_000)
    assert page.locator(".keyboard button", has_text="📤 1").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "gallery.png"), full_page=True)
    assert (ARTIFACTS / "step2_prices.png").stat().st_size > 10_000
    assert (ARTIFACTS / "gallery.png").stat().st_size > 10_000
