"""A reader that speaks Streamlit's own protocol instead of driving a browser: for load tests.

It does to the server what the browser's Streamlit client does: opens the session's websocket,
asks for a page run, sends the widget states of a filter change or a page switch as a rerun, and
reads every message the run sends (each chart's figure JSON, every table) until the run finishes.
It only skips the drawing. It sends no cached message hashes, so the server always sends every
element in full (a browser that has seen an element before gets a reference instead): the server
does at least the work it does for a browser.

Why it exists: on this two-core machine a real Chromium page needs 0.27 to 0.42 CPU-seconds to
draw one filter change, twelve to eighteen times what the server needs to compute it (0.023 s), and
twenty open windows use most of both cores while idle. Twenty Chromiums on the same two cores
measure the machine's drawing, not the server; readers' browsers run on readers' machines.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

PARTY_LABEL = "Claimants"


@dataclass
class Run:
    seconds: float  # from sending the rerun to the message that says it finished
    elements: int
    exceptions: list[str]
    headings: list[str]
    status: str


class ProtocolReader:
    """One session over one websocket."""

    def __init__(self, url: str):
        self.url = url
        self.socket = None
        self.pages: dict[str, str] = {}  # url path ("" for the default page) -> page script hash
        self.widgets: dict[str, str] = {}  # label -> widget id, from the elements received
        self.page = ""
        self.party: str | None = None

    async def __aenter__(self) -> ProtocolReader:
        address = self.url.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        self.socket = await websockets.connect(address, subprotocols=["streamlit"], origin=self.url, max_size=None)
        return self

    async def __aexit__(self, *exc) -> None:  # noqa: ANN002
        await self.socket.close()

    async def open(self, page: str) -> Run:
        """The first run of a session, as a browser opening /<page> asks for it."""
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_name = page
        self.page = page
        return await self._run(message)

    async def choose_party(self, party: str) -> Run:
        """The sidebar's "Claimants" filter changed, as a click on one of its options sends it."""
        self.party = party
        return await self._rerun()

    async def switch_page(self, page: str) -> Run:
        self.page = page
        return await self._rerun()

    async def _rerun(self) -> Run:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = ""
        state.page_script_hash = self.pages[self.page]
        if self.party is not None:
            widget = state.widget_states.widgets.add()
            widget.id = self.widgets[PARTY_LABEL]
            widget.string_value = self.party
        return await self._run(message)

    async def _run(self, message: BackMsg) -> Run:
        started = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        elements, exceptions, headings = 0, [], []
        while True:
            received = ForwardMsg()
            received.ParseFromString(await self.socket.recv())
            kind = received.WhichOneof("type")
            if kind == "navigation":
                self.pages = {page.url_pathname: page.page_script_hash for page in received.navigation.app_pages}
            elif kind == "delta" and received.delta.WhichOneof("type") == "new_element":
                element = received.delta.new_element
                name = element.WhichOneof("type")
                elements += 1
                if name == "exception":
                    exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
                elif name == "heading":
                    headings.append(element.heading.body)
                elif name == "radio":
                    self.widgets[element.radio.label] = element.radio.id
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(received.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # this run was cut short by ours; the one we asked for follows
                return Run(time.perf_counter() - started, elements, exceptions, headings, status)


async def read_for(
    url: str,
    number: int,
    seconds: float,
    chart_pages: dict[str, str],
    parties: list[str],
    other_pages: dict[str, str],
    record,
) -> None:  # noqa: ANN001 - record(kind, run, where)
    """One protocol reader: change the party filter (70%) or switch pages, as the browser sessions do,
    for `seconds`; every run is handed to `record`."""
    rng = random.Random(1000 + number)
    current = rng.choice(list(chart_pages))
    async with ProtocolReader(url) as reader:
        record("open", await reader.open(current), f"reader {number}, /{current}")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            where = f"reader {number}, /{current}"
            if current in chart_pages and rng.random() < 0.7:
                party = rng.choice([p for p in parties if p != (reader.party or parties[0])])
                record("filter", await reader.choose_party(party), where)
            else:
                pool = chart_pages if current not in chart_pages or rng.random() < 0.8 else other_pages
                current = rng.choice([p for p in pool if p != current])
                record("switch", await reader.switch_page(current), f"reader {number}, /{current}")
            await asyncio.sleep(0)
