"""The fake KIE.ai served from a background thread (see fake.py, families.py and faults.py)."""

from __future__ import annotations

from aiohttp import web

from infra.local.kie.fake import FakeKie, build_app
from infra.local.kie.families import FamilyTask
from infra.local.kie.faults import CREATE_KINDS, KINDS, RECORD_KINDS, FaultEvent, FaultPlan
from infra.local.servers import BackgroundServer, ServedApp


class FakeKieServer(ServedApp):
    def __init__(
        self,
        api_key: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        waiting_sec: float = 0.5,
        generating_sec: float = 2.0,
        webhook_hmac_key: str | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        self.fake = FakeKie(
            api_key, waiting_sec=waiting_sec, generating_sec=generating_sec, webhook_hmac_key=webhook_hmac_key
        )
        self.fake.faults = faults
        self.server = BackgroundServer(self._app, host=host, port=port, name="fake-kie")

    async def _app(self) -> web.Application:
        self.fake.base_url = self.server.url
        return build_app(self.fake)


__all__ = [
    "CREATE_KINDS",
    "KINDS",
    "RECORD_KINDS",
    "FakeKie",
    "FakeKieServer",
    "FamilyTask",
    "FaultEvent",
    "FaultPlan",
]
